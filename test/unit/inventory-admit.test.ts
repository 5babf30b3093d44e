// The inventory admits a server a console lists without reading the store: on postgres that read is a
// round trip and a JSON parse per server, paid by every pushed report (see test/bench/batch.ts). It reads
// each console at most once per `inventoryRefresh` (a fake console counts the reads, the clock is the
// test's), and without a console holds `ingest.maxServers` even for deliveries in flight together.
import { describe, expect, it } from 'vitest';
import { ComponentStateService } from '../../src/ingest/component-state.js';
import { ServerInventory } from '../../src/ingest/inventory.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { Transactor } from '../../src/store/transactor.js';

function inventory(stored: string[]) {
  const reads: string[][] = [];
  const inv = new ServerInventory({
    consoles: () => [{ id: 'c1', listServers: async () => [{ id: 'listed-1', name: 'one', customerId: 'acme' }] }],
    servers: {
      getMany: async (ids) => {
        reads.push([...ids]);
        return new Map(ids.filter((id) => stored.includes(id)).map((id) => [id, { id } as never]));
      },
      count: async () => stored.length,
    },
    refreshEveryMs: 60_000,
    maxServers: 10,
    now: () => 0,
  });
  inv.update('c1', [{ id: 'listed-1', name: 'one', customerId: 'acme' }, { id: 'listed-2', name: 'two', customerId: 'acme' }]);
  return { inv, reads };
}

describe('server inventory admission', () => {
  it('admits servers a console lists without reading the store', async () => {
    const { inv, reads } = inventory([]);
    const result = await inv.admit([{ serverId: 'listed-1' }, { serverId: 'listed-2' }, { serverId: 'listed-1' }]);
    expect(result.accepted).toHaveLength(3);
    expect(result.refused).toEqual([]);
    expect(reads).toEqual([]);
  });

  it('reads the store only for the servers no console lists, and admits those it holds', async () => {
    const { inv, reads } = inventory(['stored-only']);
    const result = await inv.admit([{ serverId: 'listed-1' }, { serverId: 'stored-only' }, { serverId: 'nowhere' }]);
    expect(reads).toEqual([['stored-only', 'nowhere']]);
    expect(result.accepted.map((r) => r.serverId)).toEqual(['listed-1', 'stored-only']);
    expect(result.refused).toEqual([{ serverId: 'nowhere', reason: 'no Monitoring Console lists this server' }]);
  });
});

/** A console whose list the test sets, counting how often it is read; `fail` makes the next reads throw. */
class FakeConsole {
  reads = 0;
  fail = false;
  constructor(readonly id: string, public servers: Array<{ id: string; name: string; customerId: string }> = []) {}
  async listServers() {
    this.reads += 1;
    if (this.fail) throw new Error('console answered 503');
    return this.servers;
  }
}

describe('inventory refresh for an unknown server', () => {
  const MINUTE = 60_000;
  function withConsoles(...consoles: FakeConsole[]) {
    const clock = { ms: 0 };
    const inv = new ServerInventory({
      consoles: () => consoles,
      servers: { getMany: async () => new Map(), count: async () => 0 },
      refreshEveryMs: MINUTE, maxServers: 10, now: () => clock.ms,
    });
    return { inv, clock };
  }
  const srv = (id: string) => ({ id, name: id, customerId: 'acme' });

  it('reads each console at most once per inventoryRefresh, however many reports name unknown servers', async () => {
    const a = new FakeConsole('a');
    const b = new FakeConsole('b');
    const { inv, clock } = withConsoles(a, b);
    // A burst at once shares one read per console.
    const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => inv.admit([{ serverId: `ghost-${i}` }])));
    expect(burst.every((r) => r.accepted.length === 0 && r.refused.length === 1)).toBe(true);
    expect([a.reads, b.reads]).toEqual([1, 1]);

    // Within the minute: refused without a read, even for a server a console has listed since.
    a.servers = [srv('new-1')];
    clock.ms = MINUTE - 1;
    expect((await inv.admit([{ serverId: 'new-1' }])).refused).toHaveLength(1);
    expect([a.reads, b.reads]).toEqual([1, 1]);

    // A minute on: one more read each, and the server now listed is admitted.
    clock.ms = MINUTE;
    expect((await inv.admit([{ serverId: 'new-1' }])).accepted).toHaveLength(1);
    expect([a.reads, b.reads]).toEqual([2, 2]);
    // Listed now, so admitted again without any read.
    clock.ms = 10 * MINUTE;
    expect((await inv.admit([{ serverId: 'new-1' }])).accepted).toHaveLength(1);
    expect([a.reads, b.reads]).toEqual([2, 2]);
  });

  it('counts the poller\'s read of a console as its refresh', async () => {
    const a = new FakeConsole('a');
    const { inv, clock } = withConsoles(a);
    clock.ms = 5 * MINUTE;
    inv.update('a', [srv('polled')]);
    clock.ms += MINUTE - 1;
    await inv.admit([{ serverId: 'ghost' }]);
    expect(a.reads).toBe(0);
    clock.ms += 1;
    await inv.admit([{ serverId: 'ghost' }]);
    expect(a.reads).toBe(1);
  });

  it('does not read a failing console again within the minute', async () => {
    const a = new FakeConsole('a');
    a.fail = true;
    const { inv, clock } = withConsoles(a);
    for (let i = 0; i < 10; i++) {
      clock.ms = i * 1000;
      expect((await inv.admit([{ serverId: 'ghost' }])).refused).toEqual([{ serverId: 'ghost', reason: 'no Monitoring Console lists this server' }]);
    }
    expect(a.reads).toBe(1);
  });
});

describe('inventory without a console: ingest.maxServers', () => {
  /** The memory store, whose next commit fails when asked (a full disk, say). */
  class FailingStore extends MemoryStore {
    failNext = false;
    override async transaction<T>(...args: Parameters<MemoryStore['transaction']>): Promise<T> {
      if (this.failNext) {
        this.failNext = false;
        throw new Error('no space left on device');
      }
      return super.transaction(...(args as [never]));
    }
  }

  async function world(maxServers: number) {
    const store = new FailingStore();
    await store.open();
    const now = () => new Date(Date.parse('2026-11-25T10:00:00Z'));
    const inventory = new ServerInventory({ consoles: () => [], servers: store.read.servers, refreshEveryMs: 60_000, maxServers, now: () => now().getTime() });
    const components = new ComponentStateService({ transactor: new Transactor({ store, now }), handler: { onChanges: async () => undefined }, dedupRetentionMs: 60_000, inventory });
    const push = (...serverIds: string[]) => components.apply(
      serverIds.map((serverId) => ({ serverId, observedAt: now().toISOString(), reachable: true, components: [] })),
      { mode: 'delta', source: 'console' },
    );
    return { store, push };
  }

  it('admits new servers up to the cap, then refuses new ones and still admits known ones', async () => {
    const { store, push } = await world(2);
    expect((await push('s1', 's2', 's3')).refused.map((r) => r.serverId)).toEqual(['s3']);
    const atCap = await push('s1', 's4');
    expect(atCap.applied).toBe(1);
    expect(atCap.refused).toEqual([{ serverId: 's4', reason: 'the daemon already keeps the most servers it may (ingest.maxServers = 2)' }]);
    expect((await store.read.servers.all()).map((s) => s.id).sort()).toEqual(['s1', 's2']);
  });

  it('holds the cap when deliveries naming new servers arrive together, before any of them is stored', async () => {
    const { store, push } = await world(2);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => push(`burst-${i}`)));
    expect(results.filter((r) => r.applied === 1)).toHaveLength(2);
    expect(results.filter((r) => r.refused.length === 1)).toHaveLength(18);
    expect(await store.read.servers.count()).toBe(2);
  });

  it('counts a new server named by two deliveries in flight once', async () => {
    const { store, push } = await world(2);
    const results = await Promise.all([push('twice'), push('twice'), push('other')]);
    expect(results.map((r) => r.applied)).toEqual([1, 1, 1]);
    expect(await store.read.servers.count()).toBe(2);
  });

  it('gives the room back when the delivery that held it is refused by the store', async () => {
    const { store, push } = await world(1);
    store.failNext = true;
    await expect(push('lost')).rejects.toThrow(/no space/);
    expect((await push('after')).applied).toBe(1);
  });
});

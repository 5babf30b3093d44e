// Deliveries that arrive while units of work are running go together in the next one: each is answered
// with its own result once that unit is durable, a redelivery in the same batch is a duplicate, and one
// delivery that fails the unit fails alone.
import { describe, expect, it } from 'vitest';
import type { StateChange } from '../../src/domain/status-diff.js';
import type { ServerState } from '../../src/domain/types.js';
import { ComponentStateService, type ChangeHandler, type IncomingReport } from '../../src/ingest/component-state.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import type { TransactionOptions, UnitOfWork } from '../../src/store/port.js';
import { Transactor, type Tx } from '../../src/store/transactor.js';

const now = () => new Date('2026-11-25T10:00:00.000Z');

function report(serverId: string, status: 'ok' | 'failed' = 'ok', at = '2026-11-25T10:00:00.000Z'): IncomingReport {
  return { serverId, observedAt: at, reachable: true, components: [{ name: 'backup', kind: 'software', status }] };
}

async function rig(handler: ChangeHandler = { onChanges: async () => undefined }) {
  const store = new MemoryStore({ now });
  await store.open();
  const transactor = new Transactor({ store, now });
  let units = 0;
  const counting = new Transactor({ store, now });
  const run = counting.run.bind(counting);
  counting.run = <T>(fn: (tx: Tx) => Promise<T> | T) => {
    units++;
    return run(fn);
  };
  const service = new ComponentStateService({ transactor: counting, handler, dedupRetentionMs: 60_000 });
  return { store, transactor, service, units: () => units };
}

describe('ingest group commit', () => {
  it('applies deliveries that arrive together in one unit, each answered with its own result', async () => {
    const r = await rig();
    const first = r.service.apply([report('srv-1')], { mode: 'delta', source: 'console' }, ['console:a']);
    // These arrive while the first unit runs.
    const rest = [
      r.service.apply([report('srv-2', 'failed')], { mode: 'delta', source: 'console' }, ['console:b']),
      r.service.apply([report('srv-3'), report('srv-4')], { mode: 'delta', source: 'console' }, ['console:c']),
      r.service.apply([report('srv-2', 'failed')], { mode: 'delta', source: 'console' }, ['console:b']), // redelivered
      r.service.apply([report('srv-5')], { mode: 'full', source: 'poll' }),
    ];
    const results = await Promise.all([first, ...rest]);
    expect(results.map((x) => [x.applied, x.duplicate, x.changes])).toEqual([[1, false, 0], [1, false, 1], [2, false, 0], [0, true, 0], [1, false, 0]]);
    expect(r.units()).toBe(2);
    expect((await r.store.read.servers.all()).map((s) => s.id).sort()).toEqual(['srv-1', 'srv-2', 'srv-3', 'srv-4', 'srv-5']);
    expect((await r.store.read.servers.get('srv-2'))?.components.backup.status).toBe('failed');
    for (const k of ['console:a', 'console:b', 'console:c']) expect(await r.store.read.dedup.has(k)).toBe(true);
    // A later redelivery of an applied one is a duplicate too.
    expect((await r.service.apply([report('srv-1', 'failed')], { mode: 'delta', source: 'console' }, ['console:a'])).duplicate).toBe(true);
  });

  it('keeps a unit to about a webhook\'s worth of reports, however many deliveries wait', async () => {
    const store = new MemoryStore({ now });
    await store.open();
    const sizes: number[] = [];
    const transactor = new Transactor({ store, now });
    const service = new ComponentStateService({
      transactor, dedupRetentionMs: 60_000, maxBatchReports: 5,
      handler: { onChanges: async () => undefined },
    });
    const run = transactor.run.bind(transactor);
    transactor.run = <T>(fn: (tx: Tx) => Promise<T> | T, options?: Parameters<Transactor['run']>[1]) => run(async (tx) => {
      const before = (await tx.servers.count());
      const out = await fn(tx);
      sizes.push((await tx.servers.count()) - before);
      return out;
    }, options);
    const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => report(`${prefix}-${i}`));
    await Promise.all([
      service.apply(many('a', 1), { mode: 'delta', source: 'console' }),
      service.apply(many('b', 3), { mode: 'delta', source: 'console' }),
      service.apply(many('c', 2), { mode: 'delta', source: 'console' }),
      service.apply(many('d', 7), { mode: 'delta', source: 'console' }), // over the bound alone: a unit of its own
      service.apply(many('e', 1), { mode: 'delta', source: 'console' }),
    ]);
    expect(sizes).toEqual([1, 5, 7, 1]);
    expect(await store.read.servers.count()).toBe(14);
  });

  it('lets a delivery that fails the unit fail alone, and the others of its batch land', async () => {
    const handler: ChangeHandler = {
      onChanges: async (_tx: Tx, server: ServerState, _changes: StateChange[]) => {
        if (server.id === 'srv-bad') throw new Error('handler refused srv-bad');
      },
    };
    const r = await rig(handler);
    const first = r.service.apply([report('srv-1')], { mode: 'delta', source: 'console' }, ['console:1']);
    const good = r.service.apply([report('srv-2', 'failed')], { mode: 'delta', source: 'console' }, ['console:2']);
    const bad = r.service.apply([report('srv-bad', 'failed')], { mode: 'delta', source: 'console' }, ['console:3']);
    const good2 = r.service.apply([report('srv-3', 'failed')], { mode: 'delta', source: 'console' }, ['console:4']);
    await expect(first).resolves.toMatchObject({ applied: 1 });
    await expect(good).resolves.toMatchObject({ applied: 1, changes: 1 });
    await expect(bad).rejects.toThrow('handler refused srv-bad');
    await expect(good2).resolves.toMatchObject({ applied: 1, changes: 1 });
    expect(await r.store.read.servers.get('srv-bad')).toBeUndefined();
    expect(await r.store.read.dedup.has('console:3')).toBe(false);
    expect(await r.store.read.dedup.has('console:2')).toBe(true);
    expect((await r.store.read.servers.get('srv-3'))?.components.backup.status).toBe('failed');
  });

  it('answers nothing before its unit is durable: a failed write fails every delivery of the batch', async () => {
    const r = await rig();
    r.store.failWrites = true;
    const all = [
      r.service.apply([report('srv-1')], { mode: 'delta', source: 'console' }, ['console:x']),
      r.service.apply([report('srv-2')], { mode: 'delta', source: 'console' }, ['console:y']),
    ];
    for (const p of all) await expect(p).rejects.toThrow();
    r.store.failWrites = false;
    expect(await r.store.read.dedup.has('console:x')).toBe(false);
    expect(await r.store.read.servers.get('srv-2')).toBeUndefined();
  });
});

describe('reports that only confirm what is known', () => {
  it('are not written, yet order a late delivery: an older report after a newer confirmation changes nothing', async () => {
    const r = await rig();
    const at = (m: number) => `2026-11-25T10:0${m}:00.000Z`;
    const meta = { mode: 'delta' as const, source: 'console' as const };
    await r.service.apply([report('srv-1', 'ok', at(1))], meta);
    const writes = r.store.writes;
    expect((await r.service.apply([report('srv-1', 'ok', at(3))], meta)).changes).toBe(0);
    expect(r.store.writes).toBe(writes); // nothing to write for a confirmation
    expect((await r.store.read.servers.get('srv-1'))?.observedAt).toBe(at(1));
    // Sent at 10:02, delivered after the 10:03 confirmation: older than what was last seen, ignored.
    expect((await r.service.apply([report('srv-1', 'failed', at(2))], meta)).changes).toBe(0);
    expect((await r.store.read.servers.get('srv-1'))?.components.backup.status).toBe('ok');
    // A newer one counts, and the record it writes carries the newest instants.
    expect((await r.service.apply([report('srv-1', 'failed', at(4))], meta)).changes).toBe(1);
    const stored = await r.store.read.servers.get('srv-1');
    expect(stored?.components.backup).toMatchObject({ status: 'failed', observedAt: at(4), since: at(4) });
    expect(stored?.observedAt).toBe(at(4));
  });

  it('keep what they said when the stored record is replaced by one that differs only in when it was seen', async () => {
    const r = await rig();
    const at = (m: number) => `2026-11-25T10:0${m}:00.000Z`;
    const meta = { mode: 'delta' as const, source: 'console' as const };
    await r.service.apply([report('srv-1', 'ok', at(1))], meta);
    await r.service.apply([report('srv-1', 'ok', at(5))], meta);
    // Another writer (another instance, the inventory) puts an equal record as a new object.
    const current = (await r.store.read.servers.get('srv-1'))!;
    await r.transactor.run((tx) => tx.servers.put({ ...current, components: { ...current.components } }));
    expect((await r.service.apply([report('srv-1', 'failed', at(3))], meta)).changes).toBe(0);
    // A change of substance makes the kept instants go with the record they belonged to.
    await r.transactor.run((tx) => tx.servers.put({ ...current, name: 'renamed' }));
    expect((await r.service.apply([report('srv-1', 'failed', at(3))], meta)).changes).toBe(1);
  });
});

describe('locks taken by ingest', () => {
  it('locks only the servers a report changes; a confirming report only peeks (on postgres a peek waits for no lock)', async () => {
    const store = new MemoryStore({ now });
    await store.open();
    const locked: string[][] = [];
    const peeked: string[][] = [];
    // The store as ingest sees it, recording which servers each unit reads for writing and which it peeks at.
    const recording = new Proxy(store, {
      get: (target, prop) => prop !== 'transaction' ? Reflect.get(target, prop, target) : (work: (u: UnitOfWork) => unknown, o?: TransactionOptions) =>
        target.transaction((u) => work(Object.assign(Object.create(u) as UnitOfWork, {
          // The engine's namespaces keep their methods on a prototype: overridden, not copied.
          servers: Object.assign(Object.create(u.servers) as UnitOfWork['servers'], {
            getMany: (ids: readonly string[]) => (locked.push([...ids]), u.servers.getMany(ids)),
            peekMany: (ids: readonly string[]) => (peeked.push([...ids]), u.servers.peekMany(ids)),
          }),
        })), o),
    });
    const service = new ComponentStateService({ transactor: new Transactor({ store: recording, now }), handler: { onChanges: async () => undefined }, dedupRetentionMs: 60_000 });
    const meta = { mode: 'delta', source: 'console' } as const;
    await service.apply([report('srv-1'), report('srv-2')], meta, ['a']);
    expect(locked).toEqual([['srv-1', 'srv-2']]); // new servers are written
    locked.length = 0;
    peeked.length = 0;
    const later = '2026-11-25T10:01:00.000Z';
    const result = await service.apply([report('srv-1', 'ok', later), report('srv-2', 'failed', later)], meta, ['b']);
    expect(result.changes).toBe(1);
    expect(peeked).toEqual([['srv-1', 'srv-2']]);
    expect(locked).toEqual([['srv-2']]);
    expect((await store.read.servers.get('srv-2'))?.components.backup.status).toBe('failed');
    // A steady fleet takes no lock at all.
    locked.length = 0;
    await service.apply([report('srv-1', 'ok', later), report('srv-2', 'failed', later)], meta, ['c']);
    expect(locked).toEqual([]);
    // Nor on the Alertmanager path, which applies each alert under its own key.
    const am = { mode: 'delta', source: 'alertmanager' } as const;
    const alerts = await service.applyKeyed([
      { key: 'am:1', report: { serverId: 'srv-1', observedAt: later, components: [{ name: 'backup', kind: 'software', status: 'ok' }] } },
      { key: 'am:2', report: { serverId: 'srv-2', observedAt: later, components: [{ name: 'backup', kind: 'software', status: 'ok' }] } },
    ], am);
    expect(alerts).toMatchObject({ accepted: 2, changes: 1 });
    expect(locked).toEqual([['srv-2']]);
    expect((await store.read.servers.get('srv-2'))?.components.backup.status).toBe('ok');
  });
});


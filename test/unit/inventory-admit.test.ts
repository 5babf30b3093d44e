// The inventory admits a server a console lists without reading the store: on postgres that read is a
// round trip and a JSON parse per server, paid by every pushed report (see test/bench/batch.ts).
import { describe, expect, it } from 'vitest';
import { ServerInventory } from '../../src/ingest/inventory.js';

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

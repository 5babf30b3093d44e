import { afterEach, describe, expect, it } from 'vitest';
import type { ServerState } from '../../src/domain/types.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { incident } from '../helpers/store-conformance.js';
import { TOKENS, startHarness, type Harness } from './ingest-harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

function srv(id: string, customerId: string, reachable: boolean, statuses: Record<string, 'ok' | 'failed' | 'degraded'>): ServerState {
  const at = '2026-11-25T10:00:00.000Z';
  return {
    id, name: `${id}-name`, customerId, reachable, reachableSince: at, observedAt: at,
    components: Object.fromEntries(Object.entries(statuses).map(([name, status]) => [name, { name, kind: 'software', status, since: at, observedAt: at }])),
  };
}

async function seeded(): Promise<Harness> {
  const store = new MemoryStore();
  await store.open();
  await store.transaction((u) => {
    for (let i = 1; i <= 7; i++) {
      const id = `srv-${String(i).padStart(2, '0')}`;
      u.servers.put(srv(id, i % 2 ? 'acme' : 'globex', i !== 3, { backup: i === 2 || i === 5 ? 'failed' : 'ok', email: 'ok' }));
    }
    u.incidents.put(incident('INC-1', { serverId: 'srv-02', customerId: 'globex', component: 'backup' }));
    u.incidents.put(incident('INC-2', { serverId: 'srv-02', customerId: 'globex', component: null, componentKind: null }));
    u.incidents.put(incident('INC-3', { serverId: 'srv-02', customerId: 'globex', component: 'email', status: 'resolved', resolvedAt: '2026-11-25T11:00:00.000Z' }));
  });
  return startHarness({ store });
}

async function get(path: string, token = TOKENS.viewer): Promise<Response> {
  return fetch(h!.url + path, { headers: { authorization: `Bearer ${token}` } });
}

describe('GET /api/v1/servers', () => {
  it('pages through every server with a cursor in id order', async () => {
    h = await seeded();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/api/v1/servers?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: Array<{ id: string }>; nextCursor: string | null };
      seen.push(...body.items.map((i) => i.id));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['srv-01', 'srv-02', 'srv-03', 'srv-04', 'srv-05', 'srv-06', 'srv-07']);
  });

  it('filters by customer, by a component status and by reachability', async () => {
    h = await seeded();
    const ids = async (q: string) => ((await (await get(`/api/v1/servers?${q}`)).json()) as { items: Array<{ id: string }> }).items.map((i) => i.id);
    expect(await ids('customerId=globex')).toEqual(['srv-02', 'srv-04', 'srv-06']);
    expect(await ids('status=failed')).toEqual(['srv-02', 'srv-05']);
    expect(await ids('reachable=false')).toEqual(['srv-03']);
    expect(await ids('status=failed&customerId=acme')).toEqual(['srv-05']);
  });

  it('answers 400 naming each bad query parameter', async () => {
    h = await seeded();
    const res = await get('/api/v1/servers?limit=0&status=broken&reachable=maybe');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(['limit', 'status', 'reachable']);
  });

  it('is readable by viewers and staff but not by ingest tokens or anonymous callers', async () => {
    h = await seeded();
    expect((await get('/api/v1/servers', TOKENS.l2)).status).toBe(200);
    expect((await get('/api/v1/servers', TOKENS.ingest)).status).toBe(403);
    expect((await fetch(`${h.url}/api/v1/servers`)).status).toBe(401);
  });
});

describe('GET /api/v1/servers/{id}', () => {
  it('shows the customer name, component states with since, and the open incidents', async () => {
    h = await seeded();
    const res = await get('/api/v1/servers/srv-02');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ id: 'srv-02', customerId: 'globex', status: 'failed', openIncidents: ['INC-1', 'INC-2'] });
    expect(body.components).toEqual([
      expect.objectContaining({ name: 'backup', status: 'failed', since: '2026-11-25T10:00:00.000Z' }),
      expect.objectContaining({ name: 'email', status: 'ok' }),
    ]);
    const acme = (await (await get('/api/v1/servers/srv-01')).json()) as { customerName: string };
    expect(acme.customerName).toBe('Acme Ltd');
  });

  it('answers 404 for an unknown server, including inherited property names', async () => {
    h = await seeded();
    expect((await get('/api/v1/servers/nope')).status).toBe(404);
    expect((await get('/api/v1/servers/constructor')).status).toBe(404);
  });
});

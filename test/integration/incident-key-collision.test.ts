// Issue 12, "key collisions": server `web` component `a/b` and server `web/a` component `b` once shared the
// incident key `web/a/b`, so the second failure opened nothing and the first was later resolved by the
// other's recovery. Through the HTTP API on the real daemon (no console: servers are known from reports):
// two failures are two incidents, each server shows only its own, and one recovery touches only its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/types.js';
import { startDaemonInProcess, type InProcessDaemon } from '../helpers/daemon-in-process.js';

describe('incident keys that cannot collide', () => {
  let d: InProcessDaemon;
  beforeAll(async () => {
    d = await startDaemonInProcess({ config: { simulator: { enabled: false } } });
  });
  afterAll(() => d.stop());

  const push = async (serverId: string, component: string, status: 'failed' | 'ok') => {
    const res = await d.api('ingest', 'POST', '/api/v1/ingest/console', {
      serverId, customerId: 'acme', observedAt: new Date().toISOString(), reachable: true,
      components: [{ name: component, kind: 'hardware', status }],
    });
    expect(res.status, await res.clone().text()).toBe(202);
  };
  const server = async (id: string) => {
    const res = await d.api('l2', 'GET', `/api/v1/servers/${encodeURIComponent(id)}`);
    expect(res.status).toBe(200);
    return (await res.json()) as { id: string; components: Array<{ name: string; status: string }>; openIncidents: string[] };
  };
  const incident = async (id: string) => (await (await d.api('l2', 'GET', `/api/v1/incidents/${id}`)).json()) as Incident;

  it('opens two incidents for web a/b and web/a b, and GET /api/v1/servers/web shows only web\'s', async () => {
    await push('web', 'a/b', 'failed');
    await push('web/a', 'b', 'failed');

    const list = (await (await d.api('l2', 'GET', '/api/v1/incidents')).json()) as { items: Incident[] };
    const opened = list.items.filter((i) => i.serverId === 'web' || i.serverId === 'web/a');
    expect(opened.map((i) => [i.serverId, i.component]).sort()).toEqual([['web', 'a/b'], ['web/a', 'b']]);
    const onWeb = opened.find((i) => i.serverId === 'web')!;
    const onWebA = opened.find((i) => i.serverId === 'web/a')!;

    const web = await server('web');
    expect(web.components.map((c) => c.name)).toEqual(['a/b']);
    expect(web.openIncidents).toEqual([onWeb.id]);
    const webA = await server('web/a');
    expect(webA.components.map((c) => c.name)).toEqual(['b']);
    expect(webA.openIncidents).toEqual([onWebA.id]);

    // One recovery marks only its own incident recovered.
    await push('web/a', 'b', 'ok');
    expect((await incident(onWebA.id)).recoveredAt).not.toBeNull();
    expect(await incident(onWeb.id)).toMatchObject({ status: 'open', recoveredAt: null });
  });
});

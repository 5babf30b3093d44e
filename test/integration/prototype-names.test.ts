// Ids that are names of Object.prototype (`__proto__`, `constructor`, `valueOf`…) reach every endpoint
// as ordinary unknown ids: 404 or a 4xx naming the field, never a 200 with an empty body, never a 500,
// and never a write. Maps keyed by outside input are Maps, so no name is special.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonInProcess, TEST_CONTACTS, type InProcessDaemon } from '../helpers/daemon-in-process.js';

const NAMES = [...Object.getOwnPropertyNames(Object.prototype), 'prototype', '__defineGetter__', 'toJSON'];

describe('Object.prototype names as ids', () => {
  let d: InProcessDaemon;
  beforeAll(async () => {
    d = await startDaemonInProcess();
    await d.daemon.pollers!.get('sim')!.pollNow();
  });
  afterAll(() => d.stop());

  it('are unknown incidents, servers, tickets and windows at every endpoint, and change nothing', async () => {
    const before = { incidents: await d.daemon.store.read.incidents.count(), servers: await d.daemon.store.read.servers.count() };
    await fc.assert(fc.asyncProperty(fc.constantFrom(...NAMES), async (name) => {
      const id = encodeURIComponent(name);
      const statuses = await Promise.all([
        d.api('viewer', 'GET', `/api/v1/incidents/${id}`),
        d.api('l2', 'POST', `/api/v1/incidents/${id}/acknowledge`, {}),
        d.api('l2', 'POST', `/api/v1/incidents/${id}/resolve`, { rootCause: 'server' }),
        d.api('l2', 'POST', `/api/v1/incidents/${id}/ticket/retry`, {}),
        d.api('viewer', 'GET', `/api/v1/servers/${id}`),
        d.api('l2', 'DELETE', `/api/v1/maintenance/${id}`),
        d.api('ingest', 'POST', '/api/v1/ingest/ticketing', { ticketId: name, event: 'acknowledged', by: 'vendor' }),
      ].map(async (p) => (await p).status));
      expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 404]);

      const logged = await d.api('l1', 'POST', '/api/v1/incidents', { type: 'fault', customerId: 'acme', serverId: name, reporter: TEST_CONTACTS.acme, symptoms: ['x'] });
      expect(logged.status).toBe(400);
      expect(((await logged.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toContain('serverId');

      const pushed = await d.api('ingest', 'POST', '/api/v1/ingest/console', {
        serverId: name, observedAt: new Date().toISOString(), reachable: true, components: [{ name, kind: 'software', status: 'failed' }],
      });
      expect(pushed.status).toBe(422);
    }), { numRuns: NAMES.length * 2 });
    expect(await d.daemon.store.read.incidents.count()).toBe(before.incidents);
    expect(await d.daemon.store.read.servers.count()).toBe(before.servers);
  });

  it('are ordinary component names on a known server', async () => {
    for (const name of NAMES) {
      const res = await d.api('ingest', 'POST', '/api/v1/ingest/console', {
        serverId: 'srv-0002', observedAt: new Date().toISOString(), reachable: true, components: [{ name, kind: 'hardware', status: 'degraded' }],
      });
      expect(res.status, name).toBe(202);
    }
    const server = (await (await d.api('viewer', 'GET', '/api/v1/servers/srv-0002')).json()) as { components: Array<{ name: string; status: string }> };
    for (const name of NAMES) expect(server.components.find((c) => c.name === name)?.status, name).toBe('degraded');
  });
});

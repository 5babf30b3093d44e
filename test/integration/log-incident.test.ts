// Issue 12: POST /api/v1/incidents (L1 logging a fault) takes only a server the console lists for that
// customer — not an unknown id, not the server's display name, not another customer's server: each is a
// 400 naming serverId with nothing stored. A report linked to the fault already open on the server
// records its reporter and symptoms on that incident, visible through GET /api/v1/incidents/{id}.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/types.js';
import { serversOf, startDaemonInProcess, TEST_CONTACTS, type InProcessDaemon } from '../helpers/daemon-in-process.js';

/** A second authorised contact of acme: the one whose report is linked. */
const SECOND = { name: 'Ann Other', email: 'ann@acme.example' };

describe('POST /api/v1/incidents: the server and linked reports', () => {
  let d: InProcessDaemon;
  beforeAll(async () => {
    d = await startDaemonInProcess({
      config: {
        customers: [
          { id: 'acme', name: 'Acme Ltd', authorisedContacts: [TEST_CONTACTS.acme, SECOND] },
          { id: 'globex', name: 'Globex Corporation', authorisedContacts: [TEST_CONTACTS.globex] },
          { id: 'initech', name: 'Initech', authorisedContacts: [TEST_CONTACTS.initech] },
        ],
      },
    });
  });
  afterAll(() => d.stop());

  const fault = (serverId: string, over: Record<string, unknown> = {}) => ({
    type: 'fault', customerId: 'acme', serverId, reporter: TEST_CONTACTS.acme, symptoms: ['users cannot open the S: drive'], ...over,
  });

  it.each([
    ['a plain unknown id', () => 'no-such-server-zzz'],
    ['the server\'s display name', () => d.daemon.simulators!.console.state.server(serversOf(d, 'acme')[0])!.server.name],
    ['another customer\'s server', () => serversOf(d, 'globex')[0]],
  ])('refuses %s with a 400 naming serverId, and stores nothing', async (_what, serverIdOf) => {
    const serverId = serverIdOf();
    expect(serverId).not.toBe(serversOf(d, 'acme')[0]);
    const before = { incidents: await d.daemon.store.read.incidents.count(), seq: await d.daemon.store.read.events.latestSeq() };
    const res = await d.api('l1', 'POST', '/api/v1/incidents', fault(serverId));
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: Array<{ field: string; message: string }> };
    expect(problem.errors.map((e) => e.field)).toEqual(['serverId']);
    expect(problem.errors[0].message).toContain(serverId);
    expect(await d.daemon.store.read.incidents.count()).toBe(before.incidents);
    expect(await d.daemon.store.read.events.latestSeq()).toBe(before.seq);
  });

  it('records the linked report\'s reporter and symptoms on the open incident', async () => {
    const serverId = serversOf(d, 'acme')[1];
    const first = await d.api('l1', 'POST', '/api/v1/incidents', fault(serverId));
    expect(first.status).toBe(201);
    const { id } = (await first.json()) as Incident;

    const linked = await d.api('l1', 'POST', '/api/v1/incidents', fault(serverId, { reporter: SECOND, symptoms: ['printer queue stuck', 'e-mail slow'] }));
    expect(linked.status).toBe(200);

    const incident = (await (await d.api('l2', 'GET', `/api/v1/incidents/${id}`)).json()) as Incident;
    expect(incident.reporter).toEqual(TEST_CONTACTS.acme);
    expect(incident.symptoms).toEqual(['users cannot open the S: drive', 'printer queue stuck', 'e-mail slow']);
    const entry = incident.timeline.find((e) => e.action === 'linked-report')!;
    expect(entry.note).toContain('Ann Other <ann@acme.example>');
    expect(entry.note).toContain('printer queue stuck; e-mail slow');
  });
});

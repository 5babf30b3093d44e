// The manual flows of the support model over HTTP against a real daemon (in-process, real express, a
// real store file, the built-in simulators): L1 logs faults and requests, levels escalate under the
// seed's conditions, owners work the incident, and every change names its authenticated actor.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident, Role } from '../../src/domain/types.js';
import {
  componentOf, serversOf, setConsoleComponent, startDaemonInProcess, TEST_CONTACTS, ticketFor, TOKEN_NAMES, type InProcessDaemon,
} from '../helpers/daemon-in-process.js';
import { waitFor } from '../helpers/net.js';

let d: InProcessDaemon;
let acme: string; // a server of customer acme
beforeEach(async () => {
  d = await startDaemonInProcess();
  acme = serversOf(d, 'acme')[0];
  // L1 may only log against servers the console lists: wait for the first poll to store them.
  await waitFor(async () => (await d.daemon.store.read.servers.count()) === 6, { what: 'the first poll of the simulated fleet' });
});
afterEach(() => d.stop());

const fault = (over: Record<string, unknown> = {}) => ({
  type: 'fault', customerId: 'acme', serverId: acme, reporter: TEST_CONTACTS.acme, symptoms: ['users cannot open the S: drive'], ...over,
});
const request = (requestType: string) => ({ type: 'request', customerId: 'acme', serverId: acme, reporter: TEST_CONTACTS.acme, requestType });

async function json<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const body = await res.text();
  expect(res.status, body).toBe(status);
  return (body ? JSON.parse(body) : null) as T;
}
const fields = (body: { errors?: Array<{ field: string }> }) => (body.errors ?? []).map((e) => e.field);

async function log(body: Record<string, unknown>, role: Role = 'l1'): Promise<Incident> {
  return json<Incident>(await d.api(role, 'POST', '/api/v1/incidents', body), 201);
}
const act = (role: Role, id: string, action: string, body: Record<string, unknown> = {}) => d.api(role, 'POST', `/api/v1/incidents/${id}/${action}`, body);
const stored = async (id: string) => (await d.daemon.store.read.incidents.get(id))!;
/** The id of every incident the daemon holds, newest first. */
const allIds = async () => (await d.daemon.store.read.incidents.list({ status: 'all', limit: 10_000 })).map((i) => i.id);

/** An L1 fault escalated by L1 to the second line. */
async function l2Fault(over: Record<string, unknown> = {}): Promise<Incident> {
  const incident = await log(fault(over));
  return json<Incident>(await act('l1', incident.id, 'escalate', { reason: 'not a password problem' }), 200);
}

describe('L1 logs faults', () => {
  it('opens a level 1 fault with the reporter and symptoms, created by the authenticated L1 desk', async () => {
    const res = await d.api('l1', 'POST', '/api/v1/incidents', fault());
    const incident = await json<Incident>(res, 201);
    expect(res.headers.get('location')).toBe(`/api/v1/incidents/${incident.id}`);
    expect(incident).toMatchObject({ type: 'fault', level: 1, status: 'open', source: 'manual', serverId: acme, customerId: 'acme', reporter: TEST_CONTACTS.acme, symptoms: ['users cannot open the S: drive'] });
    expect(incident.timeline[0]).toMatchObject({ action: 'created', actor: { kind: 'user', name: TOKEN_NAMES.l1, role: 'l1' } });
    expect(await stored(incident.id)).toBeDefined();
  });

  it('refuses a fault without symptoms with a 400 naming symptoms', async () => {
    for (const symptoms of [undefined, []]) {
      const body = await json(await d.api('l1', 'POST', '/api/v1/incidents', fault({ symptoms })), 400);
      expect(fields(body)).toContain('symptoms');
    }
    expect(await allIds()).toEqual([]);
  });

  it('refuses a reporter who is not an authorised contact of the customer with a 403 and the reason', async () => {
    const body = await json(await d.api('l1', 'POST', '/api/v1/incidents', fault({ reporter: { name: 'Mallory', email: 'mallory@acme.example' } })), 403);
    expect(body).toMatchObject({ reason: 'reporter-not-authorised', customerId: 'acme' });
    expect(String(body.detail)).toMatch(/not an authorised contact of Acme Ltd/);
    // Another customer's contact has no authority over acme either.
    await json(await d.api('l1', 'POST', '/api/v1/incidents', fault({ reporter: TEST_CONTACTS.globex })), 403);
    expect(await allIds()).toEqual([]);
  });

  it('refuses an unknown customer with a 400 naming customerId', async () => {
    const body = await json(await d.api('l1', 'POST', '/api/v1/incidents', fault({ customerId: 'nobody' })), 400);
    expect(fields(body)).toContain('customerId');
  });

  it('links a report to the fault already open on the same server instead of opening a duplicate', async () => {
    const first = await log(fault());
    const res = await d.api('l1', 'POST', '/api/v1/incidents', fault({ symptoms: ['printer queue stuck'] }));
    const body = await json<{ linked: boolean; incident: Incident; openIncidents: string[] }>(res, 200);
    expect(body).toMatchObject({ linked: true, openIncidents: [first.id] });
    expect(body.incident.id).toBe(first.id);
    expect(await allIds()).toEqual([first.id]);
    expect((await stored(first.id)).symptoms).toEqual(['users cannot open the S: drive', 'printer queue stuck']);
    expect((await stored(first.id)).timeline.at(-1)).toMatchObject({ action: 'linked-report', actor: { name: TOKEN_NAMES.l1 } });
  });

  it('opens a separate incident when asked with newIncident: true', async () => {
    const first = await log(fault());
    const second = await log(fault({ newIncident: true, symptoms: ['unrelated: new starter needs a laptop'] }));
    expect(second.id).not.toBe(first.id);
    expect((await allIds()).sort()).toEqual([first.id, second.id].sort());
  });
});

describe('admin requests follow the catalogue level', () => {
  it('lets L1 resolve a level 1 request', async () => {
    const incident = await log(request('reset-password'));
    expect(incident).toMatchObject({ type: 'request', level: 1, requestType: 'reset-password' });
    const resolved = await json<Incident>(await act('l1', incident.id, 'resolve', { rootCause: 'client-device', note: 'password reset' }), 200);
    expect(resolved).toMatchObject({ status: 'resolved', rootCause: 'client-device' });
  });

  it('refuses L1 resolving a level 2 request with a 403, and lets L2 do it', async () => {
    const incident = await log(request('add-file-share'));
    expect(incident.level).toBe(2);
    await json(await act('l1', incident.id, 'resolve', { rootCause: 'configuration' }), 403);
    expect((await stored(incident.id)).status).toBe('open');
    await json(await act('l2', incident.id, 'resolve', { rootCause: 'configuration' }), 200);
  });

  it('sends a level 3 request to the vendor as a ticket at the ticketing system', async () => {
    const incident = await log(request('restore-system-image'));
    expect(incident.level).toBe(3);
    const { ticket } = await ticketFor(d, incident.id);
    expect(ticket).toMatchObject({ externalId: incident.id, serverId: acme, customerId: 'acme', level: 3 });
  });

  it('refuses an unknown request type with a 400 naming requestType', async () => {
    const body = await json(await d.api('l1', 'POST', '/api/v1/incidents', request('make-coffee')), 400);
    expect(fields(body)).toContain('requestType');
  });
});

describe('escalation between levels', () => {
  it('lets L1 escalate to L2, back to open for the new owner, recorded against the L1 desk', async () => {
    const incident = await l2Fault();
    expect(incident).toMatchObject({ level: 2, status: 'open' });
    expect(incident.timeline.at(-1)).toMatchObject({ action: 'escalated', actor: { name: TOKEN_NAMES.l1 }, data: { from: 1, to: 2, reason: 'manual' } });
  });

  it('refuses L2→L3 without notes while the console shows no software failure (400 naming notes), and accepts it with notes', async () => {
    const incident = await l2Fault();
    const refused = await json(await act('l2', incident.id, 'escalate', {}), 400);
    expect(fields(refused)).toEqual(['notes']);
    expect((await stored(incident.id)).level).toBe(2);

    const notes = 'reproduced from two client devices on different LANs; the share is down on the server itself';
    const escalated = await json<Incident>(await act('l2', incident.id, 'escalate', { notes }), 200);
    expect(escalated).toMatchObject({ level: 3, status: 'open' });
    expect(escalated.timeline.at(-1)).toMatchObject({ action: 'escalated', note: notes, actor: { name: TOKEN_NAMES.l2 }, data: { from: 2, to: 3, reason: 'notes' } });
    const { ticket } = await ticketFor(d, incident.id);
    expect(ticket.level).toBe(3);
  });

  it('lets L2 escalate to L3 at once, without notes, when the console shows a software failure on the server', async () => {
    const incident = await l2Fault();
    await setConsoleComponent(d, acme, componentOf(d, acme, 'software'), 'failed', 'service terminated');
    const escalated = await json<Incident>(await act('l2', incident.id, 'escalate', {}), 200);
    expect(escalated).toMatchObject({ level: 3 });
    expect(escalated.timeline.at(-1)).toMatchObject({ action: 'escalated', data: { reason: 'console-software-failure' } });
    await ticketFor(d, incident.id);
  });

  it('refuses a jump of two levels with a 409', async () => {
    const incident = await log(fault());
    await json(await act('l1', incident.id, 'escalate', { toLevel: 3 }), 409);
  });
});

describe('working an incident', () => {
  it('acknowledges, reports progress, awaits the customer and resolves, each step under the acting token', async () => {
    const { id } = await l2Fault();
    await json(await act('l2', id, 'acknowledge', { note: 'mine' }), 200);
    await json(await act('l2', id, 'progress', { note: 'share permissions were reset by a GPO' }), 200);
    const waiting = await json<Incident>(await act('admin', id, 'status', { status: 'awaiting-customer', note: 'asked Jo to confirm' }), 200);
    expect(waiting.status).toBe('awaiting-customer');

    expect(fields(await json(await act('l2', id, 'resolve', {}), 400))).toContain('rootCause');
    expect(fields(await json(await act('l2', id, 'resolve', { rootCause: 'gremlins' }), 400))).toContain('rootCause');
    const resolved = await json<Incident>(await act('l2', id, 'resolve', { rootCause: 'configuration', note: 'GPO fixed' }), 200);
    expect(resolved).toMatchObject({ status: 'resolved', rootCause: 'configuration' });

    const steps = (await stored(id)).timeline.map((e) => [e.action, e.actor.name]);
    expect(steps).toEqual([
      ['created', TOKEN_NAMES.l1], ['escalated', TOKEN_NAMES.l1], ['acknowledged', TOKEN_NAMES.l2], ['progress', TOKEN_NAMES.l2],
      ['status', TOKEN_NAMES.admin], ['resolved', TOKEN_NAMES.l2],
    ]);
  });

  it('answers 409 to acknowledging twice and to resolving twice', async () => {
    const { id } = await l2Fault();
    await json(await act('l2', id, 'acknowledge'), 200);
    await json(await act('l2', id, 'acknowledge'), 409);
    await json(await act('l2', id, 'resolve', { rootCause: 'lan' }), 200);
    await json(await act('l2', id, 'resolve', { rootCause: 'lan' }), 409);
    expect((await stored(id)).timeline.filter((e) => e.action === 'resolved')).toHaveLength(1);
  });

  it('answers 404 for an unknown incident id, read or written', async () => {
    await json(await d.api('viewer', 'GET', '/api/v1/incidents/INC-999999'), 404);
    for (const action of ['acknowledge', 'progress', 'status', 'escalate', 'resolve']) {
      await json(await act('admin', 'INC-999999', action, {}), 404);
    }
  });

  it('refuses L1 acknowledging an L3 incident with a 403', async () => {
    const incident = await log(request('restore-system-image'));
    await json(await act('l1', incident.id, 'acknowledge'), 403);
    expect((await stored(incident.id)).status).toBe('open');
  });

  it('refuses a viewer every POST with a 403', async () => {
    const { id } = await log(fault());
    await json(await d.api('viewer', 'POST', '/api/v1/incidents', fault({ newIncident: true })), 403);
    for (const action of ['acknowledge', 'progress', 'status', 'escalate', 'resolve', 'complaint']) {
      await json(await act('viewer', id, action, {}), 403);
    }
    expect((await stored(id)).timeline).toHaveLength(1);
  });

  it('answers 401 without a token, and with a wrong one', async () => {
    await json(await d.api(null, 'GET', '/api/v1/incidents'), 401);
    await json(await d.api(null, 'POST', '/api/v1/incidents', fault()), 401);
    const wrong = await fetch(`${d.url}/api/v1/incidents`, { headers: { authorization: 'Bearer not-a-real-token-0000' } });
    expect(wrong.status).toBe(401);
  });
});

describe('listing incidents', () => {
  it('filters by status, level, priority and serverId', async () => {
    const f1 = await log(fault({ priority: 'P2' }));
    const f2 = await l2Fault({ newIncident: true, priority: 'P3' });
    const other = await log({ ...fault({ priority: 'P2' }), customerId: 'globex', serverId: serversOf(d, 'globex')[0], reporter: TEST_CONTACTS.globex });
    await json(await act('l1', f1.id, 'resolve', { rootCause: 'client-device' }), 200);
    const ids = async (query: string) => (await json<{ items: Incident[] }>(await d.api('viewer', 'GET', `/api/v1/incidents${query}`), 200)).items.map((i) => i.id);

    expect(await ids('')).toEqual([other.id, f2.id]); // open by default, newest first
    expect(await ids('?status=resolved')).toEqual([f1.id]);
    expect(await ids('?status=all')).toEqual([other.id, f2.id, f1.id]);
    expect(await ids('?level=2')).toEqual([f2.id]);
    expect(await ids('?status=all&priority=P2')).toEqual([other.id, f1.id]);
    expect(await ids(`?status=all&serverId=${acme}`)).toEqual([f2.id, f1.id]);
    expect(fields(await json(await d.api('viewer', 'GET', '/api/v1/incidents?status=sideways'), 400))).toContain('status');
  });

  it('pages with a cursor: every incident once, newest first, then a null cursor', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await log(fault({ newIncident: true, symptoms: [`symptom ${i}`] }))).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page: { items: Incident[]; nextCursor: string | null } = await json(await d.api('viewer', 'GET', `/api/v1/incidents?limit=2${query}`), 200);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse());
  });
});

describe('vendor ticket events (POST /api/v1/ingest/ticketing)', () => {
  const event = (role: Role | null, body: Record<string, unknown>) => d.api(role, 'POST', '/api/v1/ingest/ticketing', body);

  async function vendorTicket(): Promise<{ id: string; ticketId: string }> {
    const incident = await log(request('restore-system-image'));
    const { ticket } = await ticketFor(d, incident.id);
    return { id: incident.id, ticketId: ticket.id };
  }

  it('moves the incident through acknowledged, progress, awaiting-customer and resolved, recorded against the vendor', async () => {
    const { id, ticketId } = await vendorTicket();
    const steps: Array<[string, string, Role]> = [
      ['acknowledged', 'acknowledged', 'ingest'], ['progress', 'in-progress', 'l3'], ['awaiting-customer', 'awaiting-customer', 'ingest'], ['resolved', 'resolved', 'ingest'],
    ];
    for (const [name, status, role] of steps) {
      const body = await json(await event(role, { ticketId, event: name, by: 'vendor-agent-7', note: `${name} note`, rootCause: name === 'resolved' ? 'client-application' : undefined }), 202);
      expect(body).toEqual({ incidentId: id, status });
      expect((await stored(id)).status).toBe(status);
    }
    expect((await stored(id)).rootCause).toBe('client-application');
    const vendorSteps = (await stored(id)).timeline.filter((e) => e.actor.kind === 'vendor');
    expect(vendorSteps.map((e) => e.action)).toEqual(['acknowledged', 'progress', 'status', 'resolved']);
    expect(vendorSteps.every((e) => e.actor.name === 'vendor-agent-7')).toBe(true);
  });

  it('answers 404 for a ticket it does not know', async () => {
    await json(await event('ingest', { ticketId: 'T-does-not-exist', event: 'acknowledged', by: 'vendor' }), 404);
  });

  it('answers a repeated delivery with the same `at` with 200 duplicate and changes nothing', async () => {
    const { id, ticketId } = await vendorTicket();
    await json(await event('ingest', { ticketId, event: 'acknowledged', by: 'vendor', at: '2026-11-25T10:00:00Z' }), 202);
    const progress = { ticketId, event: 'progress', by: 'vendor', note: 'restoring', at: '2026-11-25T10:05:00Z' };
    await json(await event('ingest', progress), 202);
    const before = await stored(id);
    expect(await json(await event('ingest', progress), 200)).toEqual({ duplicate: true, incidentId: id });
    expect(await stored(id)).toEqual(before);
  });

  it('refuses the event from a token that is neither ingest nor l3', async () => {
    const { ticketId } = await vendorTicket();
    await json(await event('l2', { ticketId, event: 'acknowledged', by: 'vendor' }), 403);
    await json(await event(null, { ticketId, event: 'acknowledged', by: 'vendor' }), 401);
  });
});

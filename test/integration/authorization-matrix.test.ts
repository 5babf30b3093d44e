// Who may call what, route by route and role by role, against the real daemon (issue 12). The rules come
// from the support model (DESIGN §1, §8): nobody writes without a token; the vendor (`l3`) sees and acts
// only on incidents held at L3/L4 and on their servers — the Service Provider's L1/L2 work is 404 to it;
// the desks act at their own level and below; the Service Provider (l1/l2/admin) logs and complains;
// maintenance windows are l2/admin; a management step is acknowledged by admin (the vendor's management);
// a ticket is retried by l2/admin; the audit export is admin's; ingest is the ingest role's (and admin's),
// the console's also by Standard Webhooks signature, Jira's also by its HMAC, and a ticket event also the
// vendor desk's.
//
// Every call is made so that the answer can only come from the role rule: an action that should pass gets
// an incident (or window) of its own at the right level with a valid body, so it must answer 2xx (or
// 409 where the rule passes and the state then refuses, e.g. escalating from L4); an action that should be
// refused is made against a shared incident at that level that exists, has a raised management step and a
// ticket — so a role let through by mistake would get 2xx, not a 403/404 for some other reason — and the
// shared incidents are checked afterwards to carry no change by anyone refused.
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident, Role } from '../../src/domain/types.js';
import { jiraSignature } from '../../src/http/routes/vendor-ticketing-routes.js';
import { webhookHeaders } from '../../src/ingest/webhook-signature.js';
import { componentOf, serversOf, startDaemonInProcess, TEST_CONTACTS, TEST_TOKENS, ticketFor, type InProcessDaemon } from '../helpers/daemon-in-process.js';
import { registeredRoutes, withDaemonApp } from '../helpers/express-routes.js';
import { waitFor } from '../helpers/net.js';

type Who = Role | 'none';
const WHO: readonly Who[] = ['none', 'viewer', 'l1', 'l2', 'l3', 'admin', 'ingest'];

/**
 * What the route's `{id}` names — an incident held at a level, a server, a maintenance window — or, for
 * `signed`, that the request also carries the sender's signature (the `none` column is then signed only).
 */
type Target = '-' | 'L1' | 'L2' | 'L3' | 'L4' | 'server with L1/L2 incidents' | 'server with L3/L4 incidents' | 'window' | 'signed';
type Row = [route: string, target: Target, none: number, viewer: number, l1: number, l2: number, l3: number, admin: number, ingest: number];

// prettier-ignore
const MATRIX: Row[] = [
  // route                                                   target                           none viewer l1   l2   l3   admin ingest
  ['GET /healthz',                                           '-',                             200, 200, 200, 200, 200, 200, 200],
  ['GET /readyz',                                            '-',                             200, 200, 200, 200, 200, 200, 200],
  ['GET /openapi.json',                                      '-',                             200, 200, 200, 200, 200, 200, 200],
  ['GET /metrics',                                           '-',                             200, 200, 200, 200, 200, 200, 200],
  ['GET /api/v1/whoami',                                     '-',                             401, 200, 200, 200, 200, 200, 200],

  // Reading: every person; the vendor only what is held at its levels.
  ['GET /api/v1/incidents',                                  '-',                             401, 200, 200, 200, 200, 200, 403],
  ['GET /api/v1/incidents/{id}',                             'L1',                            401, 200, 200, 200, 404, 200, 403],
  ['GET /api/v1/incidents/{id}',                             'L2',                            401, 200, 200, 200, 404, 200, 403],
  ['GET /api/v1/incidents/{id}',                             'L3',                            401, 200, 200, 200, 200, 200, 403],
  ['GET /api/v1/incidents/{id}',                             'L4',                            401, 200, 200, 200, 200, 200, 403],
  ['GET /api/v1/servers',                                    '-',                             401, 200, 200, 200, 200, 200, 403],
  ['GET /api/v1/servers/{id}',                               'server with L1/L2 incidents',   401, 200, 200, 200, 404, 200, 403],
  ['GET /api/v1/servers/{id}',                               'server with L3/L4 incidents',   401, 200, 200, 200, 200, 200, 403],
  ['GET /api/v1/customers',                                  '-',                             401, 200, 200, 200, 200, 200, 403],
  ['GET /api/v1/requests',                                   '-',                             401, 200, 200, 200, 200, 200, 403],
  ['GET /api/v1/roles',                                      '-',                             401, 200, 200, 200, 200, 200, 403],
  ['GET /api/v1/sla/policy',                                 '-',                             401, 200, 200, 200, 200, 200, 403],
  ['GET /api/v1/sla/summary',                                '-',                             401, 200, 200, 200, 200, 200, 403],
  ['GET /api/v1/cluster',                                    '-',                             401, 200, 200, 200, 200, 200, 403],
  ['GET /api/v1/maintenance',                                '-',                             401, 200, 200, 200, 200, 200, 403],
  ['GET /api/v1/maintenance/{id}',                           'window',                        401, 200, 200, 200, 200, 200, 403],
  ['GET /api/v1/audit',                                      '-',                             401, 403, 403, 403, 403, 200, 403],

  // The Service Provider logs what its customers report; the vendor receives it as a ticket.
  ['POST /api/v1/incidents',                                 '-',                             401, 403, 201, 201, 403, 201, 403],

  // Working an incident: the desks at their level and below, the vendor at L3/L4, admin everywhere.
  ['POST /api/v1/incidents/{id}/acknowledge',                'L1',                            401, 403, 200, 200, 404, 200, 403],
  ['POST /api/v1/incidents/{id}/acknowledge',                'L2',                            401, 403, 403, 200, 404, 200, 403],
  ['POST /api/v1/incidents/{id}/acknowledge',                'L3',                            401, 403, 403, 403, 200, 200, 403],
  ['POST /api/v1/incidents/{id}/acknowledge',                'L4',                            401, 403, 403, 403, 200, 200, 403],
  ['POST /api/v1/incidents/{id}/progress',                   'L1',                            401, 403, 200, 200, 404, 200, 403],
  ['POST /api/v1/incidents/{id}/progress',                   'L2',                            401, 403, 403, 200, 404, 200, 403],
  ['POST /api/v1/incidents/{id}/progress',                   'L3',                            401, 403, 403, 403, 200, 200, 403],
  ['POST /api/v1/incidents/{id}/progress',                   'L4',                            401, 403, 403, 403, 200, 200, 403],
  ['POST /api/v1/incidents/{id}/status',                     'L1',                            401, 403, 200, 200, 404, 200, 403],
  ['POST /api/v1/incidents/{id}/status',                     'L2',                            401, 403, 403, 200, 404, 200, 403],
  ['POST /api/v1/incidents/{id}/status',                     'L3',                            401, 403, 403, 403, 200, 200, 403],
  ['POST /api/v1/incidents/{id}/status',                     'L4',                            401, 403, 403, 403, 200, 200, 403],
  ['POST /api/v1/incidents/{id}/escalate',                   'L1',                            401, 403, 200, 200, 404, 200, 403],
  ['POST /api/v1/incidents/{id}/escalate',                   'L2',                            401, 403, 403, 200, 404, 200, 403],
  ['POST /api/v1/incidents/{id}/escalate',                   'L3',                            401, 403, 403, 403, 200, 200, 403],
  // Allowed, then refused by the state: there is no level above L4.
  ['POST /api/v1/incidents/{id}/escalate',                   'L4',                            401, 403, 403, 403, 409, 409, 403],
  ['POST /api/v1/incidents/{id}/resolve',                    'L1',                            401, 403, 200, 200, 404, 200, 403],
  ['POST /api/v1/incidents/{id}/resolve',                    'L2',                            401, 403, 403, 200, 404, 200, 403],
  ['POST /api/v1/incidents/{id}/resolve',                    'L3',                            401, 403, 403, 403, 200, 200, 403],
  ['POST /api/v1/incidents/{id}/resolve',                    'L4',                            401, 403, 403, 403, 200, 200, 403],

  // The Service Provider complains about how the vendor handles it, at any level; not the vendor itself.
  ['POST /api/v1/incidents/{id}/complaint',                  'L1',                            401, 403, 200, 200, 403, 200, 403],
  ['POST /api/v1/incidents/{id}/complaint',                  'L2',                            401, 403, 200, 200, 403, 200, 403],
  ['POST /api/v1/incidents/{id}/complaint',                  'L3',                            401, 403, 200, 200, 403, 200, 403],
  ['POST /api/v1/incidents/{id}/complaint',                  'L4',                            401, 403, 200, 200, 403, 200, 403],
  // The vendor's management confirms a management step: admin, never the vendor's own support desk.
  ['POST /api/v1/incidents/{id}/management/acknowledge',     'L1',                            401, 403, 403, 403, 403, 200, 403],
  ['POST /api/v1/incidents/{id}/management/acknowledge',     'L2',                            401, 403, 403, 403, 403, 200, 403],
  ['POST /api/v1/incidents/{id}/management/acknowledge',     'L3',                            401, 403, 403, 403, 403, 200, 403],
  ['POST /api/v1/incidents/{id}/management/acknowledge',     'L4',                            401, 403, 403, 403, 403, 200, 403],
  // l2/admin may retry; 409 says the rule let them through and the ticket (none at L1/L2, live at L3/L4) did not need it.
  ['POST /api/v1/incidents/{id}/ticket/retry',               'L1',                            401, 403, 403, 409, 403, 409, 403],
  ['POST /api/v1/incidents/{id}/ticket/retry',               'L2',                            401, 403, 403, 409, 403, 409, 403],
  ['POST /api/v1/incidents/{id}/ticket/retry',               'L3',                            401, 403, 403, 409, 403, 409, 403],
  ['POST /api/v1/incidents/{id}/ticket/retry',               'L4',                            401, 403, 403, 409, 403, 409, 403],

  // Maintenance windows mute escalation: the Service Provider's L2 desk and admin only.
  ['POST /api/v1/maintenance',                               '-',                             401, 403, 403, 201, 403, 201, 403],
  ['DELETE /api/v1/maintenance/{id}',                        'window',                        401, 403, 403, 204, 403, 204, 403],

  // Machines feeding data in.
  ['POST /api/v1/ingest/console',                            '-',                             401, 403, 403, 403, 403, 202, 202],
  ['POST /api/v1/ingest/console',                            'signed',                        202, 403, 403, 403, 403, 202, 202],
  ['POST /api/v1/ingest/alertmanager',                       '-',                             401, 403, 403, 403, 403, 202, 202],
  ['POST /api/v1/ingest/ticketing',                          '-',                             401, 403, 403, 403, 202, 202, 202],
  ['POST /api/v1/ingest/ticketing/jira',                     '-',                             401, 403, 403, 403, 403, 202, 202],
  ['POST /api/v1/ingest/ticketing/jira',                     'signed',                        202, 403, 403, 403, 403, 202, 202],
  ['POST /api/v1/ingest/ticketing/servicenow',               '-',                             401, 403, 403, 403, 403, 202, 202],
];

const CONSOLE_SECRET = `whsec_${Buffer.from('authorization-matrix-console-key').toString('base64')}`;
const JIRA_SECRET = 'authorization-matrix-jira-secret';
const LEVEL_OF: Partial<Record<Target, 1 | 2 | 3 | 4>> = { L1: 1, L2: 2, L3: 3, L4: 4 };

let d: InProcessDaemon;
let app: Express;
/** Servers: A carries only L1/L2 incidents, B the L3/L4 ones, C (another customer) the fresh L1/L2 ones (which may go up). */
let A: string;
let B: string;
let C: string;
const shared = {} as Record<'L1' | 'L2' | 'L3' | 'L4', string>;
let sharedWindow: string;
/** An L3 incident with its vendor ticket, which the ticket events act on. */
let vendor: { incidentId: string; ticketId: string };
const userEntries = new Map<string, number>();

const customerOf = (server: string) => (server === C ? 'globex' : 'acme');

async function json<T>(res: Response, status: number, what: string): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** A new fault logged by the L1 desk on `server` and escalated by admin (who may act at every level) up to `level`. */
async function incidentAt(level: number, server: string): Promise<string> {
  const customer = customerOf(server);
  const { id } = await json<Incident>(await d.api('l1', 'POST', '/api/v1/incidents', {
    type: 'fault', customerId: customer, serverId: server, reporter: TEST_CONTACTS[customer], symptoms: ['nobody can log on'], newIncident: true,
  }), 201, 'log a fault');
  for (let at = 1; at < level; at += 1) {
    await json(await d.api('admin', 'POST', `/api/v1/incidents/${id}/escalate`, { notes: 'reproduced and isolated to the server' }), 200, `escalate ${id} from L${at}`);
  }
  return id;
}

async function windowFor(server: string): Promise<string> {
  const starts = Date.now() + 30 * 86_400_000;
  const w = await json<{ id: string }>(await d.api('admin', 'POST', '/api/v1/maintenance', {
    serverId: server, startsAt: new Date(starts).toISOString(), endsAt: new Date(starts + 7_200_000).toISOString(), reason: 'disk replacement',
  }), 201, 'create a window');
  return w.id;
}

const countUserEntries = (incident: Incident) => incident.timeline.filter((e) => e.actor.kind === 'user').length;

/** The body each route is called with: valid, so that a role let through gets a success. */
function bodyFor(route: string): unknown {
  const now = new Date().toISOString();
  switch (route) {
    case 'POST /api/v1/incidents':
      return { type: 'fault', customerId: 'globex', serverId: C, reporter: TEST_CONTACTS.globex, symptoms: ['cannot print'], newIncident: true };
    case 'POST /api/v1/incidents/{id}/acknowledge':
      return { note: 'on it' };
    case 'POST /api/v1/incidents/{id}/progress':
      return { note: 'reimaging the profile' };
    case 'POST /api/v1/incidents/{id}/status':
      return { status: 'in-progress' };
    case 'POST /api/v1/incidents/{id}/escalate':
      return { notes: 'reproduced and isolated to the server' };
    case 'POST /api/v1/incidents/{id}/resolve':
      return { rootCause: 'server', note: 'service restarted' };
    case 'POST /api/v1/incidents/{id}/complaint':
      return { note: 'no word from the vendor for a day' };
    case 'POST /api/v1/incidents/{id}/management/acknowledge':
      return { step: 2, note: 'Head of Support has it' };
    case 'POST /api/v1/incidents/{id}/ticket/retry':
      return {};
    case 'POST /api/v1/maintenance': {
      const starts = Date.now() + 60 * 86_400_000;
      return { serverId: A, startsAt: new Date(starts).toISOString(), endsAt: new Date(starts + 3_600_000).toISOString(), reason: 'firmware' };
    }
    case 'POST /api/v1/ingest/console':
      return { serverId: A, observedAt: now, reachable: true, components: [] };
    case 'POST /api/v1/ingest/alertmanager':
      return {
        version: '4', groupKey: '{}:{alertname="ServiceDown"}', truncatedAlerts: 0, status: 'resolved', receiver: 'escalatord',
        groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager.example:9093',
        alerts: [{
          status: 'resolved', labels: { alertname: 'ServiceDown', server: A, component: componentOf(d, A, 'software') }, annotations: {},
          startsAt: now, endsAt: now, generatorURL: 'http://prometheus.example:9090/graph', fingerprint: randomUUID().replaceAll('-', '').slice(0, 16),
        }],
      };
    case 'POST /api/v1/ingest/ticketing':
      return { ticketId: vendor.ticketId, event: 'progress', by: 'Vendor engineer', note: 'collecting logs' };
    case 'POST /api/v1/ingest/ticketing/jira':
      return { webhookEvent: 'comment_created', issue: { key: vendor.ticketId }, comment: { author: { accountId: 'vendor-eng-1', displayName: 'Vendor engineer' }, body: 'collecting logs' } };
    case 'POST /api/v1/ingest/ticketing/servicenow':
      return { sys_id: randomUUID().replaceAll('-', ''), correlation_id: vendor.incidentId, sys_updated_by: 'vendor.engineer', work_notes: 'collecting logs' };
    default:
      return undefined;
  }
}

/** The `{id}` of the call: a fresh incident or window for a call that should change it, else the shared one. */
async function idFor(route: string, target: Target, changes: boolean): Promise<string | null> {
  if (!route.includes('{id}')) return null;
  const level = LEVEL_OF[target];
  if (level !== undefined) {
    if (!changes) return shared[target as keyof typeof shared];
    const id = await incidentAt(level, level <= 2 ? C : B);
    if (route.endsWith('/management/acknowledge')) {
      await json(await d.api('admin', 'POST', `/api/v1/incidents/${id}/complaint`, { note: 'raise step 2' }), 200, 'complain');
    }
    return id;
  }
  if (target === 'window') return changes ? windowFor(A) : sharedWindow;
  if (target === 'server with L1/L2 incidents') return A;
  if (target === 'server with L3/L4 incidents') return B;
  throw new Error(`no {id} for target ${target}`);
}

/** The status the table expects for `who`. */
const statusFor = (row: Row, who: Who): number => (row.slice(2) as number[])[WHO.indexOf(who)];

async function call(row: Row, who: Who): Promise<{ status: number; text: string }> {
  const [route, target] = row;
  const expected = statusFor(row, who);
  const [method, template] = route.split(' ');
  const id = await idFor(route, target, method !== 'GET' && expected >= 200 && expected < 300);
  const path = id === null ? template : template.replace('{id}', encodeURIComponent(id));
  const body = bodyFor(route);
  const raw = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = {};
  if (who !== 'none') headers.authorization = `Bearer ${TEST_TOKENS[who]}`;
  if (raw !== undefined) headers['content-type'] = 'application/json';
  if (target === 'signed' && route === 'POST /api/v1/ingest/console') Object.assign(headers, webhookHeaders({ id: `msg_${randomUUID()}`, now: new Date(), body: raw!, secret: CONSOLE_SECRET }));
  if (target === 'signed' && route === 'POST /api/v1/ingest/ticketing/jira') headers['x-hub-signature'] = jiraSignature(raw!, JIRA_SECRET);
  const res = await fetch(`${d.url}${path}`, { method, headers, body: raw, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  ({ result: d, app } = await withDaemonApp(() => startDaemonInProcess({
    config: { ingest: { console: { secret: CONSOLE_SECRET } }, ticketing: { jira: { webhookSecret: JIRA_SECRET } } },
  })));
  [A, B] = serversOf(d, 'acme');
  [C] = serversOf(d, 'globex');
  await waitFor(async () => {
    for (const s of [A, B, C]) if (!(await d.daemon.store.read.servers.get(s))) return false;
    return true;
  }, { what: 'the simulated servers at the daemon', timeoutMs: 30_000 });

  shared.L1 = await incidentAt(1, A);
  shared.L2 = await incidentAt(2, A);
  shared.L3 = await incidentAt(3, B);
  shared.L4 = await incidentAt(4, B);
  for (const id of Object.values(shared)) {
    // Management step 2 raised, so a wrongly admitted acknowledgement of it would succeed rather than fail for want of a step.
    await json(await d.api('admin', 'POST', `/api/v1/incidents/${id}/complaint`, { note: 'no progress' }), 200, 'complain');
  }
  await ticketFor(d, shared.L3);
  await ticketFor(d, shared.L4);
  const vendorIncident = await incidentAt(3, B);
  vendor = { incidentId: vendorIncident, ticketId: (await ticketFor(d, vendorIncident)).ticket.id };
  sharedWindow = await windowFor(A);
  for (const id of Object.values(shared)) userEntries.set(id, countUserEntries((await d.daemon.store.read.incidents.get(id))!));
}, 120_000);

afterAll(() => d?.stop());

describe('the authorization matrix', () => {
  it('has a row for every route the daemon registers, and none for a route it does not', () => {
    const registered = new Set(registeredRoutes(app).map((r) => r.replace(/^(\w+) /, (_, m: string) => `${m.toUpperCase()} `)));
    const tabled = new Set(MATRIX.map(([route]) => route));
    expect([...registered].filter((r) => !tabled.has(r)).sort()).toEqual([]);
    expect([...tabled].filter((r) => !registered.has(r)).sort()).toEqual([]);
  });

  it.each(MATRIX)('%s (%s) answers each role as the table says', async (...row) => {
    const expected: Record<string, number> = {};
    const actual: Record<string, number> = {};
    const details: string[] = [];
    for (const who of WHO) {
      const { status, text } = await call(row, who);
      expected[who] = statusFor(row, who);
      actual[who] = status;
      if (status !== expected[who]) details.push(`${who}: ${status} ${text.slice(0, 200)}`);
    }
    expect(actual, details.join('\n')).toEqual(expected);
  }, 60_000);

  it('leaves the incidents and the window that the refused calls named exactly as they were', async () => {
    for (const [level, id] of Object.entries(shared)) {
      const incident = (await d.daemon.store.read.incidents.get(id))!;
      expect({ level, userEntries: countUserEntries(incident), status: incident.status }).toEqual({ level, userEntries: userEntries.get(id), status: 'open' });
    }
    expect((await d.api('admin', 'GET', `/api/v1/maintenance/${sharedWindow}`)).status).toBe(200);
  });

  it('shows the vendor only incidents held at L3/L4, only their servers, and no reporter contacts', async () => {
    const incidents = await json<{ items: Incident[] }>(await d.api('l3', 'GET', '/api/v1/incidents?status=all&limit=500'), 200, 'list');
    expect(incidents.items.length).toBeGreaterThan(0);
    expect([...new Set(incidents.items.map((i) => i.level))].sort()).toEqual([3, 4]);
    const all = await json<{ items: Incident[] }>(await d.api('admin', 'GET', '/api/v1/incidents?status=open&limit=500'), 200, 'list');
    const vendorServers = new Set(all.items.filter((i) => i.level >= 3).map((i) => i.serverId));
    const servers = await json<{ items: Array<{ id: string }> }>(await d.api('l3', 'GET', '/api/v1/servers?limit=500'), 200, 'servers');
    expect(servers.items.map((s) => s.id).sort()).toEqual([...vendorServers].sort());
    expect(servers.items.map((s) => s.id)).not.toContain(A);
    const customers = await json<{ items: Array<Record<string, unknown>> }>(await d.api('l3', 'GET', '/api/v1/customers'), 200, 'customers');
    expect(customers.items.length).toBeGreaterThan(0);
    for (const c of customers.items) expect(c).not.toHaveProperty('authorisedContacts');
  });
});

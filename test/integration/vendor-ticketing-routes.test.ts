// The Jira and ServiceNow webhook routes on a real express app, with a small fake of the incident
// commands: authentication (HMAC signature over the raw body, bearer tokens), dedup keys handed to the
// command, 202 / 200 duplicate / 200 ignored answers, the ignored counter, and the refusals.
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/domain/errors.js';
import { DEFAULT_JIRA_STATUS_MAP, DEFAULT_SERVICENOW_STATE_MAP } from '../../src/domain/vendor-events.js';
import {
  TICKETING_IGNORED_METRIC, createVendorTicketingRouter, jiraSignature, ticketingIgnoredCounter, verifyJiraSignature,
  type VendorEventCommands, type VendorEventInput,
} from '../../src/http/routes/vendor-ticketing-routes.js';
import { expectStatus, routeAuth, startRoutes, type RouteHarness } from '../helpers/route-harness.js';

const SECRET = 'jira-webhook-secret-0123456789';
const fixture = (name: string): string => readFileSync(new URL(`../fixtures/vendor/${name}.json`, import.meta.url), 'utf8');

/** The incident commands, reduced to what the routes rely on. */
class FakeCommands implements VendorEventCommands {
  readonly calls: Array<{ input: VendorEventInput; opts: { dedupKey?: string; source: string } }> = [];
  readonly keys = new Set<string>();
  readonly incidents = new Map<string, { id: string; status: string; ticketId: string }>();
  conflict = false;

  async vendorEvent(input: VendorEventInput, opts: { dedupKey?: string; source: 'generic' | 'jira' | 'servicenow' }) {
    this.calls.push({ input, opts });
    const incident = [...this.incidents.values()].find((i) => i.ticketId === input.ticketId) ?? (input.incidentId ? this.incidents.get(input.incidentId) : undefined);
    if (!incident) throw new NotFoundError(`ticket ${input.ticketId}`);
    if (opts.dedupKey && this.keys.has(opts.dedupKey)) return { incident, duplicate: true };
    if (this.conflict) throw new ConflictError(`incident ${incident.id} is already resolved`);
    if (opts.dedupKey) this.keys.add(opts.dedupKey);
    incident.status = input.event === 'progress' ? 'in-progress' : input.event;
    return { incident, duplicate: false };
  }
}

let commands: FakeCommands;
let registry: Registry;
let ready = true;
let h: RouteHarness;
let unsigned: RouteHarness;

function build(webhookSecret: string | undefined, metrics = registry) {
  return createVendorTicketingRouter({
    auth: routeAuth(),
    commands: { vendorEvent: (i, o) => commands.vendorEvent(i, o) },
    jira: { webhookSecret, rules: { statusMap: DEFAULT_JIRA_STATUS_MAP, selfAccountIds: ['712020:escalatord-bot'] } },
    servicenow: { rules: { stateMap: DEFAULT_SERVICENOW_STATE_MAP, selfUsers: ['escalatord.api'] } },
    registry: metrics,
    logger: pino({ level: 'silent' }),
    isReady: () => ready,
    bodyLimit: '16kb',
  });
}

beforeAll(async () => {
  registry = new Registry();
  h = await startRoutes([build(SECRET)]);
  unsigned = await startRoutes([build(undefined, new Registry())]);
});
beforeEach(() => {
  commands = new FakeCommands();
  commands.incidents.set('INC-000042', { id: 'INC-000042', status: 'open', ticketId: 'SUP-42' });
  ready = true;
});
afterAll(async () => {
  await h.close();
  await unsigned.close();
});

function jira(body: string, headers: Record<string, string> = {}, harness = h) {
  return harness.call(null, 'POST', '/api/v1/ingest/ticketing/jira', body, {
    'content-type': 'application/json', 'x-hub-signature': jiraSignature(body, SECRET), 'x-atlassian-webhook-identifier': 'wh-0001', ...headers,
  });
}
async function ignoredCount(source: string, reason: string): Promise<number> {
  const metric = await registry.getSingleMetric(TICKETING_IGNORED_METRIC)!.get();
  return metric.values.find((v) => v.labels.source === source && v.labels.reason === reason)?.value ?? -1;
}

describe('POST /api/v1/ingest/ticketing/jira', () => {
  it('applies a signed "In Progress" transition (202) with the webhook identifier as the dedup key', async () => {
    const body = await expectStatus(await jira(fixture('jira-issue-updated-in-progress')), 202);
    expect(body).toEqual({ incidentId: 'INC-000042', status: 'acknowledged', event: 'acknowledged' });
    expect(commands.calls).toEqual([{
      input: { ticketId: 'SUP-42', incidentId: 'INC-000042', event: 'acknowledged', by: 'Sam Vendor', note: 'Jira status "Waiting for support" → "In Progress"', at: '2026-11-25T10:00:00.000Z' },
      opts: { source: 'jira', dedupKey: 'jira:wh-0001' },
    }]);
  });

  it('answers a repeated delivery 200 duplicate, changing nothing', async () => {
    await expectStatus(await jira(fixture('jira-issue-updated-in-progress')), 202);
    commands.incidents.get('INC-000042')!.status = 'in-progress';
    expect(await expectStatus(await jira(fixture('jira-issue-updated-in-progress')), 200)).toEqual({ duplicate: true, incidentId: 'INC-000042' });
    expect(commands.incidents.get('INC-000042')!.status).toBe('in-progress');
  });

  it('refuses a missing, malformed or wrong signature (401) without calling the command', async () => {
    const body = fixture('jira-issue-updated-done');
    await expectStatus(await jira(body, { 'x-hub-signature': '' }), 401);
    await expectStatus(await h.call(null, 'POST', '/api/v1/ingest/ticketing/jira', body, { 'content-type': 'application/json' }), 401);
    await expectStatus(await jira(body, { 'x-hub-signature': 'sha256=abc' }), 401);
    await expectStatus(await jira(body, { 'x-hub-signature': jiraSignature(body, 'another-secret-0123456789') }), 401);
    // Signed for other bytes: the same JSON re-serialised does not verify.
    await expectStatus(await jira(JSON.stringify(JSON.parse(body)), { 'x-hub-signature': jiraSignature(body, SECRET) }), 401);
    expect(commands.calls).toEqual([]);
  });

  it('refuses every signed delivery when no webhook secret is configured', async () => {
    await expectStatus(await jira(fixture('jira-issue-updated-done'), {}, unsigned), 401);
    expect(commands.calls).toEqual([]);
  });

  it('takes a bearer token of role ingest instead of a signature (Jira Automation), but not of a staff role', async () => {
    await expectStatus(await h.call('ingest', 'POST', '/api/v1/ingest/ticketing/jira', fixture('jira-issue-updated-done'), { 'content-type': 'application/json' }), 202);
    await expectStatus(await h.call('l3', 'POST', '/api/v1/ingest/ticketing/jira', fixture('jira-issue-updated-done'), { 'content-type': 'application/json' }), 403);
    expect(commands.calls).toHaveLength(1);
  });

  it('ignores (200, counted) a status it cannot map, escalatord\'s own change, an issue of no incident and a change it cannot make', async () => {
    const before = await ignoredCount('jira', 'unmapped-status');
    expect(await expectStatus(await jira(fixture('jira-issue-updated-escalated'), { 'x-atlassian-webhook-identifier': 'wh-2' }), 200)).toMatchObject({ ignored: 'unmapped-status' });
    expect(await ignoredCount('jira', 'unmapped-status')).toBe(before + 1);
    expect(await expectStatus(await jira(fixture('jira-comment-created-by-escalatord'), { 'x-atlassian-webhook-identifier': 'wh-3' }), 200)).toMatchObject({ ignored: 'own-change' });
    expect(commands.calls).toEqual([]);

    commands.incidents.clear();
    expect(await expectStatus(await jira(fixture('jira-issue-updated-done'), { 'x-atlassian-webhook-identifier': 'wh-4' }), 200)).toMatchObject({ ignored: 'no-incident' });
    commands.incidents.set('INC-000042', { id: 'INC-000042', status: 'resolved', ticketId: 'SUP-42' });
    commands.conflict = true;
    expect(await expectStatus(await jira(fixture('jira-issue-updated-in-progress'), { 'x-atlassian-webhook-identifier': 'wh-5' }), 200)).toMatchObject({ ignored: 'conflict' });
    expect(await ignoredCount('jira', 'no-incident')).toBeGreaterThanOrEqual(1);
    expect(await ignoredCount('jira', 'conflict')).toBeGreaterThanOrEqual(1);
  });

  it('answers 400 naming the body for signed bytes that are not JSON, 413 for a body over the limit, 503 while not ready', async () => {
    const problem = await expectStatus<{ errors: Array<{ field: string }> }>(await jira('{not json'), 400);
    expect(problem.errors.map((e) => e.field)).toEqual(['body']);
    const big = JSON.stringify({ webhookEvent: 'comment_created', pad: 'x'.repeat(20_000) });
    await expectStatus(await jira(big), 413);
    ready = false;
    await expectStatus(await jira(fixture('jira-issue-updated-done')), 503);
    expect(commands.calls).toEqual([]);
  });
});

describe('POST /api/v1/ingest/ticketing/servicenow', () => {
  beforeEach(() => {
    commands.incidents.set('INC-000042', { id: 'INC-000042', status: 'open', ticketId: '9d385017c611228701d22104cc95c371' });
  });
  const sn = (role: 'ingest' | 'l2' | null, name: string) => h.call(role, 'POST', '/api/v1/ingest/ticketing/servicenow', fixture(name), { 'content-type': 'application/json' });

  it('applies a record (202) with its sys_id and update time as the dedup key, and a repeat is a duplicate', async () => {
    expect(await expectStatus(await sn('ingest', 'servicenow-resolved'), 202)).toEqual({ incidentId: 'INC-000042', status: 'resolved', event: 'resolved' });
    expect(commands.calls[0]).toEqual({
      input: expect.objectContaining({ ticketId: '9d385017c611228701d22104cc95c371', incidentId: 'INC-000042', event: 'resolved', rootCause: 'configuration', by: 'sam.vendor' }),
      opts: { source: 'servicenow', dedupKey: 'sn:9d385017c611228701d22104cc95c371:2026-11-25 12:00:00' },
    });
    expect(await expectStatus(await sn('ingest', 'servicenow-resolved'), 200)).toMatchObject({ duplicate: true });
  });

  it('needs a bearer token of role ingest (401 without, 403 for a staff role)', async () => {
    await expectStatus(await sn(null, 'servicenow-resolved'), 401);
    await expectStatus(await sn('l2', 'servicenow-resolved'), 403);
    expect(commands.calls).toEqual([]);
  });

  it('ignores escalatord\'s own update and a record it cannot map, counted by source', async () => {
    const before = await ignoredCount('servicenow', 'own-change');
    expect(await expectStatus(await sn('ingest', 'servicenow-resolved-by-escalatord'), 200)).toMatchObject({ ignored: 'own-change' });
    expect(await expectStatus(await sn('ingest', 'servicenow-new-no-notes'), 200)).toMatchObject({ ignored: 'unmapped-state' });
    expect(await ignoredCount('servicenow', 'own-change')).toBe(before + 1);
    expect(commands.calls).toEqual([]);
  });

  it('answers 400 naming the body for a body that is not JSON', async () => {
    const problem = await expectStatus<{ errors: Array<{ field: string }> }>(await h.call('ingest', 'POST', '/api/v1/ingest/ticketing/servicenow', '{"sys_id":', { 'content-type': 'application/json' }), 400);
    expect(problem.errors.map((e) => e.field)).toEqual(['body']);
  });
});

describe('helpers', () => {
  it('exports every ignored series at 0 once per registry', async () => {
    const r = new Registry();
    const a = ticketingIgnoredCounter(r);
    expect(ticketingIgnoredCounter(r)).toBe(a);
    const text = await r.metrics();
    expect(text).toContain('escalatord_ticketing_events_ignored_total{source="jira",reason="unmapped-status"} 0');
    expect(text).toContain('escalatord_ticketing_events_ignored_total{source="servicenow",reason="no-incident"} 0');
  });

  it('verifies only sha256=<64 hex> signatures of exactly these bytes', () => {
    const body = Buffer.from('{"a":1}');
    expect(verifyJiraSignature(jiraSignature(body, SECRET), body, SECRET)).toBe(true);
    expect(verifyJiraSignature(jiraSignature(body, SECRET).toUpperCase().replace('SHA256', 'sha256'), body, SECRET)).toBe(true);
    expect(verifyJiraSignature(jiraSignature(body, SECRET).replace('sha256=', 'sha1='), body, SECRET)).toBe(false);
    expect(verifyJiraSignature(undefined, body, SECRET)).toBe(false);
    expect(verifyJiraSignature(jiraSignature(body, SECRET), Buffer.from('{"a":2}'), SECRET)).toBe(false);
  });
});

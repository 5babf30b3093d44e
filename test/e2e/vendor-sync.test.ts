// The vendor's own ticketing system tells the real daemon what it did: a signed Jira Cloud webhook moving
// the issue to "In Progress" acknowledges the L3 incident, a comment is progress, "Done" resolves it; a
// repeated delivery and escalatord's own transition change nothing; a ServiceNow record resolves another
// incident with its root cause; and the audit export of the day lists every change with its actor.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry, StoredIncident } from '../../src/store/port.js';
import { jiraSignature } from '../../src/http/routes/vendor-ticketing-routes.js';
import { componentOf, serversOf, setConsoleComponent, startDaemonInProcess, ticketFor, type InProcessDaemon } from '../helpers/daemon-in-process.js';

const SECRET = 'jira-webhook-secret-e2e-0001';
const SELF = '712020:escalatord-bot';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- fixtures are free-form JSON

const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`../fixtures/vendor/${name}.json`, import.meta.url), 'utf8')) as Json;

/** A Jira fixture about `incidentId`: an issue escalatord did not create itself, found by its escalatord label. */
function jiraAbout(name: string, incidentId: string): string {
  const body = fixture(name);
  body.issue.key = 'VEND-7';
  body.issue.fields.labels = ['escalatord', `escalatord-${incidentId}`];
  body.timestamp = Date.now();
  if (body.comment) body.comment.created = new Date().toISOString();
  return JSON.stringify(body);
}

let d: InProcessDaemon;
beforeEach(async () => {
  d = await startDaemonInProcess({ config: { ticketing: { jira: { webhookSecret: SECRET, selfAccountId: SELF } } } });
});
afterEach(() => d.stop());

function postJira(body: string, id: string): Promise<Response> {
  return fetch(`${d.url}/api/v1/ingest/ticketing/jira`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature': jiraSignature(body, SECRET), 'x-atlassian-webhook-identifier': id },
    body,
  });
}
async function status(res: Response, expected: number): Promise<Json> {
  const text = await res.text();
  expect(res.status, text).toBe(expected);
  return JSON.parse(text) as Json;
}
async function failSoftware(customer: 'acme' | 'globex'): Promise<StoredIncident> {
  const serverId = serversOf(d, customer)[0];
  const component = componentOf(d, serverId, 'software');
  await setConsoleComponent(d, serverId, component, 'failed', 'service terminated');
  const incident = (await d.daemon.store.read.incidents.openOn(serverId)).find((i) => i.component === component);
  expect(incident).toMatchObject({ level: 3, status: 'open' });
  // Jira only speaks of an issue that exists: wait for the ticket (and its note on the timeline).
  return (await ticketFor(d, incident!.id)).incident;
}
const current = async (id: string) => (await d.daemon.store.read.incidents.get(id))!;

describe('vendor ticket sync end to end', () => {
  it('acknowledges the L3 incident on "In Progress", records a comment as progress and resolves it on "Done"; repeats and its own transition change nothing', async () => {
    const incident = await failSoftware('acme');

    const ack = await status(await postJira(jiraAbout('jira-issue-updated-in-progress', incident.id), 'wh-1'), 202);
    expect(ack).toEqual({ incidentId: incident.id, status: 'acknowledged', event: 'acknowledged' });
    const acknowledged = await current(incident.id);
    expect(acknowledged.acknowledgedAt).not.toBeNull();
    // The ticket's own note may land after it (the dispatcher runs meanwhile): look for the vendor's entry.
    expect(acknowledged.timeline).toContainEqual(expect.objectContaining({ actor: expect.objectContaining({ kind: 'vendor', name: 'Sam Vendor' }) }));

    // Jira retries a delivery with the same identifier: 200, nothing changes.
    expect(await status(await postJira(jiraAbout('jira-issue-updated-in-progress', incident.id), 'wh-1'), 200)).toMatchObject({ duplicate: true });
    expect((await current(incident.id)).timeline).toHaveLength(acknowledged.timeline.length);

    expect(await status(await postJira(jiraAbout('jira-comment-created-text', incident.id), 'wh-2'), 202)).toMatchObject({ status: 'in-progress', event: 'progress' });
    expect((await current(incident.id)).timeline).toContainEqual(expect.objectContaining({ note: 'Restarted the backup agent; watching the next run.' }));

    expect(await status(await postJira(jiraAbout('jira-issue-updated-done', incident.id), 'wh-3'), 202)).toMatchObject({ status: 'resolved', event: 'resolved' });
    const resolved = await current(incident.id);
    expect(resolved).toMatchObject({ status: 'resolved' });

    // escalatord's own account moving the issue again is not news; neither is an issue of no incident.
    expect(await status(await postJira(jiraAbout('jira-issue-updated-done-by-escalatord', incident.id), 'wh-4'), 200)).toMatchObject({ ignored: 'own-change' });
    expect(await status(await postJira(jiraAbout('jira-issue-updated-done', 'INC-999999'), 'wh-5'), 200)).toMatchObject({ ignored: 'no-incident' });
    expect((await current(incident.id)).timeline).toHaveLength(resolved.timeline.length);

    const metrics = await d.daemon.registry.metrics();
    expect(metrics).toMatch(/escalatord_ticketing_events_ignored_total\{source="jira",reason="own-change"\} 1/);
  });

  it('refuses a Jira delivery with a bad signature and changes nothing', async () => {
    const incident = await failSoftware('acme');
    const body = jiraAbout('jira-issue-updated-in-progress', incident.id);
    const res = await fetch(`${d.url}/api/v1/ingest/ticketing/jira`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature': jiraSignature(body, 'not-the-secret-000000'), 'x-atlassian-webhook-identifier': 'wh-x' }, body,
    });
    expect(res.status).toBe(401);
    expect((await current(incident.id)).status).toBe('open');
  });

  it('resolves an incident from a ServiceNow record found by correlation_id, with its root cause, and the audit export lists every change with its actor', async () => {
    const incident = await failSoftware('globex');
    await ticketFor(d, incident.id);
    const record = { ...fixture('servicenow-resolved'), sys_id: 'f00dfeed00000000000000000000abcd', correlation_id: incident.id };
    const res = await d.api('ingest', 'POST', '/api/v1/ingest/ticketing/servicenow', record);
    expect(await status(res, 202)).toMatchObject({ incidentId: incident.id, status: 'resolved' });
    expect(await current(incident.id)).toMatchObject({ status: 'resolved', rootCause: 'configuration' });
    expect(await status(await d.api('ingest', 'POST', '/api/v1/ingest/ticketing/servicenow', record), 200)).toMatchObject({ duplicate: true });

    const since = new Date(Date.now() - 3_600_000).toISOString();
    const until = new Date(Date.now() + 60_000).toISOString();
    const exported = await d.api('admin', 'GET', `/api/v1/audit?since=${since}&until=${until}`);
    expect(exported.status).toBe(200);
    const entries = (await exported.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as AuditEntry).filter((e) => e.incidentId === incident.id);
    const full = await current(incident.id);
    // One audit entry per timeline entry, in order, each with its actor.
    expect(entries.map((e) => [e.action, e.actor.name])).toEqual(full.timeline.map((t) => [t.action, t.actor.name]));
    expect(entries.at(-1)).toMatchObject({ actor: { kind: 'vendor', name: 'sam.vendor' } });
    expect(entries.every((e) => e.actor.kind && e.actor.name && e.at)).toBe(true);

    const csv = await (await d.api('admin', 'GET', `/api/v1/audit?since=${since}&until=${until}&format=csv`)).text();
    expect(csv.split('\r\n')[0]).toBe('id,at,incidentId,actorKind,actorName,actorRole,action,note,data');
    expect(csv).toContain(`,${incident.id},vendor,sam.vendor,`);
  });
});

// Jira Cloud webhooks and ServiceNow records, in the shapes Atlassian and ServiceNow document, mapped to
// ticket events — including the changes escalatord itself made, which must not come back as events.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_JIRA_STATUS_MAP, DEFAULT_SERVICENOW_STATE_MAP, adfText, jiraCommentText, lookupStatus, mapJiraWebhook, mapServiceNowRecord,
  rootCauseIn, type JiraRules, type ServiceNowRules,
} from '../../src/domain/vendor-events.js';
import { commentDoc } from '../../src/tickets/jira.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/vendor/${name}.json`, import.meta.url), 'utf8'));

const jira: JiraRules = { statusMap: DEFAULT_JIRA_STATUS_MAP, selfAccountIds: ['712020:escalatord-bot'] };
const servicenow: ServiceNowRules = { stateMap: DEFAULT_SERVICENOW_STATE_MAP, selfUsers: ['escalatord.api'] };
const refs = { ticketId: 'SUP-42', incidentId: 'INC-000042' };
const snRefs = { ticketId: '9d385017c611228701d22104cc95c371', incidentId: 'INC-000042' };

describe('the Jira fixtures', () => {
  const names = readdirSync(new URL('../fixtures/vendor/', import.meta.url)).filter((f) => f.startsWith('jira-')).map((f) => f.replace(/\.json$/, ''));

  // Atlassian's shapes: an issue's self is …/rest/api/2/issue/<id>; a done status is in the Done
  // category (id 3, key "done"), not In Progress (id 4, "indeterminate").
  it.each(names)('%s is in the shape Atlassian documents', (name) => {
    const body = fixture(name) as { issue: { id: string; self: string; fields: { status?: { name: string; statusCategory?: { id: number; key: string; name: string } } } } };
    expect(body.issue.self).toBe(`https://vendor.atlassian.net/rest/api/2/issue/${body.issue.id}`);
    const status = body.issue.fields.status;
    if (status?.statusCategory && ['done', 'resolved', 'closed'].includes(status.name.toLowerCase())) {
      expect(status.statusCategory).toMatchObject({ id: 3, key: 'done', name: 'Done' });
    }
  });
});

describe('mapJiraWebhook', () => {
  it.each([
    ['jira-issue-updated-in-progress', { ...refs, event: 'acknowledged', by: 'Sam Vendor', note: 'Jira status "Waiting for support" → "In Progress"', at: '2026-11-25T10:00:00.000Z' }],
    ['jira-issue-updated-waiting-for-customer', { ...refs, event: 'awaiting-customer', by: 'Sam Vendor' }],
    ['jira-issue-updated-done', { ...refs, event: 'resolved', by: 'Sam Vendor', note: 'Jira status "In Progress" → "Done"' }],
    ['jira-comment-created-text', { ...refs, incidentId: undefined, event: 'progress', by: 'Sam Vendor', note: 'Restarted the backup agent; watching the next run.', at: '2026-11-25T11:30:00.000Z' }],
    ['jira-comment-created-adf', { ticketId: 'SUP-42', event: 'progress', note: 'Found it: @Jo Bloggs the share was full.\nRoot cause: configuration', rootCause: 'configuration' }],
  ])('maps %s to a ticket event', (name, expected: Record<string, string | undefined>) => {
    const result = mapJiraWebhook(fixture(name), jira);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event).toMatchObject(Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined)));
    if ('incidentId' in expected && expected.incidentId === undefined) expect(result.event.incidentId).toBeUndefined();
  });

  it.each([
    ['jira-issue-updated-done-by-escalatord', 'own-change'],
    ['jira-comment-created-by-escalatord', 'own-change'],
    ['jira-issue-updated-escalated', 'unmapped-status'],
    ['jira-issue-updated-assignee', 'no-status-change'],
  ])('ignores %s as %s', (name, reason) => {
    expect(mapJiraWebhook(fixture(name), jira)).toMatchObject({ ok: false, ignored: reason });
  });

  // Jira Cloud often leaves emailAddress out and selfAccountId may be unset: escalatord's comments are
  // still known by the label every one of them starts with.
  it.each(['jira-comment-created-by-escalatord', 'jira-comment-created-by-escalatord-wiki'])('knows %s for its own by the [escalatord] label alone', (name) => {
    expect(mapJiraWebhook(fixture(name), { statusMap: DEFAULT_JIRA_STATUS_MAP })).toMatchObject({ ok: false, ignored: 'own-change' });
  });

  it('knows every comment the Jira adapter writes for its own, whatever its kind or body', () => {
    const payload = fixture('jira-comment-created-text') as { comment: { body: unknown } };
    for (const [body, kind] of [['Escalated to L3.\n\nSLA at risk.', 'escalation'], ['{"a":1}', 'diagnostics'], ['Fixed\n\nRoot cause: lan', 'resolution']] as const) {
      payload.comment.body = commentDoc(body, kind);
      expect(mapJiraWebhook(payload, { statusMap: DEFAULT_JIRA_STATUS_MAP })).toMatchObject({ ok: false, ignored: 'own-change' });
    }
  });

  it('still takes a vendor comment that quotes escalatord or names it further on', () => {
    const payload = fixture('jira-comment-created-text') as { comment: { body: unknown } };
    const rules = { statusMap: DEFAULT_JIRA_STATUS_MAP };
    payload.comment.body = '{quote}*\\[escalatord\\] SLA*\nSLA breached{quote}\nOn it now.';
    expect(mapJiraWebhook(payload, rules)).toMatchObject({ ok: true, event: { event: 'progress' } });
    payload.comment.body = 'Answering the [escalatord] note: restarted the agent.';
    expect(mapJiraWebhook(payload, rules)).toMatchObject({ ok: true });
    payload.comment.body = { version: 1, type: 'doc', content: [{ type: 'blockquote', content: [commentDoc('SLA breached', 'sla').content[0]] }, { type: 'paragraph', content: [{ type: 'text', text: 'On it now.' }] }] };
    expect(mapJiraWebhook(payload, rules)).toMatchObject({ ok: true });
  });

  it('recognises escalatord by its e-mail address when no account id is configured', () => {
    const payload = fixture('jira-comment-created-by-escalatord') as { comment: { author: Record<string, unknown>; body: unknown } };
    payload.comment.author.emailAddress = 'Escalatord@Vendor.example';
    payload.comment.body = 'A comment written by hand under the API account.';
    expect(mapJiraWebhook(payload, { statusMap: DEFAULT_JIRA_STATUS_MAP })).toMatchObject({ ok: true });
    expect(mapJiraWebhook(payload, { statusMap: DEFAULT_JIRA_STATUS_MAP, selfEmails: ['escalatord@vendor.example'] })).toMatchObject({ ok: false, ignored: 'own-change' });
  });

  it('follows a configured status map, case-insensitively, and nothing else', () => {
    const rules: JiraRules = { statusMap: { 'escalated': 'acknowledged' } };
    expect(mapJiraWebhook(fixture('jira-issue-updated-escalated'), rules)).toMatchObject({ ok: true, event: { event: 'acknowledged' } });
    expect(mapJiraWebhook(fixture('jira-issue-updated-done'), rules)).toMatchObject({ ok: false, ignored: 'unmapped-status' });
  });

  it('ignores events it does not use, bodies that are not webhooks and issues it cannot name', () => {
    expect(mapJiraWebhook({ webhookEvent: 'jira:issue_deleted', issue: { key: 'SUP-1' } }, jira)).toMatchObject({ ok: false, ignored: 'unsupported-event' });
    expect(mapJiraWebhook([1, 2], jira)).toMatchObject({ ok: false, ignored: 'malformed' });
    expect(mapJiraWebhook({ issue: { key: 'SUP-1' } }, jira)).toMatchObject({ ok: false, ignored: 'malformed' });
    const anonymous = fixture('jira-issue-updated-in-progress') as { issue: Record<string, unknown> };
    delete anonymous.issue.key;
    (anonymous.issue.fields as Record<string, unknown>).labels = ['escalatord'];
    expect(mapJiraWebhook(anonymous, jira)).toMatchObject({ ok: false, ignored: 'no-reference' });
    const empty = fixture('jira-comment-created-text') as { comment: Record<string, unknown> };
    empty.comment.body = '   ';
    expect(mapJiraWebhook(empty, jira)).toMatchObject({ ok: false, ignored: 'empty-comment' });
  });

  it('does not read Object.prototype: a changelog item without toString is an unmapped status, not a function', () => {
    const payload = fixture('jira-issue-updated-in-progress') as { changelog: { items: Array<Record<string, unknown> & { toString?: unknown }> } };
    delete payload.changelog.items[0].toString;
    const result = mapJiraWebhook(payload, { statusMap: { 'function toString() { [native code] }': 'resolved' } });
    expect(result).toMatchObject({ ok: false, ignored: 'unmapped-status' });
  });

  it('finds the incident by the escalatord label even when the issue key is unknown to it', () => {
    const result = mapJiraWebhook(fixture('jira-issue-updated-in-progress'), jira);
    expect(result.ok && result.event.incidentId).toBe('INC-000042');
  });
});

describe('mapServiceNowRecord', () => {
  it.each([
    ['servicenow-in-progress', { ...snRefs, event: 'progress', by: 'sam.vendor', note: 'Looking at the backup agent logs.', at: '2026-11-25T10:00:00.000Z' }],
    ['servicenow-on-hold-awaiting-caller', { ...snRefs, event: 'awaiting-customer', note: 'Asked the customer to free space on the share.', at: '2026-11-25T10:30:00.000Z' }],
    ['servicenow-resolved', { ...snRefs, event: 'resolved', note: 'Share quota raised.\nRoot cause: configuration', rootCause: 'configuration', at: '2026-11-25T12:00:00.000Z' }],
    ['servicenow-display-values', { ...snRefs, event: 'acknowledged', by: 'sam.vendor' }],
  ])('maps %s to a ticket event', (name, expected) => {
    expect(mapServiceNowRecord(fixture(name), servicenow)).toEqual({ ok: true, event: expect.objectContaining(expected) });
  });

  it.each([
    ['servicenow-resolved-by-escalatord', 'own-change'],
    ['servicenow-escalatord-work-note', 'own-change'],
    ['servicenow-on-hold-awaiting-vendor', 'on-hold-not-customer'],
    ['servicenow-new-no-notes', 'unmapped-state'],
  ])('ignores %s as %s', (name, reason) => {
    expect(mapServiceNowRecord(fixture(name), servicenow)).toMatchObject({ ok: false, ignored: reason });
  });

  it('keeps a work note written while a record is on hold for a supplier, as progress', () => {
    const record = { ...(fixture('servicenow-on-hold-awaiting-vendor') as object), work_notes: 'Waiting on the storage vendor for a firmware fix.' };
    expect(mapServiceNowRecord(record, servicenow)).toMatchObject({ ok: true, event: { event: 'progress', note: 'Waiting on the storage vendor for a firmware fix.' } });
  });

  it('takes a work note on a state it does not map as progress', () => {
    const record = { ...(fixture('servicenow-new-no-notes') as object), work_notes: 'Picked up.' };
    expect(mapServiceNowRecord(record, servicenow)).toMatchObject({ ok: true, event: { event: 'progress', note: 'Picked up.' } });
  });

  it('resolves with the close code as the note when the vendor left no notes', () => {
    const record = { ...(fixture('servicenow-resolved') as object), close_notes: '', state: 'Closed' };
    expect(mapServiceNowRecord(record, servicenow)).toMatchObject({ ok: true, event: { event: 'resolved', note: 'Resolved in ServiceNow (Solution provided)' } });
    const result = mapServiceNowRecord(record, servicenow);
    expect(result.ok && result.event.rootCause).toBeUndefined();
  });

  it('keeps the record\'s number, the reference a person reads, beside its sys_id', () => {
    expect(mapServiceNowRecord(fixture('servicenow-in-progress'), servicenow)).toMatchObject({ ok: true, event: { ...snRefs, ticketNumber: 'INC0010042' } });
  });

  it('takes a record that carries only its number (no sys_id, no correlation_id)', () => {
    const record = { number: 'INC0010001', state: '6', close_notes: 'Replaced the disk', sys_updated_by: 'sam.vendor' };
    const result = mapServiceNowRecord(record, servicenow);
    expect(result).toMatchObject({ ok: true, event: { ticketNumber: 'INC0010001', event: 'resolved' } });
    if (result.ok) expect([result.event.ticketId, result.event.incidentId]).toEqual([undefined, undefined]);
  });

  it('ignores a body without sys_id, number or correlation_id, and one that is not an object', () => {
    expect(mapServiceNowRecord({ state: '6' }, servicenow)).toMatchObject({ ok: false, ignored: 'no-reference' });
    expect(mapServiceNowRecord('6', servicenow)).toMatchObject({ ok: false, ignored: 'malformed' });
  });
});

describe('helpers', () => {
  it('reads ADF text with mentions, line breaks and paragraphs, and stops at a hostile depth', () => {
    expect(adfText({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a' }, { type: 'hardBreak' }, { type: 'text', text: 'b' }] }, { type: 'paragraph', content: [{ type: 'emoji', attrs: { shortName: ':ok:' } }] }] }))
      .toBe('a\nb\n:ok:\n');
    let deep: Record<string, unknown> = { type: 'text', text: 'bottom' };
    for (let i = 0; i < 10_000; i++) deep = { type: 'paragraph', content: [deep] };
    expect(() => jiraCommentText(deep)).not.toThrow();
  });

  it('finds a root cause only when it is one of the documented ones', () => {
    expect(rootCauseIn('fixed\nRoot cause: LAN')).toBe('lan');
    expect(rootCauseIn('Root cause: gremlins')).toBeUndefined();
    expect(rootCauseIn(undefined)).toBeUndefined();
  });

  it('looks statuses up case-insensitively and never through the prototype', () => {
    expect(lookupStatus(DEFAULT_JIRA_STATUS_MAP, ' done ')).toBe('resolved');
    expect(lookupStatus(DEFAULT_JIRA_STATUS_MAP, 'constructor')).toBeUndefined();
    expect(lookupStatus(DEFAULT_JIRA_STATUS_MAP, '__proto__')).toBeUndefined();
  });
});

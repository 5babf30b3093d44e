import nock from 'nock';
import { describe, expect, test } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import type { TicketCreateRequest } from '../../src/tickets/adapter.js';
import { createTicketAdapter } from '../../src/tickets/index.js';
import { JiraTicketAdapter, commentDoc } from '../../src/tickets/jira.js';
import { rejection, useNock } from '../helpers/nock-ticketing.js';

const BASE = 'https://vendor.atlassian.test';
const BASIC = `Basic ${Buffer.from('bot@sp.example:api-token-0123456789').toString('base64')}`;

function ticketing(overrides: Record<string, unknown> = {}) {
  return configSchema.parse({
    ticketing: {
      adapter: 'jira', url: BASE, username: 'bot@sp.example', token: 'api-token-0123456789', timeout: '30s',
      jira: { projectKey: 'SUP', issueType: 'Incident', resolveTransition: 'Resolve' }, ...overrides,
    },
  }).ticketing;
}

const request: TicketCreateRequest = {
  externalId: 'INC-000042',
  title: 'backup failed\non acme-hq-01',
  priority: 'P1',
  level: 3,
  serverId: 'srv-0001',
  customerId: 'acme',
  component: 'backup',
  description: 'backup job exited with code 3\n\nSecond paragraph.',
  diagnostics: { summary: 'exit 3', versions: { agent: '1.2.3' } },
  links: { incident: 'http://escalatord.test/api/v1/incidents/INC-000042' },
};

type Node = { type: string; text?: string; content?: Node[]; attrs?: Record<string, unknown>; marks?: unknown[]; version?: number };

/** The structural rules of ADF that Jira enforces on every rich-text field. */
function expectValidAdf(docNode: Node): void {
  expect(docNode).toMatchObject({ type: 'doc', version: 1 });
  expect(Array.isArray(docNode.content)).toBe(true);
  const walk = (n: Node): void => {
    expect(typeof n.type).toBe('string');
    if (n.type === 'text') {
      expect(typeof n.text).toBe('string');
      expect(n.text!.length).toBeGreaterThan(0);
    }
    if (n.type === 'codeBlock') for (const c of n.content ?? []) expect(c.marks ?? []).toEqual([]);
    if (n.type === 'paragraph' || n.type === 'codeBlock' || n.type === 'heading') {
      for (const c of n.content ?? []) expect(['text', 'hardBreak']).toContain(c.type);
    }
    for (const c of n.content ?? []) walk(c);
  };
  for (const block of docNode.content!) {
    expect(['paragraph', 'heading', 'codeBlock']).toContain(block.type);
    walk(block);
  }
}

useNock();

describe('Jira ticket adapter', () => {
  test('searches for the incident label, then creates an issue with the REST v3 fields and an ADF description', async () => {
    let search: { jql?: string; maxResults?: number } = {};
    let created: { fields?: Record<string, unknown> & { description: Node } } = {};
    const scope = nock(BASE, { reqheaders: { authorization: BASIC, accept: /application\/json/ } })
      .post('/rest/api/3/search/jql', (b) => ((search = b), true))
      .reply(200, { issues: [], isLast: true })
      .post('/rest/api/3/issue', (b) => ((created = b), true))
      .reply(201, { id: '10001', key: 'SUP-17', self: `${BASE}/rest/api/3/issue/10001` });
    const adapter = createTicketAdapter(ticketing());
    expect(adapter.name).toBe('jira');

    await expect(adapter.create(request, 'INC-000042')).resolves.toEqual({ id: 'SUP-17', url: `${BASE}/browse/SUP-17` });
    scope.done();
    expect(search.jql).toBe('project = "SUP" AND labels = "escalatord-INC-000042" ORDER BY created ASC');
    const f = created.fields!;
    expect(f.project).toEqual({ key: 'SUP' });
    expect(f.issuetype).toEqual({ name: 'Incident' });
    expect(f.summary).toBe('backup failed on acme-hq-01');
    expect(f.priority).toEqual({ name: 'Highest' });
    expect(f.labels).toEqual(['escalatord', 'escalatord-INC-000042']);
    expectValidAdf(f.description);
    const code = (f.description.content as Node[]).find((n) => n.type === 'codeBlock')!;
    expect(JSON.parse(code.content![0].text!)).toEqual(request.diagnostics);
    expect(JSON.stringify(f.description)).toContain('http://escalatord.test/api/v1/incidents/INC-000042');
  });

  test('a retried create finds the issue made before a crash and does not create a second one', async () => {
    const scope = nock(BASE)
      .post('/rest/api/3/search/jql')
      .reply(200, { issues: [{ id: '10001', key: 'SUP-17' }], isLast: true });
    const create = nock(BASE).post('/rest/api/3/issue').reply(201, { id: '10002', key: 'SUP-18' });
    await expect(new JiraTicketAdapter({ config: ticketing() }).create(request, 'INC-000042')).resolves.toEqual({
      id: 'SUP-17', url: `${BASE}/browse/SUP-17`,
    });
    scope.done();
    expect(create.isDone()).toBe(false);
  });

  test('retries once without priority when the project screen rejects the priority field', async () => {
    const bodies: Array<{ fields: Record<string, unknown> }> = [];
    nock(BASE).post('/rest/api/3/search/jql').reply(200, { issues: [] });
    nock(BASE)
      .post('/rest/api/3/issue', (b) => (bodies.push(b), true))
      .reply(400, { errorMessages: [], errors: { priority: "Field 'priority' cannot be set." } })
      .post('/rest/api/3/issue', (b) => (bodies.push(b), true))
      .reply(201, { id: '1', key: 'SUP-2' });
    await expect(new JiraTicketAdapter({ config: ticketing() }).create(request, 'INC-000042')).resolves.toMatchObject({ id: 'SUP-2' });
    expect(bodies[0].fields.priority).toEqual({ name: 'Highest' });
    expect(bodies[1].fields).not.toHaveProperty('priority');
  });

  test('uses a bearer token when no username is configured (Data Center PAT)', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: 'Bearer pat-0123456789abcdef' } })
      .post('/rest/api/3/issue/SUP-1/comment')
      .reply(201, { id: '100' });
    await new JiraTicketAdapter({ config: ticketing({ username: undefined, token: 'pat-0123456789abcdef' }) }).comment('SUP-1', 'hi', 'progress');
    scope.done();
  });

  test('posts comments with an ADF body labelled with the kind', async () => {
    let body: { body?: Node } = {};
    nock(BASE, { reqheaders: { authorization: BASIC } })
      .post('/rest/api/3/issue/SUP-17/comment', (b) => ((body = b), true))
      .reply(201, { id: '100' });
    await new JiraTicketAdapter({ config: ticketing() }).comment('SUP-17', 'Escalated to L3.\n\nSLA at risk.', 'escalation');
    expectValidAdf(body.body!);
    // The label, bold, opens every comment: the webhook of it is known for escalatord's own by it.
    expect(body.body!.content![0]).toEqual({ type: 'paragraph', content: [{ type: 'text', text: '[escalatord] Escalation', marks: [{ type: 'strong' }] }] });
    expect(body.body!.content!.filter((n) => n.type === 'paragraph')).toHaveLength(3);
  });

  test('puts a JSON diagnostics comment in a code block and never emits empty text nodes', () => {
    const d = commentDoc('{"a":1}', 'diagnostics') as unknown as Node;
    expectValidAdf(d);
    expect(d.content!.map((n) => n.type)).toEqual(['paragraph', 'codeBlock']);
    expectValidAdf(commentDoc('\n\n\n', 'sla') as unknown as Node);
  });

  test('resolves by choosing the configured transition by name, then adds the note with the root cause', async () => {
    let comment: { body?: Node } = {};
    const scope = nock(BASE, { reqheaders: { authorization: BASIC } })
      .get('/rest/api/3/issue/SUP-17/transitions')
      .reply(200, { transitions: [{ id: '11', name: 'Start progress', to: { name: 'In Progress' } }, { id: '31', name: 'Resolve', to: { name: 'Resolved' } }] })
      .post('/rest/api/3/issue/SUP-17/transitions', { transition: { id: '31' } })
      .reply(204)
      .post('/rest/api/3/issue/SUP-17/comment', (b) => ((comment = b), true))
      .reply(201, {});
    await new JiraTicketAdapter({ config: ticketing() }).resolve('SUP-17', 'Patched the agent', 'server');
    scope.done();
    expectValidAdf(comment.body!);
    expect(JSON.stringify(comment.body)).toContain('Root cause: server');
  });

  test('resolving an issue that is already done only adds the note', async () => {
    const scope = nock(BASE)
      .get('/rest/api/3/issue/SUP-17/transitions')
      .reply(200, { transitions: [{ id: '41', name: 'Reopen', to: { name: 'Open' } }] })
      .get('/rest/api/3/issue/SUP-17')
      .query({ fields: 'status' })
      .reply(200, { key: 'SUP-17', fields: { status: { name: 'Resolved', statusCategory: { key: 'done' } } } })
      .post('/rest/api/3/issue/SUP-17/comment')
      .reply(201, {});
    await new JiraTicketAdapter({ config: ticketing() }).resolve('SUP-17', 'done', null);
    scope.done();
  });

  test('a missing transition on an open issue is a non-retryable error naming what is available', async () => {
    nock(BASE)
      .get('/rest/api/3/issue/SUP-17/transitions')
      .reply(200, { transitions: [{ id: '11', name: 'Start progress', to: { name: 'In Progress' } }] })
      .get('/rest/api/3/issue/SUP-17')
      .query(true)
      .reply(200, { fields: { status: { statusCategory: { key: 'indeterminate' } } } });
    const err = await rejection(new JiraTicketAdapter({ config: ticketing() }).resolve('SUP-17', 'x', null));
    expect(err).toMatchObject({ retryable: false, reason: 'client-error' });
    expect(err.detail).toContain('Start progress');
  });

  test('a 503 from the search is retryable with its Retry-After, and no issue is created', async () => {
    nock(BASE).post('/rest/api/3/search/jql').reply(503, {}, { 'Retry-After': '7' });
    const create = nock(BASE).post('/rest/api/3/issue').reply(201, { key: 'SUP-1' });
    const err = await rejection(new JiraTicketAdapter({ config: ticketing() }).create(request, 'INC-000042'));
    expect(err).toMatchObject({ retryable: true, reason: 'server-error', retryAfterMs: 7000 });
    expect(create.isDone()).toBe(false);
  });

  test('a 400 on create for another field is not retried', async () => {
    nock(BASE).post('/rest/api/3/search/jql').reply(200, { issues: [] });
    nock(BASE).post('/rest/api/3/issue').reply(400, { errors: { issuetype: 'valid issue type is required' } });
    const err = await rejection(new JiraTicketAdapter({ config: ticketing() }).create(request, 'INC-000042'));
    expect(err).toMatchObject({ retryable: false, reason: 'client-error', status: 400 });
  });

  test('large diagnostics are capped so the description stays under Jira\'s field limit', async () => {
    let created: { fields?: Record<string, unknown> & { description: Node } } = {};
    nock(BASE).post('/rest/api/3/search/jql').reply(200, { issues: [] });
    nock(BASE).post('/rest/api/3/issue', (b) => ((created = b), true)).reply(201, { key: 'SUP-3' });
    const config = ticketing({ diagnosticsMaxBytes: 1_000_000 });
    await new JiraTicketAdapter({ config }).create({ ...request, diagnostics: { log: 'é'.repeat(200_000) } }, 'INC-000042');
    expectValidAdf(created.fields!.description);
    expect(JSON.stringify(created.fields!.description).length).toBeLessThan(32_767);
    expect(JSON.stringify(created.fields!.description)).toContain('Diagnostics (truncated)');
  });
});

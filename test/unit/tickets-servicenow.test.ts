import nock from 'nock';
import { describe, expect, test } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import type { TicketCreateRequest } from '../../src/tickets/adapter.js';
import { createTicketAdapter } from '../../src/tickets/index.js';
import { ServiceNowTicketAdapter } from '../../src/tickets/servicenow.js';
import { rejection, useNock } from '../helpers/nock-ticketing.js';

const BASE = 'https://vendor.service-now.test';
const BASIC = `Basic ${Buffer.from('escalatord:sn-password-0123456').toString('base64')}`;
const SYS_ID = '9d385017c611228701d22104cc95c371';

function ticketing(overrides: Record<string, unknown> = {}) {
  return configSchema.parse({
    ticketing: { adapter: 'servicenow', url: BASE, username: 'escalatord', token: 'sn-password-0123456', timeout: '30s', ...overrides },
  }).ticketing;
}

const request: TicketCreateRequest = {
  externalId: 'INC-000042',
  title: 'backup failed on acme-hq-01',
  priority: 'P2',
  level: 3,
  serverId: 'srv-0001',
  customerId: 'acme',
  component: 'backup',
  description: 'backup job exited with code 3',
  diagnostics: { summary: 'exit 3' },
  links: { incident: '/api/v1/incidents/INC-000042' },
};

useNock();

describe('ServiceNow ticket adapter', () => {
  test('queries by correlation_id, then creates an incident record through the Table API', async () => {
    let body: Record<string, string> = {};
    const scope = nock(BASE, { reqheaders: { authorization: BASIC, accept: /application\/json/ } })
      .get('/api/now/table/incident')
      .query({ sysparm_query: 'correlation_id=INC-000042', sysparm_fields: 'sys_id,number', sysparm_limit: '1' })
      .reply(200, { result: [] })
      .post('/api/now/table/incident', (b) => ((body = b), true))
      .reply(201, { result: { sys_id: SYS_ID, number: 'INC0010001', state: '1' } });
    const adapter = createTicketAdapter(ticketing(), { publicUrl: 'http://escalatord.test' });
    expect(adapter.name).toBe('servicenow');

    await expect(adapter.create(request, 'INC-000042')).resolves.toEqual({ id: SYS_ID, number: 'INC0010001', url: `${BASE}/incident.do?sys_id=${SYS_ID}` });
    scope.done();
    expect(body).toMatchObject({
      short_description: 'backup failed on acme-hq-01',
      impact: '1',
      urgency: '2',
      correlation_id: 'INC-000042',
      correlation_display: 'escalatord',
    });
    expect(body.description).toContain('backup job exited with code 3');
    expect(body.description).toContain('http://escalatord.test/api/v1/incidents/INC-000042');
    expect(body.description).toContain('"summary": "exit 3"');
  });

  test('maps P1 to impact 1 and urgency 1 so ServiceNow computes Critical', async () => {
    let body: Record<string, string> = {};
    nock(BASE).get('/api/now/table/incident').query(true).reply(200, { result: [] });
    nock(BASE).post('/api/now/table/incident', (b) => ((body = b), true)).reply(201, { result: { sys_id: SYS_ID } });
    await new ServiceNowTicketAdapter({ config: ticketing() }).create({ ...request, priority: 'P1' }, 'INC-000042');
    expect([body.impact, body.urgency]).toEqual(['1', '1']);
  });

  test('a retried create finds the record by correlation_id and does not create another', async () => {
    nock(BASE).get('/api/now/table/incident').query(true).reply(200, { result: [{ sys_id: SYS_ID, number: 'INC0010001' }] });
    const create = nock(BASE).post('/api/now/table/incident').reply(201, { result: { sys_id: 'other' } });
    await expect(new ServiceNowTicketAdapter({ config: ticketing() }).create(request, 'INC-000042')).resolves.toEqual({ id: SYS_ID, number: 'INC0010001', url: `${BASE}/incident.do?sys_id=${SYS_ID}` });
    expect(create.isDone()).toBe(false);
  });

  test('keeps the description within the 4,000-character column even with large diagnostics', async () => {
    let body: Record<string, string> = {};
    nock(BASE).get('/api/now/table/incident').query(true).reply(200, { result: [] });
    nock(BASE).post('/api/now/table/incident', (b) => ((body = b), true)).reply(201, { result: { sys_id: SYS_ID } });
    await new ServiceNowTicketAdapter({ config: ticketing() }).create({ ...request, diagnostics: { log: 'x'.repeat(50_000) } }, 'INC-000042');
    expect(body.description.length).toBeLessThanOrEqual(4000);
    expect(body.description).toContain('Diagnostics (truncated)');
    expect(body.description).toContain('"_truncated"');
  });

  test('adds work notes with PATCH on the record', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: BASIC } })
      .patch(`/api/now/table/incident/${SYS_ID}`, { work_notes: '[progress] vendor is on it' })
      .reply(200, { result: { sys_id: SYS_ID } });
    await new ServiceNowTicketAdapter({ config: ticketing() }).comment(SYS_ID, 'vendor is on it', 'progress');
    scope.done();
  });

  test('resolves with the configured state, a close code and notes naming the root cause', async () => {
    const scope = nock(BASE)
      .patch(`/api/now/table/incident/${SYS_ID}`, {
        state: '6', close_code: 'Solution provided', close_notes: 'Patched the agent\n\nRoot cause: server',
      })
      .reply(200, { result: { sys_id: SYS_ID } });
    await new ServiceNowTicketAdapter({ config: ticketing() }).resolve(SYS_ID, 'Patched the agent', 'server');
    scope.done();
  });

  test('uses a bearer token (OAuth) when no username is configured', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: 'Bearer oauth-token-0123456789' } })
      .patch(`/api/now/table/incident/${SYS_ID}`)
      .reply(200, { result: {} });
    await new ServiceNowTicketAdapter({ config: ticketing({ username: undefined, token: 'oauth-token-0123456789' }) }).comment(SYS_ID, 'x', 'sla');
    scope.done();
  });

  test('a 429 is retryable with its Retry-After; a 403 is an auth failure that is not', async () => {
    nock(BASE).get('/api/now/table/incident').query(true).reply(429, {}, { 'Retry-After': '3' });
    const limited = await rejection(new ServiceNowTicketAdapter({ config: ticketing() }).create(request, 'INC-000042'));
    expect(limited).toMatchObject({ retryable: true, reason: 'rate-limited', retryAfterMs: 3000 });

    nock(BASE).patch(`/api/now/table/incident/${SYS_ID}`).reply(403, { error: { message: 'Operation Failed', detail: 'ACL' }, status: 'failure' });
    const denied = await rejection(new ServiceNowTicketAdapter({ config: ticketing() }).comment(SYS_ID, 'x', 'sla'));
    expect(denied).toMatchObject({ retryable: false, reason: 'auth', status: 403 });
    expect(denied.detail).toContain('Operation Failed');
  });

  test('refuses an incident id that would change the meaning of the encoded query', async () => {
    const err = await rejection(new ServiceNowTicketAdapter({ config: ticketing() }).create(request, 'INC-1^ORactive=true'));
    expect(err).toMatchObject({ retryable: false, reason: 'client-error' });
  });
});

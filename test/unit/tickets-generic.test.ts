import nock from 'nock';
import { describe, expect, test } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { GenericTicketAdapter } from '../../src/tickets/generic.js';
import { createTicketAdapter } from '../../src/tickets/index.js';
import type { TicketCreateRequest } from '../../src/tickets/adapter.js';
import { rejection, useNock } from '../helpers/nock-ticketing.js';

const BASE = 'http://tickets.test';
const TOKEN = 'generic-token-0123456789';

function ticketing(overrides: Record<string, unknown> = {}) {
  return configSchema.parse({ ticketing: { adapter: 'generic', url: `${BASE}/`, token: TOKEN, timeout: '30s', ...overrides } }).ticketing;
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
  diagnostics: { summary: 'exit 3', logTail: ['a', 'b'] },
  links: { incident: '/api/v1/incidents/INC-000042' },
};

useNock();

describe('generic ticket adapter', () => {
  test('creates a ticket with the incident id as Idempotency-Key, a bearer token and the DESIGN §6 body', async () => {
    let body: Record<string, unknown> = {};
    const scope = nock(BASE, {
      reqheaders: { authorization: `Bearer ${TOKEN}`, 'idempotency-key': 'INC-000042', 'content-type': /application\/json/ },
    })
      .post('/tickets', (b) => ((body = b), true))
      .reply(201, { id: 'T-123', url: 'http://tickets.test/T-123' });
    const adapter = new GenericTicketAdapter({ config: ticketing(), publicUrl: 'http://escalatord.test:8080/' });

    await expect(adapter.create(request, 'INC-000042')).resolves.toEqual({ id: 'T-123', url: 'http://tickets.test/T-123' });
    scope.done();
    expect(Object.keys(body).sort()).toEqual(
      ['externalId', 'title', 'priority', 'level', 'serverId', 'customerId', 'component', 'description', 'diagnostics', 'links'].sort(),
    );
    expect(body).toMatchObject({ externalId: 'INC-000042', priority: 'P2', level: 3, component: 'backup', diagnostics: request.diagnostics });
    expect(body.links).toEqual({ incident: 'http://escalatord.test:8080/api/v1/incidents/INC-000042' });
  });

  test('accepts a 200 answer without a url as a ticket with url null', async () => {
    nock(BASE).post('/tickets').reply(200, { id: 'T-9' });
    const adapter = createTicketAdapter(ticketing());
    expect(adapter.name).toBe('generic');
    await expect(adapter.create(request, 'INC-000042')).resolves.toEqual({ id: 'T-9', url: null });
  });

  test('caps diagnostics larger than diagnosticsMaxBytes and marks them truncated', async () => {
    let body: { diagnostics?: Record<string, unknown> } = {};
    nock(BASE).post('/tickets', (b) => ((body = b), true)).reply(201, { id: 'T-1' });
    const adapter = new GenericTicketAdapter({ config: ticketing({ diagnosticsMaxBytes: 512 }) });
    await adapter.create({ ...request, diagnostics: { log: 'x'.repeat(5000) } }, 'INC-000042');
    expect(body.diagnostics?._truncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(body.diagnostics))).toBeLessThanOrEqual(512);
  });

  test('posts comments and resolutions to the ticket paths with the documented bodies', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .post('/tickets/T%2F1/comments', { body: 'back to ok', kind: 'recovery' })
      .reply(201, {})
      .post('/tickets/T%2F1/resolve', { note: 'fixed the job', rootCause: 'server' })
      .reply(200, {});
    const adapter = new GenericTicketAdapter({ config: ticketing() });
    await adapter.comment('T/1', 'back to ok', 'recovery');
    await adapter.resolve('T/1', 'fixed the job', 'server');
    scope.done();
  });

  test('a 503 with Retry-After in seconds is retryable and carries the delay', async () => {
    nock(BASE).post('/tickets').reply(503, 'down', { 'Retry-After': '120' });
    const err = await rejection(new GenericTicketAdapter({ config: ticketing() }).create(request, 'INC-000042'));
    expect(err).toMatchObject({ retryable: true, reason: 'server-error', status: 503, retryAfterMs: 120_000 });
  });

  test('a 429 with an HTTP-date Retry-After is retryable and rate-limited', async () => {
    const at = new Date('2026-11-25T10:00:00Z');
    nock(BASE).post('/tickets').reply(429, {}, { 'Retry-After': 'Wed, 25 Nov 2026 10:00:30 GMT' });
    const adapter = new GenericTicketAdapter({ config: ticketing(), now: () => at });
    const err = await rejection(adapter.create(request, 'INC-000042'));
    expect(err).toMatchObject({ retryable: true, reason: 'rate-limited', status: 429, retryAfterMs: 30_000 });
  });

  test('a 400 is not retryable and keeps an excerpt of the answer', async () => {
    nock(BASE).post('/tickets').reply(400, { error: 'title is required' });
    const err = await rejection(new GenericTicketAdapter({ config: ticketing() }).create(request, 'INC-000042'));
    expect(err).toMatchObject({ retryable: false, reason: 'client-error', status: 400 });
    expect(err.detail).toContain('title is required');
  });

  test('a 401 is an auth failure that is not retried', async () => {
    nock(BASE).post('/tickets/T-1/comments').reply(401);
    const err = await rejection(new GenericTicketAdapter({ config: ticketing() }).comment('T-1', 'x', 'sla'));
    expect(err).toMatchObject({ retryable: false, reason: 'auth', status: 401 });
  });

  test('a reply slower than the timeout is a retryable timeout', async () => {
    // The answer comes long after the timeout: an adapter that waited for it would resolve, not reject.
    nock(BASE).post('/tickets').delay(10_000).reply(201, { id: 'late' });
    const err = await rejection(new GenericTicketAdapter({ config: ticketing({ timeout: '200ms' }) }).create(request, 'INC-000042'));
    expect(err).toMatchObject({ retryable: true, reason: 'timeout' });
  });

  test('a refused connection is a retryable network error', async () => {
    nock(BASE).post('/tickets').replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const err = await rejection(new GenericTicketAdapter({ config: ticketing() }).create(request, 'INC-000042'));
    expect(err).toMatchObject({ retryable: true, reason: 'network' });
  });

  test('a 2xx answer without a ticket id is a retryable bad response', async () => {
    nock(BASE).post('/tickets').reply(200, '<html>proxy</html>', { 'Content-Type': 'text/html' });
    const err = await rejection(new GenericTicketAdapter({ config: ticketing() }).create(request, 'INC-000042'));
    expect(err).toMatchObject({ retryable: true, reason: 'bad-response' });
  });

  test('a redirect is not followed and not retried', async () => {
    nock(BASE).post('/tickets').reply(301, '', { Location: 'https://tickets.test/tickets' });
    const err = await rejection(new GenericTicketAdapter({ config: ticketing() }).create(request, 'INC-000042'));
    expect(err).toMatchObject({ retryable: false, reason: 'bad-response', status: 301 });
  });

  test('refuses to build without a ticketing url', () => {
    expect(() => new GenericTicketAdapter({ config: ticketing({ url: undefined }) })).toThrow(/ticketing.url/);
  });
});

import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { ConsoleClient, ConsoleError } from '../../src/console/console-client.js';

const BASE = 'http://console.test';
function client(over: Record<string, unknown> = {}): ConsoleClient {
  const config = configSchema.parse({ consoles: [{ id: 'c1', url: `${BASE}/`, token: 'console-token', timeout: '30s', ...over }] }).consoles[0];
  return new ConsoleClient({ config });
}

afterEach(() => {
  nock.cleanAll();
});

async function failure(p: Promise<unknown>): Promise<ConsoleError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ConsoleError);
    return err as ConsoleError;
  }
  throw new Error('expected a ConsoleError');
}

describe('ConsoleClient', () => {
  it('lists servers with the bearer token', async () => {
    nock(BASE, { reqheaders: { authorization: 'Bearer console-token' } })
      .get('/api/v1/servers').reply(200, { servers: [{ id: 'srv-1', name: 'acme-hq-01', customerId: 'acme' }, { id: 'srv-2' }] });
    expect(await client().listServers()).toEqual([
      { id: 'srv-1', name: 'acme-hq-01', customerId: 'acme' },
      { id: 'srv-2', name: 'srv-2', customerId: 'unknown' },
    ]);
  });

  it('returns a validated status report and refuses one for another server', async () => {
    const body = { serverId: 'srv-1', observedAt: '2026-11-25T10:00:00Z', reachable: true, components: [{ name: 'backup', kind: 'software', status: 'failed' }] };
    nock(BASE).get('/api/v1/servers/srv-1/status').reply(200, body);
    expect((await client().status('srv-1')).components[0].status).toBe('failed');
    nock(BASE).get('/api/v1/servers/srv-2/status').reply(200, body);
    expect((await failure(client().status('srv-2'))).reason).toBe('bad-response');
    nock(BASE).get('/api/v1/servers/srv-3/status').reply(200, { ...body, serverId: 'srv-3', reachable: 'yes' });
    expect((await failure(client().status('srv-3'))).message).toContain('reachable');
  });

  it('classifies timeouts, HTTP errors and non-JSON answers', async () => {
    // The answer comes long after the timeout: a client that waited for it would fail this test.
    nock(BASE).get('/api/v1/servers').delay(10_000).reply(200, { servers: [] });
    expect((await failure(client({ timeout: '100ms' }).listServers())).reason).toBe('timeout');
    nock(BASE).get('/api/v1/servers').reply(503, 'down');
    const http = await failure(client().listServers());
    expect([http.reason, http.status]).toEqual(['http', 503]);
    nock(BASE).get('/api/v1/servers').reply(200, '<html>', { 'content-type': 'text/html' });
    expect((await failure(client().listServers())).reason).toBe('bad-response');
  });

  it('asks for diagnostics of one component and returns them as-is', async () => {
    nock(BASE).get('/api/v1/servers/srv-1/diagnostics').query({ component: 'backup & restore' }).reply(200, { summary: 'exit 3', logTail: ['a'] });
    expect(await client().diagnostics('srv-1', 'backup & restore')).toEqual({ summary: 'exit 3', logTail: ['a'] });
  });
});

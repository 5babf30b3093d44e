import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { connect, refusedStatus, startHub, TestClient, until, type Harness } from './live-harness.js';

let h: Harness;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await h?.close();
});
async function open(token?: string): Promise<TestClient> {
  const client = await connect(h.url, token);
  clients.push(client);
  return client;
}

describe('upgrade authentication', () => {
  test('an upgrade without a token is refused with 401 and never becomes a client', async () => {
    h = await startHub();
    expect(await refusedStatus(h.url)).toBe(401);
    expect(h.hub.clientCount).toBe(0);
    expect(await h.metric('escalatord_ws_messages_sent_total')).toBe(0);
  });

  test('an unknown token is refused with 401', async () => {
    h = await startHub();
    expect(await refusedStatus(h.url, { headers: { authorization: 'Bearer nope' } })).toBe(401);
    expect(h.hub.clientCount).toBe(0);
  });

  test('an ingest token may not watch the feed and gets 403', async () => {
    h = await startHub();
    expect(await refusedStatus(h.url, { headers: { authorization: 'Bearer ingest-token' } })).toBe(403);
    expect(h.hub.clientCount).toBe(0);
  });

  test('a foreign Origin is refused with 403 even with a valid token', async () => {
    h = await startHub();
    const status = await refusedStatus(h.url, { headers: { authorization: 'Bearer l2-token', origin: 'https://evil.example' } });
    expect(status).toBe(403);
    expect(h.hub.clientCount).toBe(0);
  });

  test('a listed origin and the daemon’s own origin are both accepted', async () => {
    h = await startHub();
    const own = new URL(h.url).host;
    for (const origin of ['https://dashboard.example', `http://${own}`]) {
      const client = new TestClient(new WebSocket(h.url, { headers: { authorization: 'Bearer viewer-token' }, origin }));
      clients.push(client);
      await client.waitForType('hello');
    }
    expect(h.hub.clientCount).toBe(2);
  });

  test('a browser can authenticate with the subprotocol pair and the server selects escalatord.v1 only', async () => {
    h = await startHub();
    const client = new TestClient(new WebSocket(h.url, ['escalatord.v1', 'bearer.viewer-token']));
    clients.push(client);
    await client.waitForType('hello');
    expect(client.ws.protocol).toBe('escalatord.v1');
  });

  test('a bearer subprotocol without escalatord.v1 is not accepted as a token', async () => {
    h = await startHub();
    expect(await refusedStatus(h.url, {}, ['bearer.viewer-token'])).toBe(401);
  });

  test('upgrades for other paths are answered 404 when nothing else handles them', async () => {
    h = await startHub();
    expect(await refusedStatus(h.url.replace('/api/v1/live', '/api/v1/other'), { headers: { authorization: 'Bearer l2-token' } })).toBe(404);
  });
});

describe('hello and subscriptions', () => {
  test('the first message is hello with the latest seq and the snapshot', async () => {
    h = await startHub();
    h.log.append('console.up');
    h.log.append('console.down');
    const client = await open();
    expect(client.messages[0]).toEqual({ type: 'hello', seq: 2, snapshot: { incidents: [], servers: { total: 3 } } });
    expect(await h.metric('escalatord_ws_clients')).toBe(1);
  });

  test('published events reach clients as type, seq, at, data and scope', async () => {
    h = await startHub();
    const client = await open();
    const event = h.emit('incident.created', { level: 3, customerId: 'acme', serverId: 'srv-1' }, { id: 'INC-1' });
    await client.waitFor(() => client.events.length === 1);
    expect(client.events[0]).toEqual({ type: 'incident.created', seq: event.seq, at: event.at, data: { id: 'INC-1' }, scope: { level: 3, customerId: 'acme', serverId: 'srv-1' } });
  });

  test('a subscriber with a filter sees only matching events, and unscoped events pass scope filters', async () => {
    h = await startHub();
    const narrow = await open();
    const everything = await open('viewer-token');
    narrow.send({ type: 'subscribe', filter: { levels: [3], customerIds: ['acme'], types: [] } });
    const ack = await narrow.waitForType('subscribed');
    expect(ack.filter).toEqual({ levels: [3], customerIds: ['acme'], serverIds: [], types: [] });

    h.emit('incident.created', { level: 2, customerId: 'acme' });
    h.emit('incident.created', { level: 3, customerId: 'globex' });
    const match = h.emit('incident.created', { level: 3, customerId: 'acme' });
    const global = h.emit('console.down', undefined, { console: 'main' });
    await everything.waitFor(() => everything.events.length === 4);
    await narrow.waitFor(() => narrow.events.length === 2);
    expect(narrow.events.map((e) => e.seq)).toEqual([match.seq, global.seq]);
  });

  test('a types filter excludes every other event type', async () => {
    h = await startHub();
    const client = await open();
    client.send({ type: 'subscribe', filter: { types: ['sla.breached'] } });
    await client.waitForType('subscribed');
    h.emit('console.down');
    const breach = h.emit('sla.breached', { level: 3 });
    await client.waitFor(() => client.events.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(client.events.map((e) => e.seq)).toEqual([breach.seq]);
  });

  test('a burst published in one tick reaches every client complete and in order', async () => {
    h = await startHub();
    const a = await open();
    const b = await open('viewer-token');
    const seqs: number[] = [];
    for (let i = 0; i < 1000; i++) seqs.push(h.emit('component.changed', { serverId: `srv-${i % 7}` }, { n: i, pad: 'p'.repeat(500) }).seq);
    await a.waitFor(() => a.events.length === 1000);
    await b.waitFor(() => b.events.length === 1000);
    expect(a.events.map((e) => e.seq)).toEqual(seqs);
    expect(b.events.map((e) => e.data.n)).toEqual(seqs.map((_, i) => i));
    expect(await h.metric('escalatord_ws_dropped_clients_total', { reason: 'slow' })).toBe(0);
  });

  test('publishing counts one sent message per receiving client', async () => {
    h = await startHub();
    const a = await open();
    const b = await open();
    const before = await h.metric('escalatord_ws_messages_sent_total');
    h.emit('console.up');
    await a.waitFor(() => a.events.length === 1);
    await b.waitFor(() => b.events.length === 1);
    expect(await h.metric('escalatord_ws_messages_sent_total')).toBe(before + 2);
  });
});

describe('hostile or broken client messages', () => {
  test('malformed messages get an error answer and the connection keeps working', async () => {
    h = await startHub();
    const client = await open();
    const bad = ['not json', '[1,2]', '42', '{"type":"dance"}', '{"type":"resume","fromSeq":-1}', '{"type":"resume","fromSeq":"7"}',
      '{"type":"subscribe","filter":{"levels":[9]}}', '{"type":"subscribe","filter":{"types":["nope"]}}', '{"type":"subscribe","filter":{"level":[2]}}', 'null'];
    for (const raw of bad) client.send(raw);
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await client.waitFor((ms) => ms.filter((m) => m.type === 'error').length === bad.length + 1);
    expect(client.messages.filter((m) => m.type === 'error').every((m) => typeof m.error === 'string' && m.error.length > 0)).toBe(true);
    h.emit('console.up');
    await client.waitFor(() => client.events.length === 1);
  });

  test('a message over 64 KiB closes that client with 1009 and leaves the others connected', async () => {
    h = await startHub();
    const big = await open();
    const other = await open();
    big.send({ type: 'subscribe', filter: { customerIds: ['x'.repeat(100)] }, pad: 'y'.repeat(65 * 1024) });
    expect((await big.closed).code).toBe(1009);
    h.emit('console.up');
    await other.waitFor(() => other.events.length === 1);
    await until(() => h.hub.clientCount === 1);
    expect(h.hub.clientCount).toBe(1);
  });
});

describe('stop', () => {
  test('stop closes every client with 1001, refuses new upgrades and is safe to call twice', async () => {
    h = await startHub();
    const a = await open();
    const b = await open();
    await Promise.all([h.hub.stop(), h.hub.stop()]);
    expect((await a.closed).code).toBe(1001);
    expect((await b.closed).code).toBe(1001);
    expect(h.hub.clientCount).toBe(0);
    expect(h.server.listenerCount('upgrade')).toBe(0);
    h.hub.publish({ seq: 99, at: new Date().toISOString(), type: 'console.up', data: {} });
  });
});

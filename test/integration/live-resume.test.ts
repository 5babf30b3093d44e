import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { connect, startHub, TestClient, type Harness, type Message } from './live-harness.js';

let h: Harness;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await h?.close();
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Opens a client that sends its first messages the instant hello arrives, as a reconnecting dashboard does. */
function reconnect(url: string, firstMessages: Message[]): TestClient {
  const ws = new WebSocket(url, { headers: { authorization: 'Bearer l2-token' } });
  ws.once('message', () => { for (const m of firstMessages) ws.send(JSON.stringify(m)); });
  const client = new TestClient(ws);
  clients.push(client);
  return client;
}

describe('resume', () => {
  test('a client that reconnects and resumes gets every missed event in order, once, then live ones', async () => {
    h = await startHub({ resumeWindowMs: 250 });
    const first = await connect(h.url);
    clients.push(first);
    for (let i = 0; i < 3; i++) h.emit('component.changed', { serverId: 'srv-1' });
    await first.waitFor(() => first.events.length === 3);
    await first.close();
    const lastSeen = first.events[2].seq as number;

    for (let i = 0; i < 5; i++) h.emit('incident.updated', { level: 2 });
    const again = reconnect(h.url, [{ type: 'resume', fromSeq: lastSeen }]);
    await again.waitFor(() => again.events.length === 5);
    h.emit('console.up');
    await again.waitFor(() => again.events.length === 6);
    expect(again.events.map((e) => e.seq)).toEqual(range(lastSeen + 1, lastSeen + 6));
  });

  test('events published while the client reconnects and resumes are neither skipped nor repeated', async () => {
    h = await startHub({ resumeWindowMs: 250 });
    for (let i = 0; i < 20; i++) h.log.append('component.changed');
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        h.emit('incident.updated', { level: 2 });
        await new Promise((r) => setImmediate(r));
      }
    })();
    const client = reconnect(h.url, [{ type: 'resume', fromSeq: 10 }]);
    await client.waitFor(() => client.events.length > 200);
    publishing = false;
    await publisher;
    const last = h.log.latestSeq();
    await client.waitFor(() => client.events.at(-1)?.seq === last);
    expect(client.events.map((e) => e.seq)).toEqual(range(11, last));
  });

  test('a backlog many times the buffer limit is replayed in pieces to a reading client, live events following in order', async () => {
    h = await startHub({ maxBufferedBytes: 128 * 1024 });
    const pad = 'p'.repeat(2048);
    for (let i = 0; i < 3000; i++) h.log.append('component.changed', { serverId: 'srv-1' }, { pad });
    const client = await connect(h.url);
    clients.push(client);
    client.send({ type: 'resume', fromSeq: 0 });
    await client.waitFor(() => client.events.length > 0);
    for (let i = 0; i < 50; i++) h.emit('incident.updated', { level: 2 });
    await client.waitFor(() => client.events.length === 3050, 15_000);
    expect(client.events.map((e) => e.seq)).toEqual(range(1, 3050));
    expect(await h.metric('escalatord_ws_dropped_clients_total', { reason: 'slow' })).toBe(0);
  });

  test('a filter set before resuming applies to the replay and to live events alike', async () => {
    h = await startHub({ resumeWindowMs: 250 });
    for (let i = 1; i <= 10; i++) h.log.append('incident.created', { level: i % 2 === 0 ? 2 : 3 });
    const client = reconnect(h.url, [{ type: 'subscribe', filter: { levels: [2] } }, { type: 'resume', fromSeq: 0 }]);
    await client.waitFor(() => client.events.length === 5);
    h.emit('incident.created', { level: 3 });
    const live = h.emit('incident.created', { level: 2 });
    await client.waitFor(() => client.events.length === 6);
    expect(client.events.map((e) => e.seq)).toEqual([2, 4, 6, 8, 10, live.seq]);
  });

  test('a resume point older than the log holds gets a resync with the latest seq and a snapshot', async () => {
    h = await startHub({ logCapacity: 5 });
    for (let i = 0; i < 12; i++) h.log.append('component.changed');
    const client = await connect(h.url);
    clients.push(client);
    client.send({ type: 'resume', fromSeq: 3 });
    const resync = await client.waitForType('resync');
    expect(resync).toEqual({ type: 'resync', seq: 12, snapshot: { incidents: [], servers: { total: 3 } } });
    const next = h.emit('console.down');
    await client.waitFor(() => client.events.length === 1);
    expect(client.events[0].seq).toBe(next.seq);
  });

  test('a resume point ahead of the log (the log was reset) gets a resync', async () => {
    h = await startHub();
    h.log.append('console.up');
    const client = await connect(h.url);
    clients.push(client);
    client.send({ type: 'resume', fromSeq: 500 });
    expect((await client.waitForType('resync')).seq).toBe(1);
  });

  test('a resume from the current seq replays nothing and the stream continues', async () => {
    h = await startHub();
    for (let i = 0; i < 4; i++) h.log.append('console.up');
    const client = await connect(h.url);
    clients.push(client);
    client.send({ type: 'resume', fromSeq: 4 });
    const next = h.emit('console.down');
    await client.waitFor(() => client.events.length === 1);
    expect(client.events.map((e) => e.seq)).toEqual([next.seq]);
  });
});

describe('the hold after hello', () => {
  test('a client that never resumes still gets what was published during the hold, in order, once', async () => {
    h = await startHub({ resumeWindowMs: 150 });
    const client = await connect(h.url);
    clients.push(client);
    const hello = client.messages[0];
    const early = [h.emit('console.down'), h.emit('console.up')];
    expect(client.events).toHaveLength(0);
    await client.waitFor(() => client.events.length === 2);
    const late = h.emit('console.down');
    await client.waitFor(() => client.events.length === 3);
    expect(client.events.map((e) => e.seq)).toEqual([...early, late].map((e) => e.seq));
    expect(early[0].seq).toBe(hello.seq + 1);
  });

  test('an event published before the log returns it is not lost to a client catching up', async () => {
    h = await startHub({ resumeWindowMs: 100 });
    const client = await connect(h.url);
    clients.push(client);
    // The daemon's log and publish are normally in that order; here publish runs first and the log lags.
    h.hub.publish({ seq: 1, at: '2026-11-25T10:00:00.000Z', type: 'console.down', data: {} });
    await client.waitFor(() => client.events.length === 1);
    h.log.append('console.down');
    await new Promise((r) => setTimeout(r, 50));
    expect(client.events.map((e) => e.seq)).toEqual([1]);
  });
});

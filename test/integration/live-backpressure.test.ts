import type { Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { connect, startHub, TestClient, until, type Harness } from './live-harness.js';

let h: Harness;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await h?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pauseReading = (ws: WebSocket) => (ws as unknown as { _socket: Socket })._socket.pause();
const resumeReading = (ws: WebSocket) => (ws as unknown as { _socket: Socket })._socket.resume();

/** Watches every server-side TCP socket so the test can see how much the server buffers per client. */
function trackServerSockets(h: Harness): Socket[] {
  const sockets: Socket[] = [];
  h.server.on('connection', (s) => sockets.push(s));
  return sockets;
}

const LIMIT = 256 * 1024;
const PAYLOAD = 'x'.repeat(32 * 1024);

describe('slow consumers', () => {
  test('a client that stops reading is closed with 1013 while the server buffer stays bounded', async () => {
    h = await startHub({ maxBufferedBytes: LIMIT, closeGraceMs: 5000 });
    const sockets = trackServerSockets(h);
    const slow = await connect(h.url);
    const healthy = await connect(h.url);
    clients.push(slow, healthy);
    pauseReading(slow.ws);

    let maxBuffered = 0;
    let published = 0;
    while ((await h.metric('escalatord_ws_dropped_clients_total', { reason: 'slow' })) === 0 && published < 2000) {
      for (let i = 0; i < 4; i++, published++) {
        h.emit('component.changed', { serverId: 'srv-1' }, { payload: PAYLOAD });
        for (const s of sockets) maxBuffered = Math.max(maxBuffered, s.writableLength);
      }
      await sleep(1);
    }
    expect(await h.metric('escalatord_ws_dropped_clients_total', { reason: 'slow' })).toBe(1);
    // One frame may be in flight beyond the limit, never more.
    expect(maxBuffered).toBeLessThanOrEqual(LIMIT + PAYLOAD.length + 1024);

    resumeReading(slow.ws);
    expect((await slow.closed).code).toBe(1013);
    await healthy.waitFor(() => healthy.events.length === published);
    await until(() => h.hub.clientCount === 1);
    expect(h.hub.clientCount).toBe(1);
  });

  test('a slow client that never reads its close frame is terminated after the grace period', async () => {
    h = await startHub({ maxBufferedBytes: LIMIT, closeGraceMs: 200 });
    const slow = await connect(h.url);
    clients.push(slow);
    pauseReading(slow.ws);
    for (let i = 0; i < 2000 && (await h.metric('escalatord_ws_dropped_clients_total', { reason: 'slow' })) === 0; i++) {
      h.emit('component.changed', undefined, { payload: PAYLOAD });
      if (i % 4 === 0) await sleep(1);
    }
    const droppedAt = Date.now();
    while (h.hub.clientCount > 0 && Date.now() - droppedAt < 3000) await sleep(10);
    expect(h.hub.clientCount).toBe(0);
    expect(Date.now() - droppedAt).toBeLessThan(1500);
    expect(await h.metric('escalatord_ws_clients')).toBe(0);
  });
});

describe('heartbeat', () => {
  test('a client that ignores pings is terminated within two intervals and counted', async () => {
    h = await startHub({ heartbeatMs: 100 });
    const started = Date.now();
    const mute = new TestClient(new WebSocket(h.url, { headers: { authorization: 'Bearer l2-token' }, autoPong: false }));
    clients.push(mute);
    await mute.waitForType('hello');
    await mute.closed;
    expect(Date.now() - started).toBeLessThanOrEqual(2 * 100 + 100);
    expect(await h.metric('escalatord_ws_dropped_clients_total', { reason: 'heartbeat' })).toBe(1);
    await until(() => h.hub.clientCount === 0);
    expect(h.hub.clientCount).toBe(0);
  });

  test('a client that answers pings stays connected across many intervals', async () => {
    h = await startHub({ heartbeatMs: 50 });
    const client = await connect(h.url);
    clients.push(client);
    let pings = 0;
    client.ws.on('ping', () => pings++);
    await sleep(400);
    expect(pings).toBeGreaterThanOrEqual(4);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(await h.metric('escalatord_ws_dropped_clients_total', { reason: 'heartbeat' })).toBe(0);
  });
});

import type { Socket } from 'node:net';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { WebSocket } from 'ws';
import { connect, startHub, TestClient, until, type Harness } from './live-harness.js';

let h: Harness;
const clients: TestClient[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of clients.splice(0)) c.ws.terminate();
  await h?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** One turn of the event loop with real I/O; works while the hub's timers are fake. */
const turn = () => new Promise((r) => setImmediate(r));
/** Lets sockets do their work until `check` holds; fails after many turns instead of after a wall-clock time. */
async function settle(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 20_000; i++) {
    if (await check()) return;
    await turn();
  }
  throw new Error(`never happened: ${what}`);
}
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

  test('a slow client that never reads its close frame is terminated when the grace period ends, not before', async () => {
    // Only the hub's timers are fake: sockets stay real, and time moves when the test says so.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    h = await startHub({ maxBufferedBytes: LIMIT, closeGraceMs: 200 });
    const slow = await connect(h.url);
    clients.push(slow);
    pauseReading(slow.ws);
    for (let i = 0; i < 2000 && (await h.metric('escalatord_ws_dropped_clients_total', { reason: 'slow' })) === 0; i++) {
      h.emit('component.changed', undefined, { payload: PAYLOAD });
      if (i % 4 === 0) await turn();
    }
    expect(await h.metric('escalatord_ws_dropped_clients_total', { reason: 'slow' })).toBe(1);
    for (let i = 0; i < 50; i++) await turn();
    vi.advanceTimersByTime(199);
    for (let i = 0; i < 50; i++) await turn();
    expect(h.hub.clientCount).toBe(1);
    vi.advanceTimersByTime(1);
    await settle(() => h.hub.clientCount === 0, 'the slow client to be terminated');
    expect(await h.metric('escalatord_ws_clients')).toBe(0);
  });
});

describe('heartbeat', () => {
  /** A round trip over the connection: proves it is still open after whatever happened before. */
  async function roundTrip(client: TestClient): Promise<void> {
    const before = client.messages.length;
    client.send({ type: 'subscribe', filter: {} });
    await settle(() => client.messages.length > before, 'the subscribe answer');
  }

  test('a client that ignores pings is terminated at the second interval and counted', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    h = await startHub({ heartbeatMs: 100 });
    const mute = new TestClient(new WebSocket(h.url, { headers: { authorization: 'Bearer l2-token' }, autoPong: false }));
    clients.push(mute);
    await mute.waitForType('hello');
    let pings = 0;
    mute.ws.on('ping', () => pings++);
    vi.advanceTimersByTime(100);
    await settle(() => pings === 1, 'the first ping');
    await roundTrip(mute);
    expect(mute.ws.readyState).toBe(WebSocket.OPEN);
    vi.advanceTimersByTime(100);
    await mute.closed;
    expect(await h.metric('escalatord_ws_dropped_clients_total', { reason: 'heartbeat' })).toBe(1);
    await settle(() => h.hub.clientCount === 0, 'the hub to forget the client');
  });

  test('a client that answers pings stays connected across many intervals', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    h = await startHub({ heartbeatMs: 50 });
    const client = await connect(h.url);
    clients.push(client);
    let pings = 0;
    client.ws.on('ping', () => pings++);
    for (let n = 1; n <= 8; n++) {
      vi.advanceTimersByTime(50);
      await settle(() => pings === n, `ping ${n}`);
      await roundTrip(client); // the pong is on the wire before the next interval
    }
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(await h.metric('escalatord_ws_dropped_clients_total', { reason: 'heartbeat' })).toBe(0);
  });
});

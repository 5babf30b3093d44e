// Connection exhaustion: thousands of unauthenticated half-open connections must not take the file
// descriptors the daemon needs for its own work, nor keep real clients out for long.
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, defaultMaxConnections } from '../../src/http/server-limits.js';

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  server?.closeAllConnections();
  if (server) await new Promise<void>((r) => server!.close(() => r()));
  server = undefined;
});

async function listen(limits: Parameters<typeof createHttpServer>[1]): Promise<number> {
  server = createHttpServer((_req, res) => res.end('{"status":"ok"}'), limits);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

/** A raw TCP connection that sends nothing, and a promise of what it received until the server closed it. */
async function open(port: number): Promise<{ socket: Socket; closed: Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let received = '';
  socket.setEncoding('utf8').on('data', (s: string) => (received += s));
  socket.on('error', () => {});
  const closed = new Promise<string>((r) => socket.once('close', () => r(received)));
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  return { socket, closed };
}

describe('the daemon\'s HTTP server', () => {
  it('closes connections beyond maxConnections at once and serves again when a slot frees', async () => {
    const port = await listen({ maxConnections: 3 });
    const accepted: Socket[] = [];
    server!.on('connection', (s) => accepted.push(s));
    const held = await Promise.all([open(port), open(port), open(port)]);
    while (accepted.length < 3) await new Promise((r) => setImmediate(r));
    const extra = await open(port);
    expect(await extra.closed).toBe('');
    held[0].socket.destroy();
    await held[0].closed;
    while (accepted.filter((s) => !s.destroyed).length > 2) await new Promise((r) => setImmediate(r));
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  });

  it('closes a connection that never finishes its request headers', async () => {
    const port = await listen({ headersTimeoutMs: 300 });
    const slow = await open(port);
    slow.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    expect(await slow.closed).toMatch(/^HTTP\/1\.1 408/);
  });

  it('keeps headroom below the open-file limit for the store, the consoles and the ticketing system', () => {
    expect(defaultMaxConnections(20_000)).toBe(15_000);
    expect(defaultMaxConnections(1_024)).toBe(768);
    expect(defaultMaxConnections(300)).toBeGreaterThanOrEqual(16);
    expect(defaultMaxConnections(300)).toBeLessThanOrEqual(300 - 256);
    expect(defaultMaxConnections(null)).toBe(1_000);
  });
});

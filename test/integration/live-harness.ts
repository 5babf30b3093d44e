// Test harness for the live hub: a real HTTP server on 127.0.0.1:0 with the hub attached, real ws clients,
// an in-memory event log and real prom-client metrics on a private registry.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { WebSocket, type ClientOptions } from 'ws';
import type { EventType, Level, LoggedEvent } from '../../src/domain/types.js';
import { LiveHub, type LiveHubDeps, type Principal } from '../../src/live/live-hub.js';

export const TOKENS: Record<string, Principal> = {
  'viewer-token': { name: 'viewer-desk', role: 'viewer' },
  'l2-token': { name: 'l2-desk', role: 'l2' },
  'ingest-token': { name: 'alertmanager', role: 'ingest' },
};

/** A bounded log like the real one: keeps the newest `capacity` events; older resume points get null. */
export class MemoryEventLog {
  events: LoggedEvent[] = [];
  private seq = 0;
  constructor(private readonly capacity = 10_000) {}

  append(type: EventType, scope: LoggedEvent['scope'] = undefined, data: Record<string, unknown> = {}): LoggedEvent {
    const event: LoggedEvent = { seq: ++this.seq, at: new Date(Date.UTC(2026, 10, 25, 10, 0, this.seq)).toISOString(), type, data, ...(scope ? { scope } : {}) };
    this.events.push(event);
    if (this.events.length > this.capacity) this.events.shift();
    return event;
  }

  latestSeq(): number {
    return this.seq;
  }

  since(fromSeq: number): LoggedEvent[] | null {
    const first = this.events[0]?.seq ?? this.seq + 1;
    if (fromSeq < first - 1) return null;
    return this.events.filter((e) => e.seq > fromSeq);
  }
}

export interface Harness {
  hub: LiveHub;
  server: Server;
  url: string;
  /** `http://127.0.0.1:<port>`: the same server over plain HTTP (it answers /healthz). */
  httpUrl: string;
  log: MemoryEventLog;
  registry: Registry;
  /** Appends to the log, then publishes: the order the daemon uses. */
  emit(type: EventType, scope?: { level?: Level; customerId?: string; serverId?: string }, data?: Record<string, unknown>): LoggedEvent;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export async function startHub(options: Partial<LiveHubDeps> & { logCapacity?: number } = {}): Promise<Harness> {
  // /healthz answers as the daemon's does, so a test can see whether the event loop is free.
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/healthz' ? 200 : 404;
    res.end(req.url === '/healthz' ? '{"status":"ok"}' : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const log = new MemoryEventLog(options.logCapacity);
  const registry = new Registry();
  const metrics = {
    wsClients: new Gauge({ name: 'escalatord_ws_clients', help: 'clients', registers: [registry] }),
    wsMessagesSent: new Counter({ name: 'escalatord_ws_messages_sent_total', help: 'sent', registers: [registry] }),
    wsDroppedClients: new Counter({ name: 'escalatord_ws_dropped_clients_total', help: 'dropped', labelNames: ['reason'] as const, registers: [registry] }),
  };
  const hub = new LiveHub({
    server,
    authenticate: (token) => TOKENS[token] ?? null,
    allowedOrigins: ['https://dashboard.example'],
    eventLog: log,
    snapshot: () => ({ seq: log.latestSeq(), snapshot: { incidents: [], servers: { total: 3 } } }),
    metrics,
    logger: pino({ level: 'silent' }),
    resumeWindowMs: 0,
    ...options,
  });
  hub.start();
  return {
    hub, server, log, registry,
    url: `ws://127.0.0.1:${port}/api/v1/live`,
    httpUrl: `http://127.0.0.1:${port}`,
    emit(type, scope, data) {
      const event = log.append(type, scope, data);
      hub.publish(event);
      return event;
    },
    async metric(name, labels) {
      const found = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
      const values = (found?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
      const value = values.find((v) => Object.entries(labels ?? {}).every(([k, l]) => v.labels[k] === l));
      return value?.value ?? 0;
    },
    async close() {
      await hub.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls until the check holds (server-side bookkeeping finishes a moment after a client sees its close). */
export async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Message = Record<string, any>;

/** A ws client that records every message, for assertions that wait on what has arrived. */
export class TestClient {
  readonly messages: Message[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as Message);
      this.waiters.forEach((w) => w());
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {});
  }

  /** Event messages (those with a seq that are not hello/resync). */
  get events(): Message[] {
    return this.messages.filter((m) => typeof m.seq === 'number' && m.type !== 'hello' && m.type !== 'resync');
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async waitFor(predicate: (messages: Message[]) => boolean, timeoutMs = 5000): Promise<void> {
    if (predicate(this.messages)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; got ${JSON.stringify(this.messages).slice(0, 500)}`)), timeoutMs);
      const check = () => {
        if (!predicate(this.messages)) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  async waitForType(type: string, timeoutMs?: number): Promise<Message> {
    await this.waitFor((ms) => ms.some((m) => m.type === type), timeoutMs);
    return this.messages.find((m) => m.type === type) as Message;
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
    return this.closed;
  }
}

/** Opens a client with a bearer header and waits for the hello. */
export async function connect(url: string, token = 'l2-token', options: ClientOptions = {}): Promise<TestClient> {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, ...options });
  const client = new TestClient(ws);
  await client.waitForType('hello');
  return client;
}

/** Attempts an upgrade that should be refused; resolves with the HTTP status the server answered. */
export function refusedStatus(url: string, options: ClientOptions = {}, protocols?: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => { ws.terminate(); reject(new Error('upgrade unexpectedly accepted')); });
    ws.on('error', () => {});
  });
}

import type { Server } from 'node:http';
import express from 'express';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import type { StatusReport } from '../../src/domain/types.js';
import { verifyWebhook } from '../../src/ingest/webhook-signature.js';
import { ConsoleSimulator, type ConsoleSimulatorOptions } from '../../src/simulator/console-simulator.js';
import { createSimulators } from '../../src/simulator/create-simulators.js';
import { closeServer, listen } from '../../src/simulator/http-server.js';
import { TicketingSimulator, type TicketingSimulatorOptions } from '../../src/simulator/ticketing-simulator.js';

const silent = pino({ level: 'silent' });
const T0 = new Date('2026-11-25T10:00:00Z');
const SECRET = 'whsec_c2ltdWxhdG9yLXB1c2gtc2VjcmV0LWJ5dGVz';
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function clock(start = T0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

async function startConsole(options: ConsoleSimulatorOptions = {}) {
  const sim = new ConsoleSimulator({ servers: 6, customers: 3, faults: false, logger: silent, ...options });
  const { url } = await sim.start();
  cleanups.push(() => sim.stop());
  return { sim, url };
}

async function startTicketing(options: TicketingSimulatorOptions = {}) {
  const sim = new TicketingSimulator({ logger: silent, ...options });
  const { url } = await sim.start();
  cleanups.push(() => sim.stop());
  return { sim, url };
}

/** A real HTTP receiver that keeps every request's headers and raw bytes. */
async function startReceiver(status = 202) {
  const received: Array<{ headers: Record<string, string | string[] | undefined>; raw: Buffer }> = [];
  const app = express();
  app.use(express.raw({ type: '*/*' }));
  app.post('/hook', (req, res) => {
    received.push({ headers: req.headers, raw: req.body as Buffer });
    res.status(status).end();
  });
  const { server, url } = await listen(app, '127.0.0.1', 0);
  cleanups.push(() => closeServer(server as Server));
  return { received, url: `${url}/hook` };
}

async function call(url: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

describe('Monitoring Console simulator', () => {
  it('lists a deterministic fleet spread over the customers', async () => {
    const { url } = await startConsole({ servers: 12, customers: 4, seed: 7 });
    const again = await startConsole({ servers: 12, customers: 4, seed: 7 });
    const list = await call(`${url}/api/v1/servers`);
    expect(list.status).toBe(200);
    expect(list.body.servers).toHaveLength(12);
    expect(list.body.servers[0]).toEqual({ id: 'srv-0001', name: 'acme-hq-01', customerId: 'acme' });
    expect(new Set(list.body.servers.map((s: { customerId: string }) => s.customerId))).toEqual(new Set(['acme', 'globex', 'initech', 'umbrella']));
    expect((await call(`${again.url}/api/v1/servers`)).body).toEqual(list.body);
  });

  it('serves a whole StatusReport with every software and hardware component', async () => {
    const c = clock();
    const { url } = await startConsole({ now: c.now });
    const report = (await call(`${url}/api/v1/servers/srv-0002/status`)).body as StatusReport;
    expect(report).toMatchObject({ serverId: 'srv-0002', observedAt: T0.toISOString(), reachable: true });
    expect(report.components.map((x) => x.name)).toEqual([
      'domain-services', 'file-services', 'email', 'backup', 'antivirus', 'update-agent', 'remote-access',
      'disks', 'raid', 'psu', 'fans', 'memory', 'nic',
    ]);
    expect(report.components.every((x) => x.status === 'ok' && x.since === T0.toISOString())).toBe(true);
    expect(report.components.find((x) => x.name === 'raid')?.kind).toBe('hardware');
    expect((await call(`${url}/api/v1/servers/srv-9999/status`)).status).toBe(404);
  });

  it('requires the bearer token on the console API but not on the control API', async () => {
    const { url } = await startConsole({ token: 'console-token-0123456789' });
    expect((await call(`${url}/api/v1/servers`)).status).toBe(401);
    expect((await call(`${url}/api/v1/servers`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await call(`${url}/api/v1/servers`, { headers: { authorization: 'Bearer console-token-0123456789' } })).status).toBe(200);
    expect((await call(`${url}/control/faults`, { body: { enabled: false } })).status).toBe(200);
  });

  it('reports a component failed through the control API, with its message, since and diagnostics', async () => {
    const c = clock();
    const { url } = await startConsole({ now: c.now });
    c.advance(60_000);
    const set = await call(`${url}/control/servers/srv-0001/components/backup`, { body: { status: 'failed', message: 'backup job exited with code 3' } });
    expect(set.status).toBe(200);
    c.advance(5_000);
    const report = (await call(`${url}/api/v1/servers/srv-0001/status`)).body as StatusReport;
    expect(report.components.find((x) => x.name === 'backup')).toEqual({
      name: 'backup', kind: 'software', status: 'failed', message: 'backup job exited with code 3', since: '2026-11-25T10:01:00.000Z',
    });
    expect(report.observedAt).toBe('2026-11-25T10:01:05.000Z');

    const diag = await call(`${url}/api/v1/servers/srv-0001/diagnostics?component=backup`);
    expect(diag.status).toBe(200);
    expect(diag.body).toMatchObject({ serverId: 'srv-0001', component: 'backup', status: 'failed', collectedAt: '2026-11-25T10:01:05.000Z' });
    expect(diag.body.summary).toContain('backup job exited with code 3');
    expect(diag.body.versions.component).toMatch(/Backup Agent/);
    expect(diag.body.metrics.cpuPercent).toHaveLength(15);
    expect(diag.body.logTail.at(-1)).toMatchObject({ level: 'error', message: 'backup job exited with code 3' });
    expect((await call(`${url}/api/v1/servers/srv-0001/diagnostics?component=backup`)).body).toEqual(diag.body);

    expect((await call(`${url}/api/v1/servers/srv-0001/diagnostics`)).status).toBe(400);
    expect((await call(`${url}/api/v1/servers/srv-0001/diagnostics?component=toaster`)).status).toBe(404);
    expect((await call(`${url}/control/servers/srv-0001/components/backup`, { body: { status: 'broken' } })).status).toBe(400);
    expect((await call(`${url}/control/servers/srv-0001/components/toaster`, { body: { status: 'failed' } })).status).toBe(404);
    expect((await call(`${url}/control/servers/srv-0404/components/backup`, { body: { status: 'failed' } })).status).toBe(404);
  });

  it('marks a server unreachable and refuses its diagnostics until it is reachable again', async () => {
    const { url } = await startConsole();
    await call(`${url}/control/servers/srv-0003/reachable`, { body: { reachable: false } });
    expect((await call(`${url}/api/v1/servers/srv-0003/status`)).body.reachable).toBe(false);
    expect((await call(`${url}/api/v1/servers/srv-0003/diagnostics?component=nic`)).status).toBe(504);
    await call(`${url}/control/servers/srv-0003/reachable`, { body: { reachable: true } });
    expect((await call(`${url}/api/v1/servers/srv-0003/status`)).body.reachable).toBe(true);
    expect((await call(`${url}/api/v1/servers/srv-0003/diagnostics?component=nic`)).status).toBe(200);
    expect((await call(`${url}/control/servers/srv-0003/reachable`, { body: { reachable: 'no' } })).status).toBe(400);
  });

  it('answers 503 on the console API during a simulated outage while the control API keeps working', async () => {
    const { url } = await startConsole();
    await call(`${url}/control/outage`, { body: { down: true } });
    expect((await call(`${url}/api/v1/servers`)).status).toBe(503);
    expect((await call(`${url}/api/v1/servers/srv-0001/status`)).status).toBe(503);
    expect((await call(`${url}/control/state`)).body.outage).toBe(true);
    await call(`${url}/control/outage`, { body: { down: false } });
    expect((await call(`${url}/api/v1/servers`)).status).toBe(200);
  });

  it('injects the same random faults from the same seed and recovers them after the configured ticks', async () => {
    const options = { servers: 20, faultRate: 0.5, seed: 42, recoverAfterTicks: [2, 2] as const, faults: true, faultInterval: 3_600_000, now: () => T0 };
    const a = await startConsole(options);
    const b = await startConsole(options);
    const first = (await call(`${a.url}/control/tick`, { body: {} })).body.changes;
    expect(first.length).toBeGreaterThan(0);
    expect((await call(`${b.url}/control/tick`, { body: {} })).body.changes).toEqual(first);
    expect((await call(`${a.url}/control/state`)).body.activeFaults).toBe(first.length);

    // Pausing stops new faults; the running ones still recover on their tick.
    await call(`${a.url}/control/faults`, { body: { enabled: false } });
    await call(`${a.url}/control/tick`, { body: {} });
    await call(`${a.url}/control/tick`, { body: {} });
    const state = (await call(`${a.url}/control/state`)).body;
    expect(state).toMatchObject({ activeFaults: 0, failed: 0, degraded: 0, unreachable: 0, faultsEnabled: false });
  });

  it('reset brings every server back to healthy, reachable and out of outage', async () => {
    const { url } = await startConsole();
    await call(`${url}/control/servers/srv-0001/components/raid`, { body: { status: 'degraded' } });
    await call(`${url}/control/servers/srv-0002/reachable`, { body: { reachable: false } });
    await call(`${url}/control/outage`, { body: { down: true } });
    const after = (await call(`${url}/control/reset`, { body: {} })).body;
    expect(after).toMatchObject({ failed: 0, degraded: 0, unreachable: 0, outage: false });
    expect((await call(`${url}/api/v1/servers/srv-0001/status`)).body.components.every((x: { status: string }) => x.status === 'ok')).toBe(true);
  });

  it('pushes each change as a signed StatusReport delta that verifyWebhook accepts', async () => {
    const c = clock();
    const receiver = await startReceiver();
    const { sim, url } = await startConsole({ now: c.now, push: { url: receiver.url, secret: SECRET } });
    await call(`${url}/control/servers/srv-0004/components/email`, { body: { status: 'failed', message: 'mail transport service stopped' } });
    await call(`${url}/control/servers/srv-0005/reachable`, { body: { reachable: false } });
    await sim.drainPushes();
    expect(receiver.received).toHaveLength(2);

    const [emailPush, reachPush] = receiver.received;
    const headers = (r: (typeof receiver.received)[number]) => ({
      id: r.headers['webhook-id'] as string, timestamp: r.headers['webhook-timestamp'] as string, signature: r.headers['webhook-signature'] as string,
    });
    expect(verifyWebhook({ headers: headers(emailPush), rawBody: emailPush.raw, secrets: [SECRET], now: c.now() })).toEqual({ ok: true });
    expect(verifyWebhook({ headers: headers(emailPush), rawBody: emailPush.raw, secrets: ['whsec_b3RoZXI='], now: c.now() })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(headers(emailPush).id).not.toBe(headers(reachPush).id);

    const delta = JSON.parse(emailPush.raw.toString()) as StatusReport;
    expect(delta).toMatchObject({ serverId: 'srv-0004', reachable: true, customerId: expect.any(String) });
    expect(delta.components).toEqual([{ name: 'email', kind: 'software', status: 'failed', message: 'mail transport service stopped', since: T0.toISOString() }]);
    expect(JSON.parse(reachPush.raw.toString())).toMatchObject({ serverId: 'srv-0005', reachable: false, components: [] });

    // Setting the same status again is no change, so nothing more is pushed.
    await call(`${url}/control/servers/srv-0004/components/email`, { body: { status: 'failed', message: 'mail transport service stopped' } });
    await sim.drainPushes();
    expect(receiver.received).toHaveLength(2);
    expect(sim.pushStats()).toEqual({ sent: 2, failed: 0, dropped: 0 });
  });

  it('logs and counts a refused push without affecting the console API', async () => {
    const receiver = await startReceiver(401);
    const { sim, url } = await startConsole({ push: { url: receiver.url, secret: SECRET } });
    await call(`${url}/control/servers/srv-0001/components/fans`, { body: { status: 'degraded' } });
    await sim.drainPushes();
    expect(sim.pushStats()).toEqual({ sent: 0, failed: 1, dropped: 0 });
    expect((await call(`${url}/api/v1/servers/srv-0001/status`)).status).toBe(200);
  });
});

describe('ticketing simulator', () => {
  const ticket = { externalId: 'inc-1', title: 'backup failed on acme-hq-01', priority: 'P2', level: 3, serverId: 'srv-0001', customerId: 'acme', component: 'backup' };

  it('creates one ticket per Idempotency-Key and records when it arrived', async () => {
    const c = clock();
    const { url } = await startTicketing({ now: c.now });
    const first = await call(`${url}/tickets`, { body: ticket, headers: { 'idempotency-key': 'inc-1' } });
    expect(first).toMatchObject({ status: 201, body: { id: 'T-1', url: `${url}/tickets/T-1` } });
    c.advance(1_000);
    const repeat = await call(`${url}/tickets`, { body: ticket, headers: { 'idempotency-key': 'inc-1' } });
    expect(repeat).toMatchObject({ status: 200, body: { id: 'T-1' } });
    const second = await call(`${url}/tickets`, { body: { ...ticket, externalId: 'inc-2' }, headers: { 'idempotency-key': 'inc-2' } });
    expect(second).toMatchObject({ status: 201, body: { id: 'T-2' } });

    const list = (await call(`${url}/tickets`)).body;
    expect(list.nextCursor).toBeNull();
    expect(list.items).toHaveLength(2);
    expect(list.items[0]).toMatchObject({ id: 'T-1', externalId: 'inc-1', state: 'open', receivedAt: T0.toISOString(), receivedAtMs: T0.getTime() });
    expect((await call(`${url}/tickets?externalId=inc-2`)).body.items.map((t: { id: string }) => t.id)).toEqual(['T-2']);
    expect((await call(`${url}/control/stats`)).body).toMatchObject({ ticketsCreated: 2, duplicateCreates: 1, tickets: 2 });
  });

  it('refuses a ticket without an Idempotency-Key or a title, naming the bad fields', async () => {
    const { url } = await startTicketing();
    expect((await call(`${url}/tickets`, { body: ticket })).status).toBe(400);
    const bad = await call(`${url}/tickets`, { body: { priority: 'P9' }, headers: { 'idempotency-key': 'k' } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.invalidParams.map((p: { name: string }) => p.name)).toEqual(['title', 'priority']);
  });

  it('adds comments, deduplicates a retried comment and resolves on a resolution comment', async () => {
    const { url } = await startTicketing();
    await call(`${url}/tickets`, { body: ticket, headers: { 'idempotency-key': 'inc-1' } });
    expect((await call(`${url}/tickets/T-1/comments`, { body: { body: 'diagnostics attached', kind: 'diagnostics' } })).status).toBe(201);
    const retry = { body: { body: 'SLA warning', kind: 'sla' }, headers: { 'idempotency-key': 'c-1' } };
    expect((await call(`${url}/tickets/T-1/comments`, retry)).status).toBe(201);
    expect((await call(`${url}/tickets/T-1/comments`, retry)).status).toBe(200);
    expect((await call(`${url}/tickets/T-1/comments`, { body: { body: 'x', kind: 'chit-chat' } })).status).toBe(400);
    expect((await call(`${url}/tickets/T-9/comments`, { body: { body: 'x', kind: 'sla' } })).status).toBe(404);

    await call(`${url}/tickets/T-1/comments`, { body: { body: 'fixed by restarting the agent', kind: 'resolution' } });
    const got = (await call(`${url}/tickets/T-1`)).body;
    expect(got.comments.map((x: { kind: string }) => x.kind)).toEqual(['diagnostics', 'sla', 'resolution']);
    expect(got).toMatchObject({ state: 'resolved', resolution: { note: 'fixed by restarting the agent' } });
  });

  it('resolves through POST /tickets/:id/resolve once, however often it is retried', async () => {
    const { url } = await startTicketing();
    await call(`${url}/tickets`, { body: ticket, headers: { 'idempotency-key': 'inc-1' } });
    const resolved = await call(`${url}/tickets/T-1/resolve`, { body: { note: 'replaced agent', rootCause: 'server' } });
    expect(resolved).toMatchObject({ status: 200, body: { state: 'resolved', resolution: { note: 'replaced agent', rootCause: 'server' } } });
    await call(`${url}/tickets/T-1/resolve`, { body: { note: 'again', rootCause: 'other' } });
    expect((await call(`${url}/tickets/T-1`)).body.resolution.rootCause).toBe('server');
    expect((await call(`${url}/control/stats`)).body.resolves).toBe(1);
    expect((await call(`${url}/tickets/T-7/resolve`, { body: {} })).status).toBe(404);
  });

  it('requires the bearer token on the ticket API when one is configured', async () => {
    const { url } = await startTicketing({ token: 'ticketing-token-0123456789' });
    expect((await call(`${url}/tickets`)).status).toBe(401);
    expect((await call(`${url}/tickets`, { headers: { authorization: 'Bearer ticketing-token-0123456789' } })).status).toBe(200);
  });

  it('answers injected errors with Retry-After for the next n requests, then recovers', async () => {
    const { url } = await startTicketing();
    expect((await call(`${url}/control/fail`, { body: { status: 503, count: 2, retryAfter: 7 } })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await call(`${url}/tickets`, { body: ticket, headers: { 'idempotency-key': 'inc-1' } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('7');
    }
    expect((await call(`${url}/tickets`, { body: ticket, headers: { 'idempotency-key': 'inc-1' } })).status).toBe(201);
    expect((await call(`${url}/control/stats`)).body).toMatchObject({ requests: 3, injectedFailures: 2, ticketsCreated: 1 });
    expect((await call(`${url}/control/fail`, { body: { status: 200 } })).status).toBe(400);
  });

  it('keeps failing without a count until the failure is cleared', async () => {
    const { url } = await startTicketing();
    await call(`${url}/control/fail`, { body: { status: 500 } });
    for (let i = 0; i < 3; i++) expect((await call(`${url}/tickets`)).status).toBe(500);
    await call(`${url}/control/fail`, { method: 'DELETE' });
    expect((await call(`${url}/tickets`)).status).toBe(200);
  });

  it('delays ticket API answers by the configured latency', async () => {
    const { url } = await startTicketing();
    await call(`${url}/control/latency`, { body: { ms: 150 } });
    const started = performance.now();
    await call(`${url}/tickets`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('reset forgets tickets and failures and numbers tickets from T-1 again', async () => {
    const { url } = await startTicketing();
    await call(`${url}/tickets`, { body: ticket, headers: { 'idempotency-key': 'inc-1' } });
    await call(`${url}/control/fail`, { body: { status: 503 } });
    await call(`${url}/control/reset`, { body: {} });
    expect((await call(`${url}/tickets`)).body.items).toEqual([]);
    expect((await call(`${url}/tickets`, { body: ticket, headers: { 'idempotency-key': 'inc-1' } })).body.id).toBe('T-1');
  });

  it('reports a vendor event to the callback with its bearer token and updates the ticket', async () => {
    const c = clock();
    const receiver = await startReceiver();
    const { url } = await startTicketing({ now: c.now, callback: { url: receiver.url, token: 'ingest-token-0123456789' } });
    await call(`${url}/tickets`, { body: ticket, headers: { 'idempotency-key': 'inc-1' } });
    const res = await call(`${url}/control/tickets/T-1/event`, { body: { event: 'acknowledged', note: 'looking into it', by: 'vendor-l3' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ticket: { state: 'acknowledged' }, callback: { status: 202 } });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].headers.authorization).toBe('Bearer ingest-token-0123456789');
    expect(JSON.parse(receiver.received[0].raw.toString())).toEqual({ ticketId: 'T-1', event: 'acknowledged', by: 'vendor-l3', note: 'looking into it', at: T0.toISOString() });

    expect((await call(`${url}/control/tickets/T-1/event`, { body: { event: 'progress' } })).body.ticket.state).toBe('in-progress');
    expect((await call(`${url}/control/tickets/T-1/event`, { body: { event: 'closed' } })).status).toBe(400);
    expect((await call(`${url}/control/tickets/T-5/event`, { body: { event: 'resolved' } })).status).toBe(404);
  });
});

describe('createSimulators', () => {
  it('starts both simulators from the simulator config section and stops them twice safely', async () => {
    const cfg = configSchema.parse({ simulator: { enabled: true, consolePort: 0, ticketingPort: 0, servers: 5, customers: 2 } }).simulator;
    const sims = createSimulators(cfg, { logger: silent });
    const urls = await sims.start();
    expect(await sims.start()).toEqual(urls);
    expect((await call(`${urls.consoleUrl}/api/v1/servers`)).body.servers).toHaveLength(5);
    expect((await call(`${urls.ticketingUrl}/tickets`)).status).toBe(200);
    await sims.stop();
    await sims.stop();
    await expect(fetch(`${urls.consoleUrl}/api/v1/servers`)).rejects.toThrow();
  });
});

// The SLA and the management path end to end, on the real daemon in-process: a real lowdb store in a
// temp folder, both simulators on ephemeral ports, and a notification webhook sink served by the test.
// Targets are seconds on the 24x7 calendar, so every instant is computable and the suite runs in ~20 s.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildDaemon, type Daemon } from '../../src/app.js';
import { configSchema } from '../../src/config/schema.js';
import type { Incident, LoggedEvent } from '../../src/domain/types.js';
import { waitFor } from '../helpers/net.js';
import { useTempDir } from '../helpers/tmp.js';

const TOKENS = { l2: 'l2-desk-token-0123456789', viewer: 'viewer-token-0123456789', ingest: 'ingest-token-0123456789', admin: 'admin-token-01234567890' };
const seconds = (respond: string, progressEvery: string, resolve: string) => ({ respond, progressEvery, resolve, calendar: '24x7' });
/**
 * How late a firing may be after its computed instant on real timers. Never early is the rule checked
 * exactly here; the timer's own precision is held exactly by the scheduler's tests on a fake clock
 * (test/unit/cluster-scheduler.test.ts, sla-scheduler.test.ts), so this bound only has to survive a busy machine.
 */
const ON_TIME_MS = 5000;

interface Sink {
  url: string;
  received: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The notification channel's far end: records every JSON body posted to /notify. */
async function startSink(): Promise<Sink> {
  const received: Array<Record<string, unknown>> = [];
  const app = express();
  app.post('/notify', express.json(), (req, res) => {
    received.push(req.body as Record<string, unknown>);
    res.status(204).end();
  });
  const server: Server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/notify`,
    received,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

function makeDaemon(storePath: string, sinkUrl: string): Daemon {
  const config = configSchema.parse({
    server: { host: '127.0.0.1', port: 0, shutdownTimeout: '3s' },
    storage: { path: storePath },
    auth: { tokens: [{ name: 'l2-desk', role: 'l2', token: TOKENS.l2 }, { name: 'wallboard', role: 'viewer', token: TOKENS.viewer }, { name: 'sim', role: 'ingest', token: TOKENS.ingest }, { name: 'admin', role: 'admin', token: TOKENS.admin }] },
    simulator: { enabled: true, consolePort: 0, ticketingPort: 0, faultRate: 0, servers: 4, customers: 2 },
    sla: {
      warnAt: 0.5,
      priorities: {
        P1: seconds('4s', '6s', '20s'), P2: seconds('4s', '6s', '20s'), P3: seconds('8s', '12s', '40s'), P4: seconds('8s', '12s', '40s'),
      },
    },
    management: { workingDay: '24x7', stepWindow: '4s' },
    notifications: { channels: [{ id: 'ops', type: 'webhook', url: sinkUrl }] },
  });
  return buildDaemon({ config, logger: pino({ level: 'silent' }) });
}

/** Fails one software component at the console simulator and polls, so the daemon opens an L3 incident now. */
async function failSoftware(daemon: Daemon): Promise<Incident> {
  const sim = daemon.simulators!.console;
  const serverId = [...sim.state.ids()][0];
  const component = sim.state.server(serverId)!.components.find((c) => c.kind === 'software')!.name;
  sim.setComponent(serverId, component, 'failed', 'service terminated');
  await daemon.pollers!.get('sim')!.pollNow();
  return waitFor(() => daemon.store.read.incidents.openFor(serverId, component), { what: 'the incident' });
}

const api = (daemon: Daemon, path: string, init: RequestInit = {}) =>
  fetch(`${daemon.url}${path}`, { ...init, headers: { Authorization: `Bearer ${TOKENS.l2}`, 'Content-Type': 'application/json', ...init.headers } });

const events = async (daemon: Daemon, id: string, type?: string): Promise<LoggedEvent[]> =>
  ((await daemon.store.read.events.since(0, 100_000)) ?? []).filter((e) => e.data.incidentId === id && (type === undefined || e.type === type));

const stored = async (daemon: Daemon, id: string): Promise<Incident> => (await daemon.store.read.incidents.get(id))!;

function expectOnTime(event: LoggedEvent | undefined, instant: string | null | undefined): void {
  expect(event, `an event due at ${instant}`).toBeDefined();
  expect(instant).toBeTruthy();
  const late = Date.parse(event!.at) - Date.parse(instant!);
  expect(late).toBeGreaterThanOrEqual(0);
  expect(late).toBeLessThan(ON_TIME_MS);
}

describe('SLA and management escalation end to end', () => {
  const tmp = useTempDir(beforeEach, afterEach);
  let sink: Sink;
  const daemons: Daemon[] = [];
  const sockets: WebSocket[] = [];
  beforeEach(async () => {
    sink = await startSink();
  });
  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    for (const d of daemons.splice(0)) await d.stop();
    await sink.close();
  });
  const start = async (): Promise<Daemon> => {
    const d = makeDaemon(tmp().file('store.json'), sink.url);
    daemons.push(d);
    await d.start();
    return d;
  };

  it('warns and breaches an unacknowledged software failure on time, and walks management from step 2 to 4', { timeout: 40_000 }, async () => {
    const daemon = await start();
    const live: Array<{ type: string; data: Record<string, unknown> }> = [];
    const ws = new WebSocket(`${daemon.url.replace('http', 'ws')}/api/v1/live`, { headers: { Authorization: `Bearer ${TOKENS.viewer}` } });
    sockets.push(ws);
    ws.on('message', (raw) => live.push(JSON.parse(String(raw)) as { type: string; data: Record<string, unknown> }));
    await waitFor(() => live.some((m) => m.type === 'hello'), { what: 'the live hello' });

    const incident = await failSoftware(daemon);
    expect(incident).toMatchObject({ level: 3, priority: 'P2', status: 'open' });
    const response = incident.sla!.response;
    expect(Date.parse(response.dueAt!) - Date.parse(incident.createdAt)).toBe(4000);
    expect(Date.parse(response.warnAt!) - Date.parse(incident.createdAt)).toBe(2000);

    // The warning, then the breach, each at its instant and each once.
    const breach = await waitFor(async () => (await events(daemon, incident.id, 'sla.breached')).find((e) => e.data.clock === 'response'), { what: 'the response breach' });
    expectOnTime((await events(daemon, incident.id, 'sla.warning')).find((e) => e.data.clock === 'response'), response.warnAt);
    expectOnTime(breach, response.dueAt);

    // In /metrics, in the live feed, and as an `sla` comment on the vendor ticket.
    // Counters move once the commit is durable, a moment after the event can be read: wait for them.
    const metrics = await waitFor(async () => {
      const text = await (await fetch(`${daemon.url}/metrics`)).text();
      return /^escalatord_sla_breaches_total\{clock="response",priority="P2"\} 1$/m.test(text) ? text : null;
    }, { what: 'the breach in /metrics' });
    expect(metrics).toMatch(/^escalatord_sla_warnings_total\{clock="response",priority="P2"\} 1$/m);
    await waitFor(() => live.some((m) => m.type === 'sla.breached' && m.data.incidentId === incident.id), { what: 'sla.breached on the live feed' });
    expect(live.filter((m) => m.type === 'sla.warning' && m.data.incidentId === incident.id && m.data.clock === 'response')).toHaveLength(1);
    const ticketId = await waitFor(async () => (await stored(daemon, incident.id)).ticket?.id, { what: 'the vendor ticket' });
    const ticketUrl = `${daemon.simulators!.ticketing.url}/tickets/${ticketId}`;
    const slaComments = await waitFor(async () => {
      const ticket = (await (await fetch(ticketUrl)).json()) as { comments: Array<{ kind: string; body: string }> };
      const found = ticket.comments.filter((c) => c.kind === 'sla');
      return found.some((c) => c.body.includes('breached')) ? found : null;
    }, { what: 'an sla comment on the ticket' });
    expect(slaComments.map((c) => c.body.split(':')[0])).toEqual(['SLA warning', 'SLA breached']);

    // The breach engages management step 2: the sink hears it.
    expect((await stored(daemon, incident.id)).management.history[0]).toMatchObject({ step: 2, reason: 'sla-breach' });
    await waitFor(() => sink.received.some((m) => m.step === 2 && m.incidentId === incident.id), { what: 'step 2 at the sink' });
    expect(sink.received.find((m) => m.step === 2)).toMatchObject({ source: 'escalatord', contact: { title: 'Head of Support' } });

    // Step 2 acknowledges (the vendor's management works outside the desk: admin records it, L2 may not),
    // then shows no progress for the step window: step 3, for that reason.
    const ackBody = JSON.stringify({ step: 2, note: 'on it' });
    const byDesk = await api(daemon, `/api/v1/incidents/${incident.id}/management/acknowledge`, { method: 'POST', body: ackBody });
    expect(byDesk.status).toBe(403);
    const ack = await api(daemon, `/api/v1/incidents/${incident.id}/management/acknowledge`, { method: 'POST', body: ackBody, headers: { Authorization: `Bearer ${TOKENS.admin}` } });
    expect(ack.status).toBe(200);
    expect(((await ack.json()) as Incident).management.history[0].acknowledgedBy).toBe('admin');
    const step2At = (await stored(daemon, incident.id)).management.history[0].at;
    const step3 = await waitFor(async () => (await events(daemon, incident.id, 'management.escalated')).find((e) => e.data.step === 3), { what: 'step 3', timeoutMs: 8000 });
    expect(step3.data.reason).toBe('no-progress');
    expectOnTime(step3, new Date(Date.parse(step2At) + 4000).toISOString());
    await waitFor(() => sink.received.some((m) => m.step === 3), { what: 'step 3 at the sink' });

    // A complaint goes over step 3's head at once.
    const complaint = await api(daemon, `/api/v1/incidents/${incident.id}/complaint`, { method: 'POST', body: JSON.stringify({ note: 'nobody has called us back' }) });
    expect(complaint.status).toBe(200);
    expect(((await complaint.json()) as Incident).management).toMatchObject({ step: 4 });
    expect((await stored(daemon, incident.id)).management.history.map((r) => `${r.step}:${r.reason}`)).toEqual(['2:sla-breach', '3:no-progress', '4:complaint']);
    await waitFor(() => sink.received.some((m) => m.step === 4), { what: 'step 4 at the sink' });
    const again = await api(daemon, `/api/v1/incidents/${incident.id}/complaint`, { method: 'POST', body: JSON.stringify({ note: 'still nothing' }) });
    expect(again.status).toBe(409);

    const summary = (await (await api(daemon, '/api/v1/sla/summary')).json()) as { priorities: Record<string, Record<string, Record<string, number>>> };
    expect(summary.priorities.P2.response).toMatchObject({ breached: 1, running: 0 });
    expect(summary.priorities.P2.resolution.running + summary.priorities.P2.resolution.atRisk).toBe(1);
    expect(summary.priorities.P2.progress).toMatchObject({ running: 0, breached: 0 });
  });

  it('escalates an unacknowledged step 2 to step 3 at the end of its window after re-notifying it', { timeout: 30_000 }, async () => {
    const daemon = await start();
    const incident = await failSoftware(daemon);
    const step3 = await waitFor(async () => (await events(daemon, incident.id, 'management.escalated')).find((e) => e.data.step === 3), { what: 'step 3', timeoutMs: 12_000 });
    const step2 = (await stored(daemon, incident.id)).management.history[0];
    expect(step3.data.reason).toBe('unacknowledged');
    expectOnTime(step3, new Date(Date.parse(step2.at) + 4000).toISOString());
    // management.attempts defaults to 2: two reminders inside the window, then the next step.
    await waitFor(() => sink.received.filter((m) => m.step === 2).length === 3, { what: 'three step 2 notifications' });
    expect((await stored(daemon, incident.id)).management.history[0].attempts).toBe(3);
  });

  it('keeps a running clock\'s due time across a restart and fires its breach once, at the original instant', { timeout: 30_000 }, async () => {
    const first = await start();
    const incident = await failSoftware(first);
    const { dueAt, warnAt } = incident.sla!.response;
    expect(await events(first, incident.id, 'sla.warning')).toHaveLength(0);
    await first.stop();
    daemons.splice(daemons.indexOf(first), 1);

    const second = await start();
    expect((await stored(second, incident.id)).sla!.response.dueAt).toBe(dueAt);
    const breach = await waitFor(async () => (await events(second, incident.id, 'sla.breached')).find((e) => e.data.clock === 'response'), { what: 'the breach after the restart' });
    expectOnTime(breach, dueAt);
    expectOnTime((await events(second, incident.id, 'sla.warning')).find((e) => e.data.clock === 'response'), warnAt);
    // Nothing fires twice, neither now nor a little later.
    await new Promise((r) => setTimeout(r, 800));
    expect((await events(second, incident.id, 'sla.breached')).filter((e) => e.data.clock === 'response')).toHaveLength(1);
    expect((await events(second, incident.id, 'sla.warning')).filter((e) => e.data.clock === 'response')).toHaveLength(1);
    const metrics = await (await fetch(`${second.url}/metrics`)).text();
    expect(metrics).toMatch(/^escalatord_sla_breaches_total\{clock="response",priority="P2"\} 1$/m);
  });
});

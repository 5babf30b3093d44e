// End to end on real servers: the daemon with its built-in Monitoring Console and ticketing simulators,
// faults injected only through the console's control API, and everything else left to the daemon: the
// push webhook, the incident, the outbox, the ticket with its diagnostics, and the recovery comment.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app.js';
import { ConsoleSimulator } from '../../src/simulator/console-simulator.js';
import { drillConfig, incidents, inProcessDaemon, metricValue, postJson, scrape, tickets, type SimTicket } from '../fixtures/drills/kit.js';
import { sleep, waitFor } from '../helpers/net.js';
import { useTempDir } from '../helpers/tmp.js';

describe('escalation end to end with the built-in simulators', () => {
  const tmp = useTempDir(beforeEach, afterEach, 'escalatord-e2e-');
  let daemon: Daemon;
  let consoleUrl: string;
  let ticketingUrl: string;

  beforeEach(async () => {
    daemon = inProcessDaemon(drillConfig(tmp().path, {
      simulator: { enabled: true, consolePort: 0, ticketingPort: 0, servers: 6, customers: 2, faultRate: 0, faultInterval: '1h', pushWebhooks: true },
    }));
    await daemon.start();
    consoleUrl = daemon.simulators!.console.url!;
    ticketingUrl = daemon.simulators!.ticketing.url!;
    await postJson(`${consoleUrl}/control/faults`, { enabled: false });
    // The first poll imports the fleet; pushes for servers the daemon knows are then plain deltas.
    await waitFor(async () => (await daemon.store.read.servers.count()) === 6, { what: 'the first poll to import the fleet' });
  });

  afterEach(async () => {
    await daemon.stop();
  });

  const setComponent = async (serverId: string, name: string, status: string, message?: string) => {
    const res = await postJson(`${consoleUrl}/control/servers/${serverId}/components/${name}`, { status, message });
    expect(res.status).toBe(200);
  };
  const openFor = async (serverId: string) => incidents(daemon.url, `status=open&serverId=${serverId}`);

  it('turns a software failure into an L3 incident and a ticket carrying the diagnostics, then a recovery into a timeline entry and a recovery comment', async () => {
    await setComponent('srv-0002', 'backup', 'failed', 'backup job exited with code 3');

    const [incident] = await waitFor(async () => {
      const open = await openFor('srv-0002');
      return open.length > 0 ? open : null;
    }, { what: 'the software failure to open an incident' });
    expect(incident).toMatchObject({ level: 3, component: 'backup', componentKind: 'software', status: 'open', source: 'console' });

    const ticket = await waitFor(async () => (await tickets(ticketingUrl)).find((t) => t.externalId === incident.id), { what: 'the ticket at the ticketing simulator' });
    expect(ticket).toMatchObject({ serverId: 'srv-0002', component: 'backup' });
    expect(ticket.description).toContain(incident.id);
    // The simulator's diagnostics name the failed component and carry its message.
    expect(JSON.stringify(ticket.diagnostics)).toContain('backup');
    expect(JSON.stringify(ticket.diagnostics)).toContain('exited with code 3');

    const withTicket = await waitFor(async () => {
      const [i] = await openFor('srv-0002');
      return i.ticket?.state === 'created' ? i : null;
    }, { what: 'the incident to record its ticket' });
    expect(withTicket.ticket).toMatchObject({ id: ticket.id, adapter: 'generic' });
    expect(withTicket.diagnostics).not.toBeNull();

    await setComponent('srv-0002', 'backup', 'ok');
    const recovered: SimTicket = await waitFor(async () => {
      const t = (await tickets(ticketingUrl)).find((x) => x.id === ticket.id)!;
      return t.comments.some((c) => c.kind === 'recovery') ? t : null;
    }, { what: 'the recovery comment on the ticket' });
    expect(recovered.comments.filter((c) => c.kind === 'recovery')).toHaveLength(1);
    const after = await incidents(daemon.url, 'status=all&serverId=srv-0002');
    expect(after).toHaveLength(1);
    expect(after[0].timeline.map((t) => t.action)).toContain('recovered');
    expect(await tickets(ticketingUrl)).toHaveLength(1);
  });

  it('turns a hardware failure into an L2 incident and sends no ticket', async () => {
    await setComponent('srv-0003', 'disks', 'failed');
    const [incident] = await waitFor(async () => {
      const open = await openFor('srv-0003');
      return open.length > 0 ? open : null;
    }, { what: 'the hardware failure to open an incident' });
    expect(incident).toMatchObject({ level: 2, component: 'disks', componentKind: 'hardware' });
    expect(incident.ticket).toBeNull();
    // Give the outbox every chance to send something it should not.
    await sleep(500);
    expect(await tickets(ticketingUrl)).toEqual([]);
    expect((await daemon.store.read.outbox.forIncident(incident.id)).filter((o) => o.kind.startsWith('ticket.'))).toEqual([]);
  });

  it('turns an unreachable server into an L2 connectivity incident and no ticket', async () => {
    const res = await postJson(`${consoleUrl}/control/servers/srv-0004/reachable`, { reachable: false });
    expect(res.status).toBe(200);
    const [incident] = await waitFor(async () => {
      const open = await openFor('srv-0004');
      return open.length > 0 ? open : null;
    }, { what: 'the unreachable server to open an incident' });
    expect(incident).toMatchObject({ level: 2, component: null, serverId: 'srv-0004' });
    expect(incident.title).toMatch(/unreachable/);
    await sleep(300);
    expect(await tickets(ticketingUrl)).toEqual([]);
  });
});

describe('console outage drill', () => {
  const tmp = useTempDir(beforeEach, afterEach, 'escalatord-e2e-');
  let sim: ConsoleSimulator;
  let daemon: Daemon;

  beforeEach(async () => {
    sim = new ConsoleSimulator({ servers: 4, customers: 1, faultRate: 0, faults: false, faultInterval: 3_600_000, logger: pino({ level: 'silent' }) });
    const { url } = await sim.start();
    // A console named like the built-in one, polled quickly so the outage shows soon. The outage is a
    // 503, not silence: a call still gets all the time a busy machine may need.
    daemon = inProcessDaemon(drillConfig(tmp().path, {
      consoles: [{ id: 'sim', url, pollInterval: '300ms', jitter: '10ms', timeout: '30s', concurrency: 4 }],
    }));
    await daemon.start();
    await waitFor(async () => (await daemon.store.read.servers.count()) === 4, { what: 'the first poll' });
  });

  afterEach(async () => {
    await daemon.stop();
    await sim.stop();
  });

  it('opens no incident while the console is down, reports console_up 0, and sees the fault once the console is back', async () => {
    const consoleUp = async () => metricValue(await scrape(daemon.url), 'escalatord_console_up', { console: 'sim' });
    // The gauge is set once a poll's reports are applied, a moment after the servers appear.
    await waitFor(async () => (await consoleUp()) === 1, { what: 'console_up 1 after the first poll' });
    await postJson(`${sim.url}/control/outage`, { down: true });
    await postJson(`${sim.url}/control/servers/srv-0001/components/backup`, { status: 'failed' });

    await waitFor(async () => (await consoleUp()) === 0, { what: 'console_up to drop to 0' });
    // Several polls while the console is down (counted, not guessed from a sleep): none of them may read
    // its silence as unreachable servers.
    const polls = async () => metricValue(await scrape(daemon.url), 'escalatord_console_poll_duration_seconds_count', { console: 'sim' }) ?? 0;
    const downAt = await polls();
    await waitFor(async () => (await polls()) >= downAt + 3, { what: 'three more polls while the console is down' });
    expect(await incidents(daemon.url)).toEqual([]);
    expect(await consoleUp()).toBe(0);
    const loggedTypes = async () => ((await daemon.store.read.events.since(0, 100_000)) ?? []).map((e) => e.type);
    const events = await loggedTypes();
    expect(events.filter((t) => t === 'console.down')).toHaveLength(1);
    expect(events).not.toContain('incident.created');

    await postJson(`${sim.url}/control/outage`, { down: false });
    const [incident] = await waitFor(async () => {
      const open = await incidents(daemon.url, 'status=open');
      return open.length > 0 ? open : null;
    }, { what: 'the failure to be seen once the console is back' });
    expect(incident).toMatchObject({ serverId: 'srv-0001', component: 'backup', level: 3 });
    await waitFor(async () => (await consoleUp()) === 1, { what: 'console_up back to 1' });
    expect(await loggedTypes()).toContain('console.up');
  });
});

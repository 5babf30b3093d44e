// The ticketing system in trouble, end to end: a 503 outage with Retry-After during which tickets wait
// in the outbox and then arrive exactly once, and a 400 that is dead-lettered in plain sight and never retried.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/app.js';
import { drillConfig, incidents, inProcessDaemon, metricValue, postJson, scrape, tickets } from '../fixtures/drills/kit.js';
import { sleep, waitFor } from '../helpers/net.js';
import { useTempDir } from '../helpers/tmp.js';

interface Stats { requests: number; injectedFailures: number; ticketsCreated: number; duplicateCreates: number }

describe('the ticketing system fails', () => {
  const tmp = useTempDir(beforeEach, afterEach, 'escalatord-outage-');
  let daemon: Daemon;
  let consoleUrl: string;
  let ticketingUrl: string;

  beforeEach(async () => {
    daemon = inProcessDaemon(drillConfig(tmp().path, {
      simulator: { enabled: true, consolePort: 0, ticketingPort: 0, servers: 8, customers: 2, faultRate: 0, faultInterval: '1h', pushWebhooks: true },
    }));
    await daemon.start();
    consoleUrl = daemon.simulators!.console.url!;
    ticketingUrl = daemon.simulators!.ticketing.url!;
    await waitFor(async () => (await daemon.store.read.servers.count()) === 8, { what: 'the first poll to import the fleet' });
  });

  afterEach(async () => {
    await daemon.stop();
  });

  const fail = (serverId: string, component = 'email') => postJson(`${consoleUrl}/control/servers/${serverId}/components/${component}`, { status: 'failed' });
  const stats = async () => (await (await fetch(`${ticketingUrl}/control/stats`)).json()) as Stats;

  it('keeps tickets in the outbox through a 503 outage with Retry-After, then delivers each exactly once', async () => {
    expect((await postJson(`${ticketingUrl}/control/fail`, { status: 503, retryAfter: 1 })).status).toBe(200);
    const servers = ['srv-0001', 'srv-0002', 'srv-0003', 'srv-0004', 'srv-0005'];
    for (const s of servers) await fail(s);
    await waitFor(async () => (await incidents(daemon.url, 'status=open')).length === servers.length, { what: 'five incidents' });

    // During the outage the tickets wait, and the gauge says so.
    await waitFor(async () => (await stats()).injectedFailures >= servers.length, { what: 'the dispatcher to hit the outage' });
    const during = await scrape(daemon.url);
    expect(metricValue(during, 'escalatord_ticket_outbox_pending')).toBeGreaterThan(0);
    expect(metricValue(during, 'escalatord_ticket_requests_total', { operation: 'create', outcome: 'server-error' })).toBeGreaterThan(0);
    // (The simulator's GET /tickets fails too during the outage; its control API does not.)
    expect((await stats()).ticketsCreated).toBe(0);
    await sleep(1_500);
    expect(metricValue(await scrape(daemon.url), 'escalatord_ticket_outbox_pending')).toBeGreaterThan(0);
    expect(await daemon.store.read.outbox.deadLetters(100)).toEqual([]);

    expect((await fetch(`${ticketingUrl}/control/fail`, { method: 'DELETE' })).status).toBe(200);
    await waitFor(async () => (await tickets(ticketingUrl)).length >= servers.length, { timeoutMs: 15_000, what: 'every ticket after the outage' });
    await waitFor(async () => (await daemon.store.read.outbox.pending()) === 0, { what: 'the outbox to drain' });
    // A moment more, so a duplicate sent late would be counted too.
    await sleep(500);

    const all = await tickets(ticketingUrl);
    const open = await incidents(daemon.url, 'status=open');
    const perExternalId = new Map<string, number>();
    for (const t of all) perExternalId.set(t.externalId, (perExternalId.get(t.externalId) ?? 0) + 1);
    expect([...perExternalId.keys()].sort()).toEqual(open.map((i) => i.id).sort());
    expect([...perExternalId.values()].every((n) => n === 1)).toBe(true);
    expect(open.every((i) => i.ticket?.state === 'created')).toBe(true);
    expect((await stats()).ticketsCreated).toBe(servers.length);
    expect(metricValue(await scrape(daemon.url), 'escalatord_ticket_outbox_pending')).toBe(0);
    expect(metricValue(await scrape(daemon.url), 'escalatord_ticket_dead_letters_total')).toBe(0);
  });

  it('dead-letters a ticket the ticketing system answers 400, shows it, and does not retry it', async () => {
    expect((await postJson(`${ticketingUrl}/control/fail`, { status: 400, count: 1 })).status).toBe(200);
    await fail('srv-0006', 'antivirus');

    const incident = await waitFor(async () => {
      const [i] = await incidents(daemon.url, 'status=open&serverId=srv-0006');
      return i?.ticket?.state === 'failed' ? i : null;
    }, { what: 'the ticket to be marked failed' });
    expect(incident.timeline.map((t) => t.action)).toContain('ticket-failed');

    // The counter moves once the dead letter is durable, a moment after the incident shows it.
    await waitFor(async () => metricValue(await scrape(daemon.url), 'escalatord_ticket_dead_letters_total') === 1, { what: 'ticket_dead_letters_total 1' });
    const failed = ((await daemon.store.read.events.since(0, 100_000)) ?? []).filter((e) => e.type === 'ticket.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].data).toMatchObject({ incidentId: incident.id, operation: 'create', status: 400, reason: 'client-error' });
    expect(await daemon.store.read.outbox.deadLetters(100)).toMatchObject([{ incidentId: incident.id, kind: 'ticket.create', status: 400 }]);
    expect(await daemon.store.read.outbox.pending()).toBe(0);

    // The injected failure was for one request only: a retry would now succeed and show up as a ticket.
    const before = (await stats()).requests;
    await sleep(1_500);
    expect((await stats()).requests).toBe(before);
    expect(await tickets(ticketingUrl)).toEqual([]);
  });
});

// Issue 11, "comments after a failed ticket creation are dead-lettered one by one", on the real daemon
// in-process with the ticketing simulator's fault control: the creation the ticketing system refuses for
// good (400) is dead-lettered and shown on the incident (ticket.state `failed`, with the reason); later
// comments — the recovery, the SLA warning and breach — wait for the ticket instead of being
// dead-lettered; `POST /api/v1/incidents/{id}/ticket/retry` (l2, admin; not l1) creates the ticket and the
// waiting comments follow it. The SLA instants come by a jump of the injected clock and a wake-up the
// test asks for.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  componentOf, serversOf, setConsoleComponent, startDaemonInProcess, ticketFor, TOKEN_NAMES, type InProcessDaemon,
} from '../helpers/daemon-in-process.js';
import { waitFor } from '../helpers/net.js';
import { firstPoll, getIncident, movableClock, seriesValue, type MovableClock } from './fixtures/issue11-kit.js';

const WAITING = 'waiting for the ticket';

describe('a ticket creation refused for good (issue 11)', () => {
  let d: InProcessDaemon;
  let clock: MovableClock;
  beforeEach(async () => {
    clock = movableClock();
    d = await startDaemonInProcess({
      now: clock.now,
      config: {
        sla: { priorities: { P2: { respond: '1m', progressEvery: '2m', resolve: '10m', calendar: '24x7' } } },
        management: { workingDay: '24x7' },
        ticketing: { backoffBase: '50ms', backoffCap: '500ms' },
      },
    });
    await firstPoll(d);
  });
  afterEach(() => d.stop());

  it('keeps later comments waiting, shows the failure on the incident, and sends them after a retry by L2', async () => {
    const ticketingUrl = d.daemon.simulators!.ticketing.url!;
    const fail = await fetch(`${ticketingUrl}/control/fail`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 400, count: 1 }) });
    expect(fail.status).toBe(200);

    const [serverId] = serversOf(d, 'acme');
    const component = componentOf(d, serverId, 'software');
    await setConsoleComponent(d, serverId, component, 'failed', 'service terminated');
    const { id } = await waitFor(() => d.daemon.store.read.incidents.openFor(serverId, component), { what: 'the software failure incident' });

    // The refusal is on the incident, with its reason.
    const failed = await waitFor(async () => {
      const i = await getIncident(d, id);
      return i.ticket?.state === 'failed' ? i : null;
    }, { what: 'ticket.state failed' });
    expect(failed.ticket).toMatchObject({ state: 'failed', id: null, error: expect.stringMatching(/client-error.*400/) });
    expect(failed.timeline.map((e) => e.action)).toContain('ticket-failed');

    // The component recovers, and the response clock warns and breaches (which also calls management step 2):
    // four comments for a ticket that does not exist.
    await setConsoleComponent(d, serverId, component, 'ok');
    clock.jump(2 * 60_000);
    await d.daemon.clocks.wake(id);
    const comments = async () => (await d.daemon.store.read.outbox.forIncident(id)).filter((o) => o.kind === 'ticket.comment');
    // The dispatcher has looked at the first (one lane per incident keeps them in order) and held it.
    const waiting = await waitFor(async () => {
      const items = await comments();
      return items.length === 4 && items[0].lastError === WAITING ? items : null;
    }, { what: 'the recovery comment to wait for the ticket' });
    expect(waiting.map((o) => o.payload.kind)).toEqual(['recovery', 'sla', 'sla', 'escalation']);
    expect((await d.daemon.store.read.outbox.deadLetters(100)).map((x) => [x.incidentId, x.kind])).toEqual([[id, 'ticket.create']]);
    expect(await seriesValue(d, 'escalatord_ticket_dead_letters_total')).toBe(1);
    expect(d.daemon.simulators!.ticketing.book.list({ externalId: id })).toEqual([]);

    // L1 may not retry it; L2 may.
    const byL1 = await d.api('l1', 'POST', `/api/v1/incidents/${id}/ticket/retry`, {});
    expect(byL1.status).toBe(403);
    const byL2 = await d.api('l2', 'POST', `/api/v1/incidents/${id}/ticket/retry`, {});
    expect(byL2.status, await byL2.clone().text()).toBe(200);
    expect(((await byL2.json()) as { ticket: { state: string } }).ticket.state).toBe('pending');

    const { ticket, incident } = await ticketFor(d, id);
    expect(incident.ticket).toMatchObject({ state: 'created', id: ticket.id });
    expect(incident.timeline.find((e) => e.action === 'ticket-retry')).toMatchObject({ actor: { name: TOKEN_NAMES.l2 } });
    // The comments that waited follow the ticket, in the order they were made.
    const sent = await waitFor(() => {
      const kinds = d.daemon.simulators!.ticketing.book.get(ticket.id)!.comments.map((c) => c.kind);
      return kinds.length >= 4 ? kinds : null;
    }, { what: 'the waiting comments on the new ticket' });
    expect(sent).toEqual(['recovery', 'sla', 'sla', 'escalation']);
    await waitFor(async () => (await d.daemon.store.read.outbox.forIncident(id)).every((o) => o.kind !== 'ticket.comment'), { what: 'the comments to leave the outbox' });
    expect(await d.daemon.store.read.outbox.deadLetters(100)).toHaveLength(1);
  });
});

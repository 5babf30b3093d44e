// Issue 11, "auto-resolve ignores people", on the real daemon in-process (real store file, both
// simulators): a recovered incident resolves itself after the stable window only where no person has
// acted on it. One an L2 engineer escalated to L3 with notes is marked recovered and waits for a person;
// its vendor ticket is not closed. The daemon's clock is injected and jumped past the window; the test
// runs the sweep itself.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/types.js';
import { serversOf, startDaemonInProcess, ticketFor, TOKEN_NAMES, type InProcessDaemon } from '../helpers/daemon-in-process.js';
import { waitFor } from '../helpers/net.js';
import { firstPoll, getIncident, movableClock, setReachable, type MovableClock } from './fixtures/issue11-kit.js';

const STABLE_MS = 10 * 60_000;

describe('auto-resolve after a recovery (issue 11)', () => {
  let d: InProcessDaemon;
  let clock: MovableClock;
  beforeEach(async () => {
    clock = movableClock();
    d = await startDaemonInProcess({ now: clock.now, config: { routing: { autoResolveAfter: '10m' } } });
    await firstPoll(d);
  });
  afterEach(() => d.stop());

  /** The server goes unreachable: the daemon opens its L2 connectivity incident. */
  async function unreachable(serverId: string): Promise<Incident> {
    await setReachable(d, serverId, false);
    return waitFor(() => d.daemon.store.read.incidents.openFor(serverId, null), { what: `the unreachable incident of ${serverId}` });
  }

  it('leaves an unreachable-then-recovered incident that L2 escalated to L3 with notes open and marked recovered, and resolves an untouched one', async () => {
    const [worked, untouched] = serversOf(d, 'acme');
    const escalatedOne = await unreachable(worked);
    const untouchedOne = await unreachable(untouched);
    expect(escalatedOne).toMatchObject({ level: 2, component: null, source: 'poll' });

    const res = await d.api('l2', 'POST', `/api/v1/incidents/${escalatedOne.id}/escalate`, { notes: 'needs vendor action: the host stops answering every night at 02:00' });
    expect(res.status, await res.clone().text()).toBe(200);
    const { ticket } = await ticketFor(d, escalatedOne.id);

    await setReachable(d, worked, true);
    await setReachable(d, untouched, true);
    expect((await getIncident(d, escalatedOne.id)).recoveredAt).not.toBeNull();
    expect((await getIncident(d, untouchedOne.id)).recoveredAt).not.toBeNull();

    clock.jump(STABLE_MS + 60_000);
    await d.daemon.sweeper.sweep();

    const resolved = await getIncident(d, untouchedOne.id);
    expect(resolved).toMatchObject({ status: 'resolved', rootCause: 'server' });
    expect(resolved.timeline.at(-1)).toMatchObject({ action: 'resolved', actor: { kind: 'system', name: 'escalatord' } });

    const waiting = await getIncident(d, escalatedOne.id);
    expect(waiting).toMatchObject({ status: 'open', level: 3 });
    expect(waiting.recoveredAt).not.toBeNull();
    expect(waiting.timeline.map((e) => [e.action, e.actor.name])).toEqual([
      ['created', 'escalatord'], ['escalated', TOKEN_NAMES.l2], ['ticket-created', 'escalatord'], ['recovered', 'escalatord'],
    ]);
    // Nothing will close the vendor's ticket: no resolve waits in the outbox, and the ticket is still open.
    expect((await d.daemon.store.read.outbox.forIncident(escalatedOne.id)).map((o) => o.kind)).not.toContain('ticket.resolve');
    expect(d.daemon.simulators!.ticketing.book.get(ticket.id)?.state).not.toBe('resolved');

    // It resolves when a person says so: here the vendor, who holds it at L3.
    const byVendor = await d.api('l3', 'POST', `/api/v1/incidents/${escalatedOne.id}/resolve`, { rootCause: 'internet-connection', note: 'ISP replaced the line' });
    expect(byVendor.status).toBe(200);
    expect((await getIncident(d, escalatedOne.id)).timeline.at(-1)).toMatchObject({ action: 'resolved', actor: { name: TOKEN_NAMES.l3 } });
  });
});

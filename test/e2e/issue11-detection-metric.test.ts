// Issue 11, "a manual escalation counts as detection time", on the real daemon in-process:
// escalatord_detection_to_ticket_seconds measures the no-human path of DESIGN §5 — monitoring detects a
// failed software component and the vendor ticket follows. A ticket that exists because a person escalated
// (an L1 report, or a monitoring incident L2 took to L3 with notes) records no sample. The daemon's clock
// is injected, so the degraded grace period passes by a jump and a sweep the test runs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/types.js';
import {
  componentOf, serversOf, setConsoleComponent, startDaemonInProcess, TEST_CONTACTS, ticketFor, type InProcessDaemon,
} from '../helpers/daemon-in-process.js';
import { waitFor } from '../helpers/net.js';
import { firstPoll, movableClock, seriesValue, type MovableClock } from './fixtures/issue11-kit.js';

const SAMPLES = 'escalatord_detection_to_ticket_seconds_count';

describe('escalatord_detection_to_ticket_seconds (issue 11)', () => {
  let d: InProcessDaemon;
  let clock: MovableClock;
  beforeEach(async () => {
    clock = movableClock();
    d = await startDaemonInProcess({ now: clock.now });
    await firstPoll(d);
  });
  afterEach(() => d.stop());

  async function json<T>(res: Response, status: number): Promise<T> {
    const text = await res.text();
    expect(res.status, text).toBe(status);
    return JSON.parse(text) as T;
  }

  it('records no sample for tickets made by manual escalations to L3, and one for a software failure monitoring detected', async () => {
    const [reported, degraded] = serversOf(d, 'acme');
    const [failing] = serversOf(d, 'globex');

    // An L1 report on a software component, escalated by L1 to L2 and by L2 to L3 with notes.
    const logged = await json<Incident>(await d.api('l1', 'POST', '/api/v1/incidents', {
      type: 'fault', customerId: 'acme', serverId: reported, reporter: TEST_CONTACTS.acme, symptoms: ['mail stuck in the outbox'],
      component: componentOf(d, reported, 'software'),
    }), 201);
    await json<Incident>(await d.api('l1', 'POST', `/api/v1/incidents/${logged.id}/escalate`, { reason: 'not a client problem' }), 200);
    await json<Incident>(await d.api('l2', 'POST', `/api/v1/incidents/${logged.id}/escalate`, { notes: 'reproduced on the server itself' }), 200);
    await ticketFor(d, logged.id);

    // A monitoring incident on a software component (degraded past its grace: L2), which L2 takes to L3 with notes.
    const component = componentOf(d, degraded, 'software');
    await setConsoleComponent(d, degraded, component, 'degraded', 'queue growing');
    clock.jump(16 * 60_000);
    await d.daemon.sweeper.sweep();
    const slow = await waitFor(() => d.daemon.store.read.incidents.openFor(degraded, component), { what: 'the degraded incident' });
    expect(slow).toMatchObject({ level: 2, source: 'poll', componentKind: 'software' });
    await json<Incident>(await d.api('l2', 'POST', `/api/v1/incidents/${slow.id}/escalate`, { notes: 'the queue never drains; vendor fix needed' }), 200);
    await ticketFor(d, slow.id);

    // Give the metrics of both ticket commits time to land (they move after the commit), then: no sample.
    await waitFor(async () => (await seriesValue(d, 'escalatord_ticket_requests_total{adapter="generic",operation="create",outcome="success"}')) === 2, { what: 'two ticket creations counted' });
    expect(await seriesValue(d, SAMPLES)).toBe(0);

    // The path the metric is for: a software failure the console shows, straight to L3 and a ticket.
    await setConsoleComponent(d, failing, componentOf(d, failing, 'software'), 'failed', 'service terminated');
    const detected = await waitFor(() => d.daemon.store.read.incidents.openFor(failing, componentOf(d, failing, 'software')), { what: 'the software failure incident' });
    expect(detected).toMatchObject({ level: 3, source: 'poll' });
    await ticketFor(d, detected.id);
    // Exactly one: the manual tickets' commits are long done by now, so a sample of theirs would show.
    await waitFor(async () => (await seriesValue(d, SAMPLES)) === 1, { what: 'one detection-to-ticket sample' });
  });
});

// Issue 12, "a ticket the ticketing system no longer knows": the ticketing simulator forgets its tickets
// (its control reset is what a restart without its state file does), and the next call escalatord makes
// on an existing ticket answers 404. The incident then shows its ticket as `missing` through the API, and
// escalatord_tickets_missing_total rises — not only a log line.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { componentOf, serversOf, setConsoleComponent, startDaemonInProcess, ticketFor, type InProcessDaemon } from '../helpers/daemon-in-process.js';
import { waitFor } from '../helpers/net.js';
import { firstPoll, getIncident, seriesValue } from './fixtures/issue11-kit.js';

describe('a ticket the ticketing system no longer knows (issue 12)', () => {
  let d: InProcessDaemon;
  beforeEach(async () => {
    d = await startDaemonInProcess({ config: { ticketing: { backoffBase: '50ms', backoffCap: '500ms' } } });
    await firstPoll(d);
  });
  afterEach(() => d.stop());

  it('shows the ticket missing on the incident and counts it, after the ticketing simulator restarts without its state', async () => {
    const [serverId] = serversOf(d, 'acme');
    const component = componentOf(d, serverId, 'software');
    await setConsoleComponent(d, serverId, component, 'failed', 'service terminated');
    const { id } = await waitFor(() => d.daemon.store.read.incidents.openFor(serverId, component), { what: 'the software failure incident' });
    const { ticket } = await ticketFor(d, id);
    expect(await seriesValue(d, 'escalatord_tickets_missing_total')).toBe(0);

    const reset = await fetch(`${d.daemon.simulators!.ticketing.url!}/control/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    // The recovery is a comment on the ticket: the first call that finds it gone.
    await setConsoleComponent(d, serverId, component, 'ok');

    const shown = await waitFor(async () => {
      const incident = await getIncident(d, id);
      return incident.ticket?.state === 'missing' ? incident : null;
    }, { what: 'ticket.state missing on the incident' });
    expect(shown.ticket).toMatchObject({ id: ticket.id, state: 'missing', error: expect.stringMatching(/404/) });
    expect(shown.timeline.map((e) => e.action)).toContain('ticket-failed');
    expect(await seriesValue(d, 'escalatord_tickets_missing_total')).toBe(1);
  });
});

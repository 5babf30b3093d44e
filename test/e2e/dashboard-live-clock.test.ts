// The dashboard's triage against the real daemon whose clock the test moves instead of waiting: the
// order (breached first, then at risk), the header counts, and countdowns read on the daemon's clock,
// not the browser's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Incident } from '../../src/domain/types.js';
import { componentOf, setConsoleComponent, startDaemonInProcess, type InProcessDaemon } from '../helpers/daemon-in-process.js';
import { waitFor } from '../helpers/net.js';
import { artifacts, expectClean, launch, openAs, openFor, openIncidents, skipBrowser } from './fixtures/dashboard-browser.js';

describe.skipIf(skipBrowser)('triage order against the real daemon on a moved clock', () => {
  let d: InProcessDaemon;
  let browser: Browser;
  /** The daemon's clock runs `skew` ms ahead of the wall clock; the test moves it instead of waiting. */
  let skew = 0;

  beforeAll(async () => {
    d = await startDaemonInProcess({
      now: () => new Date(Date.now() + skew),
      config: {
        simulator: { servers: 6, customers: 3 },
        routing: { hardwarePriority: 'P3', unreachablePriority: 'P1' },
        sla: {
          warnAt: 0.75,
          priorities: {
            P1: { respond: '20m', progressEvery: '1h', resolve: '8h', calendar: '24x7' },
            P3: { respond: '10m', progressEvery: '1h', resolve: '8h', calendar: '24x7' },
          },
        },
      },
    });
    await waitFor(async () => (await d.daemon.store.read.servers.get('srv-0006')) !== undefined, { what: 'the first poll' });
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    await d?.stop();
  });

  it('sorts a breached P3 above an at-risk P1, and the header counts match the API', async () => {
    const [hwServer, downServer] = ['srv-0001', 'srv-0002'];
    const hardware = componentOf(d, hwServer, 'hardware');
    await setConsoleComponent(d, hwServer, hardware, 'failed', 'disk 2 failed');
    const breaching = await openFor(d, hwServer, hardware);
    await fetch(`${d.daemon.simulators!.console.url}/control/servers/${downServer}/reachable`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reachable: false }),
    });
    await d.daemon.pollers!.get('sim')!.pollNow();
    const atRisk = await openFor(d, downServer, null);

    // 16 minutes on: the P3's 10-minute response is breached, the P1's 20-minute one is past its 75 % warning.
    skew = 16 * 60_000;
    await d.daemon.clocks.wake(breaching);
    await d.daemon.clocks.wake(atRisk);
    const api = await openIncidents(d);
    const byId = new Map(api.map((i) => [i.id, i]));
    expect(byId.get(breaching)!.sla!.response.state).toBe('breached');
    expect(byId.get(atRisk)!.sla!.response.state).toBe('at-risk');

    const page = await openAs(browser, d, 'l2');
    const lane = page.locator('ol[data-lane="2"] li.card');
    await expect.poll(() => lane.evaluateAll((els) => els.map((el) => el.getAttribute('data-id')))).toEqual([breaching, atRisk]);
    expect(await page.locator(`li.card[data-id="${breaching}"] .sla[data-clock="response"]`).getAttribute('class')).toContain('sla-breach');
    expect(await page.locator(`li.card[data-id="${atRisk}"] .sla[data-clock="response"]`).getAttribute('class')).toContain('sla-warn');
    // Counted from the daemon's clock, 16 minutes ahead of this machine's: 6 minutes over, 4 minutes left.
    await expect.poll(() => page.locator(`li.card[data-id="${breaching}"] .sla[data-clock="response"] time`).textContent()).toMatch(/^✕ 6m \d\ds over$/);
    await expect.poll(() => page.locator(`li.card[data-id="${atRisk}"] .sla[data-clock="response"] time`).textContent()).toMatch(/^⚠ 3m [45]\ds left$/);
    await page.getByRole('button', { name: 'List' }).click();
    await expect.poll(() => page.locator('#list tbody tr.row').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')))).toEqual([breaching, atRisk]);

    const states = (i: Incident) => Object.values(i.sla ?? {}).map((c) => c);
    const expected = {
      open: api.length,
      breached: api.filter((i) => states(i).some((c) => c.state === 'breached' && !c.metAt)).length,
      atRisk: api.filter((i) => !states(i).some((c) => c.state === 'breached' && !c.metAt) && states(i).some((c) => c.state === 'at-risk')).length,
      unacknowledged: api.filter((i) => i.status === 'open').length,
      p1: api.filter((i) => i.priority === 'P1').length,
    };
    expect(expected).toEqual({ open: 2, breached: 1, atRisk: 1, unacknowledged: 2, p1: 1 });
    for (const [key, value] of Object.entries(expected)) {
      expect(await page.locator(`[data-count-of="${key}"] b`).textContent(), key).toBe(String(value));
    }
    await page.screenshot({ path: `${artifacts}live-triage-list-1440.png` });
    await page.getByRole('button', { name: 'Board' }).click();
    await page.locator('#board').waitFor();
    await page.screenshot({ path: `${artifacts}live-triage-board-1440.png` });
    await expectClean(page);
    await page.close();
  });
});

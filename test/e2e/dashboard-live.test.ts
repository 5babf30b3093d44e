// The dashboard page in a real browser (Debian chromium) against the real daemon: the composition root
// in-process with the built-in console and ticketing simulators, a real store, real REST and live feed.
// The page is opened from the daemon's own address, so its static files, CSP and reference routes are
// the daemon's wiring, not the test's. Faults are injected through the console simulator's control API
// and seen by a poll; what the page shows is checked against what the API answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { componentOf, serversOf, setConsoleComponent, startDaemonInProcess, ticketFor, TEST_CONTACTS, type InProcessDaemon } from '../helpers/daemon-in-process.js';
import { waitFor } from '../helpers/net.js';
import { apiIncident, artifacts, expectClean, launch, openAs, openFor, openIncidents, skipBrowser, VIEWPORT } from './fixtures/dashboard-browser.js';

describe.skipIf(skipBrowser)('dashboard page against the real daemon', () => {
  let d: InProcessDaemon;
  let browser: Browser;

  beforeAll(async () => {
    d = await startDaemonInProcess({ config: { simulator: { servers: 12, customers: 3 }, consoles: [] } });
    // The first poll runs at start; the page should open on a known fleet, not an empty one.
    await waitFor(async () => (await d.daemon.store.read.servers.get('srv-0012')) !== undefined, { what: 'the first poll of 12 servers' });
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    await d?.stop();
  });

  it('opens an incident from the board and from its URL, with its diagnostics and timeline, names from the first paint', async () => {
    await setConsoleComponent(d, 'srv-0001', 'backup', 'failed', 'backup job exited with code 3');
    const id = await openFor(d, 'srv-0001', 'backup');
    const { ticket } = await ticketFor(d, id);
    await waitFor(async () => (await apiIncident(d, id)).diagnostics?.data, { what: 'diagnostics on the incident' });

    const page = await openAs(browser, d, 'l2');
    const card = page.locator(`ol[data-lane="3"] li.card[data-id="${id}"]`);
    await card.waitFor();
    // Customer and server names on the first paint: the reference routes are read before the snapshot.
    expect(await card.locator('.card-meta').textContent()).toContain('acme-hq-01 · Acme Ltd');
    await expect.poll(() => card.locator('[data-fact="ticket"]').textContent()).toContain(ticket.id);

    await card.locator('.card-title a').click();
    await expect.poll(() => new URL(page.url()).hash).toBe(`#incident=${id}`);
    const detail = page.locator('#detail');
    await expect.poll(() => detail.locator('#detail-title').textContent()).toContain('backup');
    expect(await detail.locator('.facts').first().textContent()).toMatch(/Acme Ltd \(acme\).*acme-hq-01 \(srv-0001\).*backup \(software\)/);
    expect(await detail.locator('.ticket-link').getAttribute('href')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/tickets\//);
    const diagnostics = detail.locator('details.diagnostics');
    await diagnostics.locator('summary').click();
    await expect.poll(() => diagnostics.locator('pre.diag').textContent()).toMatch(/\{[\s\S]+\}/);
    // Reading the diagnostics keeps what the incident is and what can be done with it on screen.
    const onScreen = (selector: string) => page.locator(selector).evaluate((el, height) => {
      const r = el.getBoundingClientRect();
      return r.height > 0 && r.top >= 0 && r.bottom <= height;
    }, VIEWPORT.height);
    expect(await onScreen('#detail-title')).toBe(true);
    expect(await onScreen('#detail-actions .action-bar')).toBe(true);
    expect(await diagnostics.locator('pre.diag').evaluate((el, height) => el.getBoundingClientRect().top < height, VIEWPORT.height)).toBe(true);
    const api = await apiIncident(d, id);
    const entries = detail.locator('.timeline li');
    await expect.poll(() => entries.count()).toBe(api.timeline.length);
    const actions = await entries.evaluateAll((els) => els.map((el) => el.getAttribute('data-action')));
    expect(actions).toEqual(expect.arrayContaining(['created', 'ticket-created']));
    expect(actions[actions.length - 1]).toBe('created'); // newest first
    expect(await detail.locator('.calendar-note').textContent()).toMatch(/business hours Mon–Fri 09:00–17:30 Europe\/London — (running now|paused now, resumes)/);
    await page.screenshot({ path: `${artifacts}live-detail-1440.png` });
    await expectClean(page);
    await page.close();

    // The same link pasted into another browser opens the same incident; a viewer gets no action.
    const viewer = await openAs(browser, d, 'viewer', `&incident=${id}`);
    await expect.poll(() => viewer.locator('#detail-title').textContent()).toBe(api.title);
    expect(await viewer.locator('#detail form, #detail-actions button').count()).toBe(0);
    expect(await viewer.locator('main button[data-action]').count()).toBe(0);
    expect(await viewer.locator('#log-open').isVisible()).toBe(false);
    expect(await viewer.locator('#who').textContent()).toContain('read-only');
    await expectClean(viewer);
    await viewer.close();
  });

  it('takes an L2 hardware fault from new to resolved with a root cause without leaving the page, and the API reports it resolved', async () => {
    const server = 'srv-0002';
    const hardware = componentOf(d, server, 'hardware');
    await setConsoleComponent(d, server, hardware, 'failed', 'disk 2 failed: SMART status BAD');
    const id = await openFor(d, server, hardware);
    const page = await openAs(browser, d, 'l2');
    await page.locator(`ol[data-lane="2"] li.card[data-id="${id}"] .card-title a`).click();
    const detail = page.locator('#detail');
    await detail.locator('#detail-title').waitFor();
    const pill = detail.locator('.detail-head .pill').first();

    await detail.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await expect.poll(() => pill.textContent()).toBe('Acknowledged');

    await detail.locator('details[data-panel="progress"] summary').click();
    await detail.getByLabel('Progress note').fill('Replacement disk ordered; RAID rebuilding on the hot spare.');
    await detail.getByRole('button', { name: 'Report progress' }).click();
    await expect.poll(() => pill.textContent()).toBe('In progress');

    await detail.locator('details[data-panel="status"] summary').click();
    await detail.getByLabel('New status').selectOption('awaiting-customer');
    await detail.getByRole('button', { name: 'Set status' }).click();
    await expect.poll(() => pill.textContent()).toBe('Awaiting customer');
    await expect.poll(() => detail.locator('.sla[data-clock="resolution"]').textContent()).toContain('paused');

    await detail.locator('details[data-panel="resolve"] summary').click();
    const resolve = detail.locator('form[data-action="resolve"]');
    // Without a root cause the page asks for one, next to the button, before the daemon is bothered.
    await resolve.getByRole('button', { name: 'Resolve' }).click();
    await expect.poll(() => resolve.locator('.form-error').textContent()).toContain('root cause');
    expect((await apiIncident(d, id)).status).toBe('awaiting-customer');
    await resolve.getByLabel('Root cause').selectOption('server');
    await resolve.getByLabel('Resolution note').fill('Disk replaced, array healthy.');
    await resolve.getByRole('button', { name: 'Resolve' }).click();
    await expect.poll(() => pill.textContent()).toBe('Resolved');

    const api = await apiIncident(d, id);
    expect(api).toMatchObject({ status: 'resolved', rootCause: 'server' });
    const byPerson = api.timeline.filter((t) => t.actor.name === 'l2-desk').map((t) => t.action);
    expect(byPerson).toEqual(expect.arrayContaining(['acknowledged', 'progress', 'status', 'resolved']));
    expect(await detail.locator('.facts').first().textContent()).toContain('root cause: server');
    await page.locator(`li.card[data-id="${id}"]`).waitFor({ state: 'detached' });
    await expectClean(page);
    await page.close();
  });

  it('escalates L2 to L3 from the detail with the isolation notes the rule asks for, and every card then shows who escalated and when', async () => {
    const server = 'srv-0003';
    const hardware = componentOf(d, server, 'hardware');
    await setConsoleComponent(d, server, hardware, 'failed', 'fan 2 stopped');
    const id = await openFor(d, server, hardware);
    const page = await openAs(browser, d, 'l2', `&incident=${id}`);
    const detail = page.locator('#detail');
    await detail.locator('details[data-panel="escalate"] summary').click();
    const form = detail.locator('form[data-action="escalate"]');
    await form.getByLabel('Reason').fill('reproduced and isolated to the server');
    await form.getByLabel(/isolation notes/).fill('Fan replaced by the customer; still overheating under load, BIOS reports fan 2 at 0 rpm.');
    await form.getByRole('button', { name: 'Escalate to L3' }).click();
    const card = page.locator(`ol[data-lane="3"] li.card[data-id="${id}"]`);
    await card.waitFor();
    // Who and when: the date and the age.
    expect(await card.locator('.escalation').textContent()).toMatch(/L2→L3 by l2-desk \w{3} \d+.*· (just now|.* ago)/);
    expect(await detail.locator('.escalation').textContent()).toMatch(/L2 → L3 by l2-desk \w{3} \d+.*· (just now|.* ago) — reproduced and isolated to the server/);
    expect((await apiIncident(d, id)).level).toBe(3);
    await page.close();

    // A page opened afterwards shows the same on its first paint, from the full incidents.
    const later = await openAs(browser, d, 'viewer');
    await expect.poll(() => later.locator(`li.card[data-id="${id}"] .escalation`).textContent()).toMatch(/L2→L3 by l2-desk/);
    await expectClean(later);
    await later.close();
  });

  it('logs a fault as l1 for an authorised contact, and is refused for a stranger with the daemon\'s reason beside the button', async () => {
    const before = (await openIncidents(d)).length;
    const page = await openAs(browser, d, 'l1');
    const [, server] = serversOf(d, 'acme');
    await page.getByRole('button', { name: 'Log a fault or request' }).click();
    const dialog = page.locator('#log-dialog');
    await dialog.getByLabel('Customer').selectOption('acme');
    await expect.poll(() => dialog.locator('#log-server option').count()).toBeGreaterThan(1);
    await dialog.getByLabel('Server').selectOption(server);
    await dialog.locator('#log-contact').selectOption({ label: `${TEST_CONTACTS.acme.name} <${TEST_CONTACTS.acme.email}>` });
    expect(await dialog.locator('#log-authority').textContent()).toContain('is an authorised contact of Acme Ltd');
    await dialog.getByLabel('Symptoms (one per line)').fill('Cannot open the S: drive\nOutlook asks for the password again');
    await dialog.getByRole('button', { name: 'Log it' }).click();
    await expect.poll(() => page.locator('#flash').textContent()).toMatch(/INC-\d+ logged/);
    const id = /(INC-\d+)/.exec((await page.locator('#flash').textContent())!)![1];
    await expect.poll(() => page.locator('#detail-title').textContent()).toBe('Cannot open the S: drive');
    expect(await page.locator('#detail').textContent()).toContain('✓ authorised contact of Acme Ltd');
    expect(await page.locator('#detail .symptoms li').allTextContents()).toEqual(['Cannot open the S: drive', 'Outlook asks for the password again']);
    expect((await apiIncident(d, id)).reporter).toEqual(TEST_CONTACTS.acme);
    await page.locator(`ol[data-lane="1"] li.card[data-id="${id}"]`).waitFor();

    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Log a fault or request' }).click();
    await dialog.getByLabel('Customer').selectOption('acme');
    await expect.poll(() => dialog.locator('#log-server option').count()).toBeGreaterThan(1);
    await dialog.getByLabel('Server').selectOption(server);
    await dialog.getByLabel('Name').fill('Mallory Stranger');
    await dialog.getByLabel('E-mail').fill('mallory@evil.example');
    expect(await dialog.locator('#log-authority').textContent()).toContain('Not an authorised contact of Acme Ltd');
    await dialog.getByLabel('Symptoms (one per line)').fill('Please reset the CEO\'s password');
    await dialog.getByRole('button', { name: 'Log it' }).click();
    const error = dialog.locator('.dialog-buttons .form-error');
    await expect.poll(() => error.textContent()).toContain('not an authorised contact');
    expect(await error.isVisible()).toBe(true);
    expect(await dialog.isVisible()).toBe(true);
    expect((await openIncidents(d)).length).toBe(before + 1);
    await page.screenshot({ path: `${artifacts}live-log-refused-1440.png` });
    await expectClean(page, ['403 POST /api/v1/incidents']);
    await page.close();
  });

  it('never says an unreachable server\'s components are fine', async () => {
    const server = serversOf(d, 'initech')[0];
    const res = await fetch(`${d.daemon.simulators!.console.url}/control/servers/${server}/reachable`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reachable: false }),
    });
    expect(res.status).toBe(200);
    await d.daemon.pollers!.get('sim')!.pollNow();
    const id = await openFor(d, server, null);
    const page = await openAs(browser, d, 'l2');
    const card = page.locator(`#servers .server[data-id="${server}"]`);
    await card.waitFor();
    const text = await card.textContent();
    expect(text).toContain('unreachable');
    expect(text).toContain('Component states unknown');
    expect(text).not.toMatch(/components ok|more ok/);
    // The name is one word to people: on one line, whole, never broken at its hyphen.
    expect(await card.locator('.server-name').evaluate((el) => {
      const range = el.ownerDocument.createRange();
      range.selectNodeContents(el);
      return { lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size, whole: el.scrollWidth <= el.clientWidth };
    })).toEqual({ lines: 1, whole: true });
    await page.locator(`ol[data-lane="2"] li.card[data-id="${id}"]`).waitFor();
    await expectClean(page);
    await page.close();
  });

  it('shows the recent events in the feed on load, not only those after it', async () => {
    const page = await openAs(browser, d, 'viewer');
    // Everything so far happened before this page opened.
    await expect.poll(() => page.locator('#feed .feed-item').count()).toBeGreaterThan(5);
    expect(await page.locator('#feed').textContent()).toContain('resolved');
    expect(await page.locator('#feed .feed-item time').first().textContent()).toMatch(/·.*(ago|just now)/);
    await page.close();
  });

  it('does not make a link of a javascript: ticket URL from the ticketing system', async () => {
    const ticketing = d.daemon.simulators!.ticketing as unknown as { urlFor(id: string): string };
    const original = ticketing.urlFor;
    ticketing.urlFor = () => 'javascript:document.title="pwned"';
    try {
      const server = serversOf(d, 'globex')[0];
      const component = componentOf(d, server, 'software');
      await setConsoleComponent(d, server, component, 'failed', 'service terminated');
      const id = await openFor(d, server, component);
      const { ticket } = await ticketFor(d, id);
      const page = await openAs(browser, d, 'l2', `&incident=${id}`);
      const card = page.locator(`li.card[data-id="${id}"]`);
      await expect.poll(() => card.locator('[data-fact="ticket"]').textContent()).toBe(ticket.id);
      expect(await card.locator('[data-fact="ticket"] a').count()).toBe(0);
      await expect.poll(() => page.locator('#detail .ticket-id').textContent()).toBe(ticket.id);
      expect(await page.locator('a[href*="javascript:" i]').count()).toBe(0);
      expect(await page.title()).not.toBe('pwned');
      await page.close();
    } finally {
      ticketing.urlFor = original;
    }
  });

  it('shows at least 15 incidents in list mode at 1440×900, keeps the mode across a reload, and counts what the API holds', async () => {
    const [server] = serversOf(d, 'globex').slice(-1);
    for (let n = (await openIncidents(d)).length; n < 18; n += 1) {
      const res = await d.api('l1', 'POST', '/api/v1/incidents', {
        type: 'fault', customerId: 'globex', serverId: server, reporter: TEST_CONTACTS.globex, symptoms: [`printer ${n} offline`], newIncident: true,
      });
      expect(res.status).toBe(201);
    }
    const page = await openAs(browser, d, 'l2');
    await page.getByRole('button', { name: 'List' }).click();
    const rows = page.locator('#list tbody tr.row');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(18);
    const visible = await rows.evaluateAll((els, height) => els.filter((el) => el.getBoundingClientRect().bottom <= height).length, VIEWPORT.height);
    expect(visible).toBeGreaterThanOrEqual(15);
    // Customer and server names fit their columns; the title has the room left, and its whole text on hover.
    expect(await page.locator('#list th:nth-child(3)').evaluate((el) => el.getBoundingClientRect().width)).toBeGreaterThanOrEqual(240);
    const cutCells = await page.locator('#list thead th:not(:nth-child(3)), #list tbody tr.row td:not(.col-title):not(:first-child):not(:last-child)')
      .evaluateAll((els) => els.filter((el) => el.scrollWidth > el.clientWidth).map((el) => `${(el as unknown as { cellIndex: number }).cellIndex}: ${el.textContent}`));
    expect(cutCells).toEqual([]);
    expect(await page.locator('#list td.col-title a').evaluateAll((els) => els.every((el) => el.getAttribute('title') === el.textContent))).toBe(true);
    await page.screenshot({ path: `${artifacts}live-list-1440.png` });

    await page.reload();
    await page.locator('#conn[data-state="connected"]').waitFor();
    // The saved mode is on screen from the first paint (dashboard-fake proves it before any data).
    expect(await page.locator('#list').isVisible()).toBe(true);
    expect(await page.locator('#board').isVisible()).toBe(false);
    const api = await openIncidents(d);
    await expect.poll(() => page.locator('[data-count-of="open"] b').textContent()).toBe(String(api.length));
    // Each count settles as the live feed catches up with the API read above.
    await expect.poll(() => page.locator('[data-count-of="unacknowledged"] b').textContent()).toBe(String(api.filter((i) => i.status === 'open').length));
    await expect.poll(() => page.locator('[data-count-of="p1"] b').textContent()).toBe(String(api.filter((i) => i.priority === 'P1').length));
    await page.getByRole('button', { name: 'Board' }).click();
    await page.locator('#board li.card').first().waitFor();
    // Names are words: neither a server's nor a component's is broken at a hyphen on the board.
    const broken = await page.locator('#servers .server-name, #servers .comp-name').evaluateAll((els) => els.filter((el) => {
      const range = el.ownerDocument.createRange();
      range.selectNodeContents(el);
      return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1 || el.scrollWidth > el.clientWidth;
    }).map((el) => el.textContent));
    expect(broken).toEqual([]);
    await page.screenshot({ path: `${artifacts}live-board-1440.png` });
    await expectClean(page);
    await page.close();
  });

  it('is served by the daemon itself with a Content-Security-Policy that forbids inline script and foreign origins', async () => {
    const res = await fetch(`${d.url}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"]) expect(csp).toContain(directive);
    expect(csp).toContain(`connect-src 'self' ws://${new URL(d.url).host}`);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
  });
});

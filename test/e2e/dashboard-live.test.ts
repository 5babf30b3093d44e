// The dashboard page in a real browser (Debian chromium) against the real daemon: the composition root
// in-process with the built-in console and ticketing simulators, a real store file, real REST and live
// feed. Faults are injected through the console simulator's HTTP control API and seen by a poll.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { setConsoleComponent, startDaemonInProcess, ticketFor, type InProcessDaemon } from '../helpers/daemon-in-process.js';
import { waitFor } from '../helpers/net.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !process.env.CI) {
  console.warn(`dashboard-live: skipped, ${CHROMIUM} is missing (apt-get install -y chromium). CI would fail here.`);
}
const screenshot = fileURLToPath(new URL('./screenshots/dashboard-live.png', import.meta.url));
const SERVER = 'srv-0001';
const COMPONENT = 'backup';

describe.skipIf(!hasChromium && !process.env.CI)('dashboard page against the real daemon', () => {
  let d: InProcessDaemon;
  let browser: Browser;

  beforeAll(async () => {
    d = await startDaemonInProcess({
      config: { simulator: { enabled: true, consolePort: 0, ticketingPort: 0, faultRate: 0, servers: 12, customers: 3, pushWebhooks: false }, consoles: [] },
    });
    // The first poll runs at start; the page should open on a known fleet, not an empty one.
    await waitFor(() => Object.keys(d.daemon.store.data.servers).length === 12, { what: 'the first poll of 12 servers' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await d?.stop();
  });

  async function openAs(token: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
    // Every request the page makes must succeed (a missing asset or a refused action shows up here).
    page.on('response', (res) => { if (res.status() >= 400) errors.push(`${res.status()} ${res.request().method()} ${res.url()}`); });
    await page.goto(`${d.url}/#token=${token}`);
    await page.locator('#conn[data-state="connected"]').waitFor();
    (page as Page & { errors: string[] }).errors = errors;
    return page;
  }
  const pageErrors = (page: Page) => (page as Page & { errors: string[] }).errors;

  it('follows a software failure from the console to L3 with its ticket, acknowledgement and recovery, without a reload', async () => {
    const page = await openAs(d.tokens.l2);
    expect(await page.locator('#who').textContent()).toContain('l2-desk');
    await expect.poll(() => page.locator('#servers .server').count()).toBe(12);
    // Customer names, not ids: the page learns them from the servers API.
    await expect.poll(() => page.locator('#servers .customer-title').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('Acme Ltd'), expect.stringContaining('Globex Corporation')]));
    const consoleRow = page.locator('#consoles .console');
    await expect.poll(() => consoleRow.textContent()).toMatch(/sim.*up/);
    expect(await page.locator('#servers-summary').textContent()).toContain('12 servers');

    await setConsoleComponent(d, SERVER, COMPONENT, 'failed', 'backup job exited with code 3');
    const id = await waitFor(() => d.daemon.store.data.openIndex[`${SERVER}/${COMPONENT}`], { what: 'the L3 incident' });
    const card = page.locator(`li.card[data-id="${id}"]`);
    await card.waitFor();
    // Cards are rebuilt as the incident changes, so the lane is checked through a locator, never a held element.
    await page.locator(`ol[data-lane="3"] li.card[data-id="${id}"]`).waitFor();
    expect(await card.locator('.card-title').textContent()).toContain(COMPONENT);
    const { ticket } = await ticketFor(d, id);
    await expect.poll(() => card.locator('[data-fact="ticket"]').textContent()).toContain(ticket.id);
    // The response and resolution clocks run; their due times come from the real SLA engine.
    expect(await card.locator('.sla[data-clock="response"] time').textContent()).toMatch(/left$/);
    expect(await page.locator('#feed').textContent()).toContain(`Ticket ${ticket.id} created for ${id}`);
    const failedComp = page.locator(`#servers .server[data-id="${SERVER}"] .comp-failed`);
    expect(await failedComp.textContent()).toContain(COMPONENT);

    // The vendor's Support Team acknowledges an L3 incident; the daemon refuses L2 there, so the page offers L2 no button.
    expect(await card.getByRole('button', { name: `Acknowledge ${id}` }).count()).toBe(0);
    const vendor = await openAs(d.tokens.l3);
    const vendorCard = vendor.locator(`li.card[data-id="${id}"]`);
    const posted = vendor.waitForResponse((r) => r.url().endsWith(`/api/v1/incidents/${id}/acknowledge`) && r.request().method() === 'POST');
    await vendorCard.getByRole('button', { name: `Acknowledge ${id}` }).click();
    expect((await posted).status()).toBe(200);
    await expect.poll(() => vendorCard.locator('.pill.status-acknowledged').count()).toBe(1);
    expect(await vendorCard.getByRole('button', { name: `Acknowledge ${id}` }).count()).toBe(0);
    expect(pageErrors(vendor)).toEqual([]);
    await vendor.close();
    // The L2 page learns it from the live feed, without a reload.
    await expect.poll(() => card.locator('.pill.status-acknowledged').count()).toBe(1);
    expect(d.daemon.store.data.incidents[id].status).toBe('acknowledged');
    expect(d.daemon.store.data.incidents[id].timeline.some((t) => t.action === 'acknowledged' && t.actor.name === 'vendor-desk')).toBe(true);
    // At L3 the acknowledgement starts the progress clock.
    await expect.poll(() => card.locator('.sla[data-clock="progress"] time').textContent()).toMatch(/left$/);
    await expect.poll(() => page.locator('#feed').textContent()).toContain(`${id} acknowledged by vendor-desk`);

    // A hardware failure is L2's own: the L2 engineer acknowledges it from the page.
    await setConsoleComponent(d, 'srv-0002', 'disks', 'failed', 'disk 2 failed: SMART status BAD');
    const hw = await waitFor(() => d.daemon.store.data.openIndex['srv-0002/disks'], { what: 'the L2 hardware incident' });
    const hwCard = page.locator(`li.card[data-id="${hw}"]`);
    await hwCard.waitFor();
    await page.locator(`ol[data-lane="2"] li.card[data-id="${hw}"]`).waitFor();
    const hwPosted = page.waitForResponse((r) => r.url().endsWith(`/api/v1/incidents/${hw}/acknowledge`) && r.request().method() === 'POST');
    await hwCard.getByRole('button', { name: `Acknowledge ${hw}` }).click();
    expect((await hwPosted).status()).toBe(200);
    await expect.poll(() => hwCard.locator('.pill.status-acknowledged').count()).toBe(1);
    expect(d.daemon.store.data.incidents[hw].status).toBe('acknowledged');
    expect(await page.locator('#flash').textContent()).toContain(`${hw} acknowledged`);

    await setConsoleComponent(d, SERVER, COMPONENT, 'ok');
    await expect.poll(() => card.locator('.recovered').textContent()).toContain('Recovered');
    await expect.poll(() => page.locator(`#servers .server[data-id="${SERVER}"] .comp-failed`).count()).toBe(0);
    expect(await page.locator('#feed').textContent()).toContain(`${id} recovered: backup on acme-hq-01`);

    await page.screenshot({ path: screenshot, fullPage: true });
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it('shows a viewer the same board with no action buttons', async () => {
    if (d.daemon.store.data.servers['srv-0002']?.components.disks?.status !== 'failed') {
      await setConsoleComponent(d, 'srv-0002', 'disks', 'failed', 'disk 2 failed: SMART status BAD');
    }
    const id = await waitFor(() => d.daemon.store.data.openIndex['srv-0002/disks'], { what: 'the L2 hardware incident' });
    const page = await openAs(d.tokens.viewer);
    const card = page.locator(`li.card[data-id="${id}"]`);
    await card.waitFor();
    await page.locator(`ol[data-lane="2"] li.card[data-id="${id}"]`).waitFor();
    expect(await page.locator('#who').textContent()).toContain('read-only');
    expect(await page.locator('.card button').count()).toBe(0);
    expect(await page.locator('.card').count()).toBeGreaterThan(0);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it('applies nothing twice when a reconnect replays events that the fresh snapshot already holds', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    // Keep a handle on the page's sockets so the test can drop the live connection as a network blip would.
    // (A string: the test's tsconfig has no DOM types.)
    await page.addInitScript(`
      const Native = window.WebSocket;
      window.liveSockets = [];
      window.WebSocket = class extends Native {
        constructor(url, protocols) { super(url, protocols); window.liveSockets.push(this); }
      };`);
    const frames: Array<{ type: string; seq: number }> = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => {
      const msg = JSON.parse(String(f.payload)) as { type: string; seq: number };
      frames.push({ type: msg.type, seq: msg.seq });
    }));
    await page.goto(`${d.url}/#token=${d.tokens.l2}`);
    await page.locator('#conn[data-state="connected"]').waitFor();
    await setConsoleComponent(d, 'srv-0004', 'email', 'failed', 'mail transport service stopped');
    const first = await waitFor(() => d.daemon.store.data.openIndex['srv-0004/email'], { what: 'the first email incident' });
    await page.locator(`li.card[data-id="${first}"]`).waitFor();

    await page.evaluate('window.liveSockets.at(-1).close()');
    // While the page is away: a second software failure, opened and resolved, so the fresh snapshot no
    // longer holds it and the resume replays its whole life (seq <= hello's seq).
    await setConsoleComponent(d, 'srv-0005', 'antivirus', 'failed', 'scan engine crashed');
    const second = await waitFor(() => d.daemon.store.data.openIndex['srv-0005/antivirus'], { what: 'the second incident' });
    await ticketFor(d, second);
    expect((await d.api('l3', 'POST', `/api/v1/incidents/${second}/resolve`, { rootCause: 'server', note: 'engine restarted' })).status).toBe(200);
    await expect.poll(() => frames.filter((f) => f.type === 'hello').length, { timeout: 15_000 }).toBe(2);
    await page.locator('#conn[data-state="connected"]').waitFor();
    const hello = frames.filter((f) => f.type === 'hello')[1];
    await expect.poll(() => page.locator('#feed').textContent()).toContain(`${second} (`);
    // The replay really overlapped the snapshot: events at or below hello's seq came after it.
    expect(frames.slice(frames.indexOf(hello) + 1).some((f) => f.seq <= hello.seq)).toBe(true);

    // The feed tells the story once; the board and the announcer take the snapshot's word that it is over.
    const seqs = await page.locator('#feed .feed-item').evaluateAll((els) => els.map((el) => el.getAttribute('data-seq')));
    expect(new Set(seqs).size).toBe(seqs.length);
    const lines = await page.locator('#feed .feed-item').allTextContents();
    expect(lines.filter((t) => t.includes(`New L3`) && t.includes(second)).length).toBe(1);
    expect(lines.filter((t) => t.includes(`${second} (`) && t.includes('resolved')).length).toBe(1);
    expect(await page.locator(`li.card[data-id="${second}"]`).count()).toBe(0);
    expect(await page.locator(`li.card[data-id="${first}"]`).count()).toBe(1);
    expect(await page.locator('#announcer').textContent()).toContain(first);
    expect(await page.locator('#announcer').textContent()).not.toContain(second);
    await page.close();
  });
});

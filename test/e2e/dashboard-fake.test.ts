// The dashboard page in a real browser (Debian chromium) against a fake backend that speaks the live
// protocol. The lead's end-to-end test against the daemon itself lives elsewhere.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { makeIncident, startFakeBackend, type FakeBackend } from './fixtures/fake-backend.js';
import type { Incident } from '../../src/domain/types.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !process.env.CI) {
  console.warn(`dashboard-fake: skipped, ${CHROMIUM} is missing (apt-get install -y chromium). CI would fail here.`);
}
const screenshots = fileURLToPath(new URL('./screenshots/', import.meta.url));

const TOKENS = {
  'viewer-token-0123456789': { name: 'wallboard', role: 'viewer' },
  'l2-token-0123456789abcd': { name: 'l2-desk', role: 'l2' },
  'l3-token-0123456789abcd': { name: 'vendor-desk', role: 'l3' },
};
const now = Date.now();
const min = 60_000;

function seedIncidents(): Incident[] {
  return [
    makeIncident({ id: 'INC-000101', level: 1, priority: 'P3', title: 'User cannot open mapped drive S:', component: null, componentKind: null, serverId: 'srv-0003', customerId: 'globex', source: 'manual' }, now),
    makeIncident({
      id: 'INC-000097', level: 2, priority: 'P1', title: 'Hardware fault suspected: disk-array degraded to failed', serverId: 'srv-0002',
      component: 'disk-array', componentKind: 'hardware', status: 'acknowledged',
      sla: {
        response: { dueAt: null, state: 'met', warnedAt: null, breachedAt: null, startedAt: new Date(now - 40 * min).toISOString(), metAt: new Date(now - 30 * min).toISOString() },
        progress: { dueAt: new Date(now + 6 * min).toISOString(), state: 'at-risk', warnedAt: new Date(now - 9 * min).toISOString(), breachedAt: null, startedAt: new Date(now - 54 * min).toISOString() },
        resolution: { dueAt: new Date(now + 200 * min).toISOString(), state: 'running', warnedAt: null, breachedAt: null, startedAt: new Date(now - 40 * min).toISOString() },
      },
    }, now),
    makeIncident({
      id: 'INC-000088', level: 3, priority: 'P2', title: 'Software failure: antivirus definitions not updating', serverId: 'srv-0004', customerId: 'globex',
      component: 'antivirus', status: 'in-progress', ticket: { adapter: 'generic', id: 'T-4411', url: 'http://tickets.example/T-4411', state: 'created' },
      sla: {
        response: { dueAt: null, state: 'met', warnedAt: null, breachedAt: null, startedAt: new Date(now - 300 * min).toISOString() },
        progress: { dueAt: new Date(now - 14 * min).toISOString(), state: 'breached', warnedAt: new Date(now - 74 * min).toISOString(), breachedAt: new Date(now - 14 * min).toISOString(), startedAt: new Date(now - 254 * min).toISOString() },
        resolution: { dueAt: new Date(now + 26 * 60 * min).toISOString(), state: 'running', warnedAt: null, breachedAt: null, startedAt: new Date(now - 300 * min).toISOString() },
      },
      management: { step: 2, history: [] },
    }, now),
  ];
}

const comp = (name: string, kind: string, status: string, message?: string) => ({ name, kind, status, since: new Date(now - 30 * min).toISOString(), message });
/** Incidents the fake daemon learned after start-up; later connections see them in their snapshot. */
const learned = new Map<string, Incident>();
const snapshot = () => ({
  incidents: [...seedIncidents(), ...learned.values()],
  servers: [
    { id: 'srv-0001', name: 'acme-hq-01', customerId: 'acme', reachable: true, components: [comp('backup', 'software', 'ok'), comp('file-share', 'software', 'ok'), comp('disk-array', 'hardware', 'ok')] },
    { id: 'srv-0002', name: 'acme-hq-02', customerId: 'acme', reachable: true, components: [comp('backup', 'software', 'ok'), comp('disk-array', 'hardware', 'failed', 'controller reports 2 failed disks'), comp('psu', 'hardware', 'degraded')] },
    { id: 'srv-0003', name: 'globex-branch-01', customerId: 'globex', reachable: false, components: [comp('backup', 'software', 'unknown'), comp('antivirus', 'software', 'unknown')] },
    { id: 'srv-0004', name: 'globex-hq-01', customerId: 'globex', reachable: true, components: [comp('antivirus', 'software', 'failed', 'definitions 9 days old'), comp('backup', 'software', 'ok')] },
  ],
  consoles: [{ id: 'main', up: true, lastPollAt: new Date(now - 20_000).toISOString() }, { id: 'dr-site', up: false, lastPollAt: new Date(now - 9 * min).toISOString() }],
});

const l3Incident = makeIncident({ id: 'INC-000102', level: 3, priority: 'P1', title: 'Software failure: backup exited with code 3', ticket: { adapter: 'generic', id: 'T-4420', url: 'http://tickets.example/T-4420', state: 'created' } }, now);

describe.skipIf(!hasChromium && !process.env.CI)('dashboard page against a fake backend', () => {
  let backend: FakeBackend;
  let browser: Browser;

  beforeAll(async () => {
    backend = await startFakeBackend({
      tokens: TOKENS,
      snapshot,
      onAction: (id, action) => {
        if (id === 'INC-000101') return { status: 403, body: { title: 'Forbidden', status: 403, detail: 'Role l2 may not acknowledge an L1 request' } };
        if (action === 'acknowledge' && id === l3Incident.id) {
          return { status: 200, body: { ...l3Incident, status: 'acknowledged', updatedAt: new Date().toISOString() } };
        }
        return undefined;
      },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await backend?.close();
  });

  async function openAs(token: string, width = 1280): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(`${backend.url}/#token=${token}`);
    await page.locator('#conn[data-state="connected"]').waitFor();
    return page;
  }

  it('shows an incident created after the snapshot without a reload, and a viewer gets no action buttons', async () => {
    const page = await openAs('viewer-token-0123456789');
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.locator('#signin').isVisible()).toBe(false);
    await expect.poll(() => page.locator('ol[data-lane="2"] .card').count()).toBe(1);

    backend.emit('incident.created', { incident: l3Incident });
    learned.set(l3Incident.id, l3Incident);
    const card = page.locator(`li.card[data-id="${l3Incident.id}"]`);
    await card.waitFor();
    expect(await card.evaluate((el) => el.closest('ol')?.dataset.lane)).toBe('3');
    expect(await card.textContent()).toContain('T-4420');
    expect(await page.locator('#announcer').textContent()).toContain(l3Incident.id);
    expect(await page.locator('#feed').textContent()).toContain(`New L3 P1 incident ${l3Incident.id}`);
    expect(await page.locator('#who').textContent()).toContain('read-only');
    expect(await page.locator('.card button').count()).toBe(0);
    await page.close();
  });

  it('asks for a token, says when it is refused, and goes live with a good one', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(backend.url);
    await page.getByLabel('Access token').waitFor();
    expect(await page.locator('#dashboard').isVisible()).toBe(false);
    await page.getByLabel('Access token').fill('not-a-real-token-000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#signin-error').textContent()).toContain('not accepted');
    await page.getByLabel('Access token').fill('viewer-token-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#conn[data-state="connected"]').waitFor();
    expect(await page.locator('#signin').isVisible()).toBe(false);
    expect(await page.evaluate("sessionStorage.getItem('escalatord.token')")).toBe('viewer-token-0123456789');
    await page.close();
  });

  it('lets the vendor (l3) acknowledge its L3 incident, sending the POST with its bearer token and showing the new status', async () => {
    learned.set(l3Incident.id, l3Incident);
    const page = await openAs('l3-token-0123456789abcd');
    const ack = page.getByRole('button', { name: `Acknowledge ${l3Incident.id}` });
    await ack.waitFor();
    const before = backend.posts.length;
    await ack.click();
    await expect.poll(() => backend.posts.length).toBe(before + 1);
    expect(backend.posts[before]).toEqual({
      path: `/api/v1/incidents/${l3Incident.id}/acknowledge`,
      authorization: 'Bearer l3-token-0123456789abcd',
      contentType: 'application/json',
      body: {},
    });
    await page.locator(`li.card[data-id="${l3Incident.id}"] .status-acknowledged`).waitFor();
    expect(await ack.count()).toBe(0);
    await page.close();
  });

  it('asks whoami again after connecting when the role could not be checked at sign-in', async () => {
    backend.whoamiFailures = 1;
    const page = await openAs('l2-token-0123456789abcd');
    await page.getByRole('button', { name: 'Acknowledge INC-000101' }).waitFor();
    expect(await page.locator('#who').textContent()).toBe('l2-desk · l2');
    expect(backend.whoamiFailures).toBe(0);
    await page.close();
  });

  it('shows the problem detail when the daemon refuses an action', async () => {
    const page = await openAs('l2-token-0123456789abcd');
    await page.getByRole('button', { name: 'Acknowledge INC-000101' }).click();
    await expect.poll(() => page.locator('#flash').textContent()).toContain('Role l2 may not acknowledge an L1 request');
    await page.close();
  });

  it('opens the escalate dialog from the keyboard, closes it with Escape and sends the escalation', async () => {
    const page = await openAs('l2-token-0123456789abcd');
    const button = page.getByRole('button', { name: 'Escalate INC-000097' });
    await button.focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('#escalate-dialog');
    await expect.poll(() => dialog.getAttribute('open')).not.toBeNull();
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.getAttribute('open')).toBeNull();
    // Focus goes back to the button that opened the dialog.
    expect(await page.evaluate("document.activeElement.getAttribute('aria-label')")).toBe('Escalate INC-000097');

    await page.keyboard.press('Enter');
    await page.locator('#escalate-level').selectOption('3');
    await page.locator('#escalate-reason').fill('reproduced and isolated to the server');
    await page.locator('#escalate-notes').fill('Controller log shows two failed disks; replaced cable, no change.');
    const before = backend.posts.length;
    await page.getByRole('button', { name: 'Escalate', exact: true }).click();
    await expect.poll(() => backend.posts.length).toBe(before + 1);
    expect(backend.posts[before].body).toEqual({
      toLevel: 3, reason: 'reproduced and isolated to the server', notes: 'Controller log shows two failed disks; replaced cable, no change.',
    });
    await page.close();
  });

  it('reconnects by itself after the socket drops and asks to resume from the last seq it saw', async () => {
    const page = await openAs('viewer-token-0123456789');
    const last = backend.emit('component.changed', { serverId: 'srv-0001', customerId: 'acme', component: 'backup', kind: 'software', from: 'ok', to: 'degraded', at: new Date().toISOString(), message: 'job running slow' });
    await expect.poll(() => page.locator('#feed').textContent()).toContain('acme-hq-01 backup (software): ok → degraded');
    const sent = backend.clientMessages.length;
    backend.dropClients();
    await page.locator('#conn[data-state="reconnecting"], #conn[data-state="connecting"]').first().waitFor();
    await page.locator('#conn[data-state="connected"]').waitFor({ timeout: 10_000 });
    await expect.poll(() => backend.clientMessages.slice(sent)).toContainEqual({ type: 'resume', fromSeq: last.seq });
    await page.close();
  });

  it('ticks SLA countdowns every second, turning amber at warnAt and red at the due instant, and drops resolved incidents', async () => {
    const page = await openAs('viewer-token-0123456789');
    const t = Date.now();
    const soon = makeIncident({ id: 'INC-000103', level: 2, priority: 'P2', title: 'Degraded for longer than the grace period' }, t);
    soon.sla!.response = { dueAt: new Date(t + 4_000).toISOString(), state: 'running', warnedAt: null, breachedAt: null, startedAt: new Date(t - 60_000).toISOString() };
    (soon.sla!.response as unknown as Record<string, string>).warnAt = new Date(t + 2_000).toISOString();
    backend.emit('incident.created', { incident: soon });
    const row = page.locator('li.card[data-id="INC-000103"] .sla[data-clock="response"]');
    await row.waitFor();
    expect(await row.getAttribute('class')).toContain('sla-ok');
    await expect.poll(() => row.getAttribute('class'), { timeout: 4_000 }).toContain('sla-warn');
    expect(await row.textContent()).toContain('at risk');
    await expect.poll(() => row.getAttribute('class'), { timeout: 4_000 }).toContain('sla-breach');
    expect(await row.textContent()).toMatch(/over \(breached\)/);

    backend.emit('incident.resolved', { incident: { ...soon, status: 'resolved', updatedAt: new Date().toISOString() } });
    await page.locator('li.card[data-id="INC-000103"]').waitFor({ state: 'detached' });
    await page.close();
  });

  it('replaces everything it shows when the server sends a resync', async () => {
    const page = await openAs('viewer-token-0123456789');
    await page.locator('li.card').first().waitFor();
    backend.sendRaw({ type: 'resync', seq: 500, snapshot: { incidents: [], servers: [snapshot().servers[0]], consoles: [] } });
    await expect.poll(() => page.locator('li.card').count()).toBe(0);
    expect(await page.locator('#servers .server').count()).toBe(1);
    expect(await page.locator('ol[data-lane="3"]').textContent()).toContain('No open incidents');
    await page.close();
  });

  it('shows events missed while disconnected once each, from the replay after resume', async () => {
    const page = await openAs('viewer-token-0123456789');
    backend.emit('console.up', { consoleId: 'main' });
    await expect.poll(() => page.locator('#feed').textContent()).toContain('console main is up');
    backend.dropClients();
    await expect.poll(() => backend.openSockets()).toBe(0);
    backend.emit('console.down', { consoleId: 'dr-site' });
    await page.locator('#conn[data-state="connected"]').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('.feed-text', { hasText: 'console dr-site is down' }).count()).toBe(1);
    expect(await page.locator('.feed-text', { hasText: 'console main is up' }).count()).toBe(1);
    await page.close();
  });

  it('looks clean at 1280px and on a narrow screen', async () => {
    mkdirSync(screenshots, { recursive: true });
    const page = await openAs('l2-token-0123456789abcd');
    backend.emit('sla.breached', { incidentId: 'INC-000088', clock: 'progress', incident: seedIncidents()[2] });
    backend.emit('console.down', { consoleId: 'dr-site' });
    await page.locator('.feed-item').nth(1).waitFor();
    await page.screenshot({ path: `${screenshots}dashboard-fake.png`, fullPage: true });
    // Nothing may spill sideways on a phone-sized screen.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${screenshots}dashboard-fake-narrow.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: `${screenshots}dashboard-fake-dark.png`, fullPage: true });
    await page.close();
  });
});

// The dashboard page in a real browser (Debian chromium) against a fake backend that speaks the live
// protocol and the REST shapes, for what the real daemon cannot easily be made to do on cue: a refused
// action, a resync, a dropped socket, a countdown crossing its warning. The same page against the real
// daemon is dashboard-live.test.ts.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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
const artifacts = fileURLToPath(new URL('./artifacts/', import.meta.url));

const TOKENS = {
  'viewer-token-0123456789': { name: 'wallboard', role: 'viewer' },
  'l2-token-0123456789abcd': { name: 'l2-desk', role: 'l2' },
  'l3-token-0123456789abcd': { name: 'vendor-desk', role: 'l3' },
  'admin-token-0123456789a': { name: 'admin', role: 'admin' },
};
const ADMIN = 'admin-token-0123456789a';
const VIEWER = 'viewer-token-0123456789';
const L2 = 'l2-token-0123456789abcd';
const L3 = 'l3-token-0123456789abcd';
const now = Date.now();
const min = 60_000;
const HOSTILE_TITLE = '<img src=x onerror="window.pwned=1"> backup exited';

function seedIncidents(): Incident[] {
  return [
    makeIncident({ id: 'INC-000101', level: 1, priority: 'P3', title: 'User cannot open mapped drive S:', component: null, componentKind: null, serverId: 'srv-0003', customerId: 'globex', source: 'manual',
      reporter: { name: 'Hank Scorpio', email: 'hank@globex.example' }, symptoms: ['S: drive missing after logon', 'other users fine'] }, now),
    makeIncident({
      id: 'INC-000097', level: 2, priority: 'P1', title: 'Hardware fault suspected: disk-array degraded to failed', serverId: 'srv-0002',
      component: 'disk-array', componentKind: 'hardware', status: 'acknowledged',
      sla: {
        response: { dueAt: null, state: 'met', warnedAt: null, breachedAt: null, startedAt: new Date(now - 40 * min).toISOString(), metAt: new Date(now - 30 * min).toISOString() },
        progress: { dueAt: new Date(now + 6 * min).toISOString(), state: 'at-risk', warnedAt: new Date(now - 9 * min).toISOString(), breachedAt: null, startedAt: new Date(now - 54 * min).toISOString() },
        resolution: { dueAt: new Date(now + 200 * min).toISOString(), state: 'running', warnedAt: null, breachedAt: null, startedAt: new Date(now - 40 * min).toISOString() },
      },
      timeline: [
        { at: new Date(now - 40 * min).toISOString(), actor: { kind: 'system', name: 'monitor' }, action: 'created', note: 'disk-array failed' },
        { at: new Date(now - 30 * min).toISOString(), actor: { kind: 'user', name: 'l2-desk', role: 'l2' }, action: 'acknowledged' },
      ],
      diagnostics: { fetchedAt: new Date(now - 39 * min).toISOString(), truncated: true, data: { _truncated: true, _originalBytes: 40960, excerpt: '{"controller":"PERC H730","failedDisks":[2,5],"log":"…' } },
    }, now),
    makeIncident({
      id: 'INC-000088', level: 3, priority: 'P2', title: 'Software failure: antivirus definitions not updating', serverId: 'srv-0004', customerId: 'globex',
      component: 'antivirus', status: 'in-progress', ticket: { adapter: 'generic', id: 'T-4411', url: 'http://tickets.example/T-4411', state: 'created' },
      sla: {
        response: { dueAt: null, state: 'met', warnedAt: null, breachedAt: null, startedAt: new Date(now - 300 * min).toISOString() },
        progress: { dueAt: new Date(now - 14 * min).toISOString(), state: 'breached', warnedAt: new Date(now - 74 * min).toISOString(), breachedAt: new Date(now - 14 * min).toISOString(), startedAt: new Date(now - 254 * min).toISOString() },
        resolution: { dueAt: new Date(now + 26 * 60 * min).toISOString(), state: 'running', warnedAt: null, breachedAt: null, startedAt: new Date(now - 300 * min).toISOString() },
      },
      management: { step: 2, history: [{ step: 2, at: new Date(now - 14 * min).toISOString(), reason: 'sla-breach', acknowledgedAt: null, attempts: 1 }] },
      timeline: [
        { at: new Date(now - 300 * min).toISOString(), actor: { kind: 'system', name: 'monitor' }, action: 'created', note: 'antivirus failed', data: { level: 2 } },
        { at: new Date(now - 280 * min).toISOString(), actor: { kind: 'user', name: 'l2-desk', role: 'l2' }, action: 'escalated', note: 'software failure shown by the console', data: { from: 2, to: 3, reason: 'console-software-failure' } },
      ],
    }, now),
    makeIncident({ id: 'INC-000093', level: 3, priority: 'P2', title: 'Software failure: backup (ticket refused)', serverId: 'srv-0001',
      ticket: { adapter: 'generic', id: null, url: null, state: 'failed', error: 'HTTP 400: project SUP does not exist' } }, now),
    makeIncident({ id: 'INC-000090', level: 3, priority: 'P3', title: HOSTILE_TITLE, serverId: 'srv-0001', ticket: { adapter: 'generic', id: 'T-EVIL', url: 'javascript:window.pwned=1', state: 'created' } }, now),
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
    { id: 'srv-0003', name: 'globex-branch-01', customerId: 'globex', reachable: false, components: [comp('backup', 'software', 'ok'), comp('antivirus', 'software', 'ok')] },
    { id: 'srv-0004', name: 'globex-hq-01', customerId: 'globex', reachable: true, components: [comp('antivirus', 'software', 'failed', 'definitions 9 days old'), comp('backup', 'software', 'ok')] },
  ],
  consoles: [{ id: 'main', up: true, lastPollAt: new Date(now - 20_000).toISOString() }, { id: 'dr-site', up: false, lastPollAt: new Date(now - 9 * min).toISOString() }],
});

const l3Incident = makeIncident({ id: 'INC-000102', level: 3, priority: 'P1', title: 'Software failure: backup exited with code 3', ticket: { adapter: 'generic', id: 'T-4420', url: 'http://tickets.example/T-4420', state: 'created' } }, now);

describe.skipIf(!hasChromium && !process.env.CI)('dashboard page against a fake backend', () => {
  let backend: FakeBackend;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    // Screenshots are artefacts to look at, never commits.
    writeFileSync(`${artifacts}.gitignore`, '*\n');
    backend = await startFakeBackend({
      tokens: TOKENS,
      snapshot,
      config: {
        customers: [
          { id: 'acme', name: 'Acme Ltd', authorisedContacts: [{ name: 'Jo Bloggs', email: 'jo@acme.example' }] },
          { id: 'globex', name: 'Globex Corporation', authorisedContacts: [{ name: 'Hank Scorpio', email: 'hank@globex.example' }] },
        ],
      },
      onAction: (id, action) => {
        if (action === 'ticket/retry') return { status: 404, body: { title: 'Not Found', status: 404, detail: `no route for POST /api/v1/incidents/${id}/ticket/retry` } };
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

  /** A page that records CSP violations and script errors, so a test can say there were none. */
  async function newPage(width = 1440, height = 900): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.addInitScript(`
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    (page as Page & { errors: string[] }).errors = errors;
    return page;
  }
  const pageErrors = (page: Page) => (page as Page & { errors: string[] }).errors;

  async function openAs(token: string, hash = '', width = 1440): Promise<Page> {
    const page = await newPage(width);
    await page.goto(`${backend.url}/#token=${token}${hash}`);
    await page.locator('#conn[data-state="connected"]').waitFor();
    return page;
  }

  it('shows an incident created after the snapshot without a reload, and a viewer gets no action anywhere', async () => {
    const page = await openAs(VIEWER);
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
    expect(await page.locator('main button[data-action]').count()).toBe(0);
    expect(await page.locator('#log-open').isVisible()).toBe(false);

    await card.locator('.card-title a').click();
    await page.locator('#detail-title').waitFor();
    expect(await page.locator('#detail-title').textContent()).toBe(l3Incident.title);
    expect(await page.locator('#detail-actions').isVisible()).toBe(false);
    expect(await page.locator('#detail form').count()).toBe(0);
    expect(await page.locator('#detail button[type="submit"]').count()).toBe(0);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it('asks for a token, says when it is refused, and goes live with a good one', async () => {
    const page = await newPage();
    await page.goto(backend.url);
    await page.getByLabel('Access token').waitFor();
    expect(await page.locator('#dashboard').isVisible()).toBe(false);
    await page.getByLabel('Access token').fill('not-a-real-token-000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#signin-error').textContent()).toContain('not accepted');
    await page.getByLabel('Access token').fill(VIEWER);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#conn[data-state="connected"]').waitFor();
    expect(await page.locator('#signin').isVisible()).toBe(false);
    expect(await page.evaluate("sessionStorage.getItem('escalatord.token')")).toBe(VIEWER);
    await page.close();
  });

  it('opens an incident pasted as a link after sign-in: the sign-in form says which, then the detail shows it', async () => {
    const page = await newPage();
    await page.goto(`${backend.url}/#incident=INC-000097`);
    await expect.poll(() => page.locator('#signin-target').textContent()).toContain('INC-000097');
    await page.getByLabel('Access token').fill(L2);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#detail-title').textContent()).toBe('Hardware fault suspected: disk-array degraded to failed');
    // Diagnostics are folded and say where they were cut; the timeline has every entry with its actor.
    const diagnostics = page.locator('#detail details.diagnostics');
    expect(await diagnostics.getAttribute('open')).toBeNull();
    await diagnostics.locator('summary').click();
    expect(await diagnostics.locator('pre.diag').textContent()).toContain('PERC H730');
    expect(await diagnostics.locator('.diag-cut').textContent()).toContain('40960 bytes');
    const timeline = page.locator('#detail .timeline li');
    expect(await timeline.count()).toBe(2);
    expect(await timeline.first().textContent()).toContain('l2-desk (l2)');
    // Every time shows a date and an age.
    expect(await timeline.first().locator('time').textContent()).toMatch(/\d.*·.*ago/);
    expect(await page.locator('#detail .calendar-note').textContent()).toContain('around the clock');
    await page.close();
  });

  it('lets the vendor (l3) acknowledge its L3 incident from the card, sending the POST with its bearer token', async () => {
    learned.set(l3Incident.id, l3Incident);
    const page = await openAs(L3);
    const ack = page.getByRole('button', { name: `Acknowledge ${l3Incident.id}` });
    await ack.waitFor();
    const before = backend.posts.length;
    await ack.click();
    await expect.poll(() => backend.posts.length).toBe(before + 1);
    expect(backend.posts[before]).toEqual({
      path: `/api/v1/incidents/${l3Incident.id}/acknowledge`,
      authorization: `Bearer ${L3}`,
      contentType: 'application/json',
      body: {},
    });
    await page.locator(`li.card[data-id="${l3Incident.id}"] .status-acknowledged`).waitFor();
    expect(await ack.count()).toBe(0);
    await page.close();
  });

  it('asks whoami again after connecting when the role could not be checked at sign-in', async () => {
    backend.whoamiFailures = 1;
    const page = await openAs(L2);
    await page.getByRole('button', { name: 'Acknowledge INC-000101' }).waitFor();
    expect(await page.locator('#who').textContent()).toBe('l2-desk · l2');
    expect(backend.whoamiFailures).toBe(0);
    await page.close();
  });

  it('shows the daemon\'s reason for a refusal under the button that was refused', async () => {
    const page = await openAs(L2);
    await page.getByRole('button', { name: 'Acknowledge INC-000101' }).click();
    const line = page.locator('li.card[data-id="INC-000101"] .form-error');
    await expect.poll(() => line.textContent()).toContain('Role l2 may not acknowledge an L1 request');
    expect(await line.isVisible()).toBe(true);
    expect(await page.locator('#flash').textContent()).toContain('Role l2 may not acknowledge an L1 request');
    await page.close();
  });

  it('escalates from the detail: notes are asked for when the console shows no software failure, and the POST carries them', async () => {
    const page = await openAs(L2, '&incident=INC-000097');
    await page.locator('#detail-title').waitFor();
    const panel = page.locator('#detail details[data-panel="escalate"]');
    await panel.locator('summary').click();
    const form = panel.locator('form');
    expect(await form.textContent()).toContain('no software failure');
    const before = backend.posts.length;
    await form.getByRole('button', { name: 'Escalate to L3' }).click();
    await expect.poll(() => form.locator('.form-error').textContent()).toContain('reproduction and isolation notes');
    expect(backend.posts.length).toBe(before);

    await form.getByLabel('Reason').fill('reproduced and isolated to the server');
    await form.getByLabel(/isolation notes/).fill('Controller log shows two failed disks; replaced cable, no change.');
    await form.getByRole('button', { name: 'Escalate to L3' }).click();
    await expect.poll(() => backend.posts.length).toBe(before + 1);
    expect(backend.posts[before]).toMatchObject({
      path: '/api/v1/incidents/INC-000097/escalate',
      body: { toLevel: 3, reason: 'reproduced and isolated to the server', notes: 'Controller log shows two failed disks; replaced cable, no change.' },
    });
    await expect.poll(() => page.locator('#flash').textContent()).toContain('INC-000097 escalated');
    // Escape closes the detail and the address no longer names the incident.
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#detail').isVisible()).toBe(false);
    expect(new URL(page.url()).hash).toBe('');
    await page.close();
  });

  it('files a complaint and acknowledges a management step as admin, and shows a missing route\'s reason beside its button', async () => {
    const page = await openAs(ADMIN, '&incident=INC-000088');
    const detail = page.locator('#detail');
    await detail.locator('#detail-title').waitFor();
    await detail.locator('details[data-panel="complaint"] summary').click();
    const complaint = detail.locator('form[data-action="complaint"]');
    expect(await complaint.textContent()).toContain('management step 3 (VP Customer Success)');
    let before = backend.posts.length;
    await complaint.getByLabel('Complaint').fill('No progress report for four hours.');
    await complaint.getByRole('button', { name: 'File complaint' }).click();
    await expect.poll(() => backend.posts.length).toBe(before + 1);
    expect(backend.posts[before]).toMatchObject({ path: '/api/v1/incidents/INC-000088/complaint', body: { note: 'No progress report for four hours.' } });

    // Step 2 was notified and nobody has acknowledged it: admin (the vendor's management) can record that.
    const step = detail.locator('.mgmt-step[data-step="2"]');
    expect(await step.textContent()).toContain('not acknowledged');
    before = backend.posts.length;
    await step.getByRole('button', { name: 'Acknowledge step 2' }).click();
    await expect.poll(() => backend.posts.length).toBe(before + 1);
    expect(backend.posts[before]).toMatchObject({ path: '/api/v1/incidents/INC-000088/management/acknowledge', body: { step: 2 } });
    await page.close();

    // A ticket whose creation failed says why, and the retry's refusal (here: a daemon without the route) sits beside it.
    const l2 = await openAs(ADMIN, '&incident=INC-000093');
    const ticket = l2.locator('#detail section[aria-label="Ticket"]');
    await expect.poll(() => ticket.textContent()).toContain('Why: HTTP 400: project SUP does not exist');
    await ticket.getByRole('button', { name: 'Retry ticket creation' }).click();
    await expect.poll(() => ticket.locator('.form-error').textContent()).toContain('This daemon does not offer this action (no route for POST /api/v1/incidents/INC-000093/ticket/retry)');
    expect(await l2.locator('li.card[data-id="INC-000093"] [data-fact="ticket"]').textContent()).toContain('failed');
    await l2.close();
  });

  it('shows a ticket link only for http(s): a javascript: URL from the ticketing system stays text, and a hostile title is text', async () => {
    const page = await openAs(L2, '&incident=INC-000090');
    // The panel shows the id until the incident has loaded: wait for the title itself.
    await expect.poll(() => page.locator('#detail-title').textContent()).toBe(HOSTILE_TITLE);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    const card = page.locator('li.card[data-id="INC-000090"]');
    await expect.poll(() => card.locator('[data-fact="ticket"]').textContent()).toBe('T-EVIL');
    expect(await card.locator('[data-fact="ticket"] a').count()).toBe(0);
    expect(await page.locator('#detail .ticket-id').textContent()).toBe('T-EVIL');
    expect(await page.locator('a[href^="javascript"], a[href^="JAVASCRIPT"]').count()).toBe(0);
    // A good one is a link that opens elsewhere without telling the vendor's system where it came from.
    const good = page.locator('li.card[data-id="INC-000088"] [data-fact="ticket"] a');
    expect(await good.getAttribute('href')).toBe('http://tickets.example/T-4411');
    expect(await good.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    await page.close();
  });

  it('reconnects by itself after the socket drops and asks to resume from the last seq it saw', async () => {
    const page = await openAs(VIEWER);
    const last = backend.emit('component.changed', { serverId: 'srv-0001', customerId: 'acme', component: 'backup', kind: 'software', from: 'ok', to: 'degraded', at: new Date().toISOString(), message: 'job running slow' });
    await expect.poll(() => page.locator('#feed').textContent()).toContain('acme-hq-01 backup (software): ok → degraded');
    const sent = backend.clientMessages.length;
    backend.dropClients();
    await page.locator('#conn[data-state="reconnecting"], #conn[data-state="connecting"]').first().waitFor();
    await page.locator('#conn[data-state="connected"]').waitFor({ timeout: 10_000 });
    await expect.poll(() => backend.clientMessages.slice(sent)).toContainEqual({ type: 'resume', fromSeq: last.seq });
    await page.close();
  });

  it('shows the recent events on load, asking the daemon to replay those just before its snapshot', async () => {
    const before = backend.emit('console.down', { consoleId: 'dr-site', error: 'connect ECONNREFUSED' });
    const sent = backend.clientMessages.length;
    const page = await openAs(VIEWER);
    await expect.poll(() => page.locator('.feed-text', { hasText: 'console dr-site is down' }).count()).toBeGreaterThan(0);
    expect(backend.clientMessages.slice(sent)).toContainEqual({ type: 'resume', fromSeq: Math.max(0, before.seq - 50) });
    await page.close();
  });

  it('ticks SLA countdowns every second, turning amber at warnAt and red at the due instant, and drops resolved incidents', async () => {
    const page = await openAs(VIEWER);
    const t = Date.now();
    const base = makeIncident({ id: 'INC-000103', level: 2, priority: 'P2', title: 'Degraded for longer than the grace period' }, t);
    const response = { dueAt: new Date(t + 4_000).toISOString(), warnAt: new Date(t + 2_000).toISOString(), state: 'running' as const, warnedAt: null, breachedAt: null, startedAt: new Date(t - 60_000).toISOString() };
    const soon = { ...base, sla: { ...base.sla!, response } };
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
    const page = await openAs(VIEWER);
    await page.locator('li.card').first().waitFor();
    backend.sendRaw({ type: 'resync', seq: 500, snapshot: { incidents: [], servers: [snapshot().servers[0]], consoles: [] } });
    await expect.poll(() => page.locator('li.card').count()).toBe(0);
    expect(await page.locator('#servers .server').count()).toBe(1);
    expect(await page.locator('ol[data-lane="3"]').textContent()).toContain('No open incidents');
    await page.close();
  });

  it('shows events missed while disconnected once each, from the replay after resume', async () => {
    const page = await openAs(VIEWER);
    backend.emit('console.up', { consoleId: 'main' });
    await expect.poll(() => page.locator('#feed').textContent()).toContain('console main is up');
    const ups = await page.locator('.feed-text', { hasText: 'console main is up' }).count();
    backend.dropClients();
    await expect.poll(() => backend.openSockets()).toBe(0);
    backend.emit('console.down', { consoleId: 'dr-site' });
    await page.locator('#conn[data-state="connected"]').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('.feed-text', { hasText: 'console dr-site is down' }).count()).toBeGreaterThan(0);
    const seqs = await page.locator('#feed .feed-item').evaluateAll((els) => els.map((el) => el.getAttribute('data-seq')));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(await page.locator('.feed-text', { hasText: 'console main is up' }).count()).toBe(ups);
    await page.close();
  });

  it('says an unreachable server\'s components are unknown, never that they are fine', async () => {
    const page = await openAs(VIEWER);
    const server = page.locator('#servers .server[data-id="srv-0003"]');
    await server.waitFor();
    const text = await server.textContent();
    expect(text).toContain('unreachable');
    expect(text).toContain('unknown');
    expect(text).not.toMatch(/components ok/);
    // A healthy server is a compact chip; the customer heading carries the name from the customers route.
    expect(await page.locator('#servers .customer-title').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Globex Corporation')]));
    await page.close();
  });

  it('sends the level and customer filters as the live subscription, keeps mode and filters across a reload, and searches', async () => {
    const page = await openAs(L2);
    await page.evaluate("localStorage.removeItem('escalatord.prefs')");
    const sent = backend.clientMessages.length;
    await page.locator('#f-level').selectOption('3');
    await page.locator('#f-customer').selectOption('globex');
    await expect.poll(() => backend.clientMessages.slice(sent)).toContainEqual({ type: 'subscribe', filter: { levels: [3, 4], customerIds: ['globex'], serverIds: [], types: [] } });
    await page.locator('#conn[data-state="connected"]').waitFor();
    await page.getByRole('button', { name: 'List' }).click();
    await expect.poll(() => page.locator('#list tbody tr.row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')))).toEqual(['INC-000088']);
    expect(await page.locator('#shown').textContent()).toMatch(/Showing 1 of \d+/);

    await page.reload();
    await page.locator('#conn[data-state="connected"]').waitFor();
    // The page restores its mode and filters as it starts; let it finish.
    await expect.poll(() => page.locator('#f-level').inputValue()).toBe('3');
    await expect.poll(() => page.locator('#f-customer').inputValue()).toBe('globex');
    await expect.poll(() => page.locator('#list').isVisible()).toBe(true);
    await expect.poll(() => page.locator('#board').isVisible()).toBe(false);
    await expect.poll(() => page.locator('#list tbody tr.row').count()).toBe(1);

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.locator('#f-q').fill('acme-hq-02');
    await expect.poll(() => page.locator('#list tbody tr.row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')))).toEqual(['INC-000097']);
    await page.locator('#f-q').fill('');
    await page.getByRole('button', { name: 'Board' }).click();
    await page.close();
  });

  it('paints the saved list mode before any data arrives, so a reload never flashes the board', async () => {
    const page = await openAs(L2);
    await page.getByRole('button', { name: 'List' }).click();
    await expect.poll(() => page.locator('#list').isVisible()).toBe(true);
    // What the page shows when its own scripts have run but the live feed has not answered yet.
    await page.addInitScript(`
      document.addEventListener('DOMContentLoaded', () => {
        window.firstPaint = { board: !document.getElementById('board').hidden, list: !document.getElementById('list').hidden,
          pressed: document.querySelector('.view-switch [data-mode="list"]').getAttribute('aria-pressed') };
      });`);
    await page.reload();
    expect(await page.evaluate('window.firstPaint')).toEqual({ board: false, list: true, pressed: 'true' });
    await page.getByRole('button', { name: 'Board' }).click();
    await expect.poll(() => page.locator('#board').isVisible()).toBe(true);
    await page.close();
  });

  it('is served with a CSP that forbids inline script, and the page breaks none of it', async () => {
    const res = await fetch(`${backend.url}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const page = await openAs(L2, '&incident=INC-000097');
    await page.locator('#detail-title').waitFor();
    await page.locator('#detail details[data-panel="resolve"] summary').click();
    expect(await page.evaluate('window.cspViolations')).toEqual([]);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it('looks clean at 1440×900 as board, list and detail, on a narrow screen and in dark mode', async () => {
    const page = await openAs(L2);
    backend.emit('sla.breached', { incidentId: 'INC-000088', clock: 'progress', incident: seedIncidents()[2] });
    backend.emit('console.down', { consoleId: 'dr-site', error: 'connect ECONNREFUSED 10.0.0.9:443' });
    await page.locator('.feed-item').nth(1).waitFor();
    await page.screenshot({ path: `${artifacts}fake-board-1440.png` });
    await page.getByRole('button', { name: 'List' }).click();
    await page.locator('#list').waitFor();
    await page.screenshot({ path: `${artifacts}fake-list-1440.png` });
    await page.getByRole('button', { name: 'Board' }).click();
    await page.locator('li.card[data-id="INC-000088"] .card-title a').click();
    await page.locator('#detail-title').waitFor();
    await page.screenshot({ path: `${artifacts}fake-detail-1440.png` });
    await page.keyboard.press('Escape');
    // Nothing may spill sideways on a phone-sized screen.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${artifacts}fake-narrow.png`, fullPage: true });
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: `${artifacts}fake-dark.png` });
    await page.close();
  });
});

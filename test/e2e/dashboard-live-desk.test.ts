// The desks' work from the page against the real daemon (in-process, with the simulators): what the detail
// tells about the reporter and the SLA clocks, an administration request logged from the form, and the
// vendor management's side (a complaint, acknowledging the management step) as admin. Checked against
// what the API answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { serversOf, startDaemonInProcess, TEST_CONTACTS, type InProcessDaemon } from '../helpers/daemon-in-process.js';
import { waitFor } from '../helpers/net.js';
import { apiIncident, artifacts, expectClean, launch, openAs, skipBrowser, type Tracked } from './fixtures/dashboard-browser.js';

/** Acme's contact with a phone number: the desk calls back on it. */
const JO = { ...TEST_CONTACTS.acme, phone: '+44 20 7946 0018' };

/** "Mon 30 Nov 10:00 Europe/London", as the page writes a due instant, worked out here with Intl. */
function dueText(iso: string, timeZone: string): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `due ${parts.weekday} ${parts.day} ${parts.month} ${parts.hour}:${parts.minute} ${timeZone}`;
}

async function openLogForm(page: Tracked, customerId: string, serverId: string) {
  await page.getByRole('button', { name: 'Log a fault or request' }).click();
  const dialog = page.locator('#log-dialog');
  await dialog.getByLabel('Customer').selectOption(customerId);
  await expect.poll(() => dialog.locator('#log-server option').count()).toBeGreaterThan(1);
  await dialog.getByLabel('Server').selectOption(serverId);
  return dialog;
}

const loggedId = async (page: Tracked) => {
  await expect.poll(() => page.locator('#flash').textContent()).toMatch(/INC-\d+ logged/);
  return /(INC-\d+)/.exec((await page.locator('#flash').textContent())!)![1];
};

describe.skipIf(skipBrowser)('the desks\' work from the page against the real daemon', () => {
  let d: InProcessDaemon;
  let browser: Browser;

  beforeAll(async () => {
    d = await startDaemonInProcess({
      config: {
        customers: [
          { id: 'acme', name: 'Acme Ltd', authorisedContacts: [JO] },
          { id: 'globex', name: 'Globex Corporation', authorisedContacts: [TEST_CONTACTS.globex] },
          { id: 'initech', name: 'Initech', authorisedContacts: [TEST_CONTACTS.initech] },
        ],
      },
    });
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    await d?.stop();
  });

  it('shows the reporter\'s phone number and each running SLA clock\'s due instant in the calendar\'s zone', async () => {
    const page = await openAs(browser, d, 'l1');
    const dialog = await openLogForm(page, 'acme', serversOf(d, 'acme')[0]);
    await dialog.locator('#log-contact').selectOption({ label: `${JO.name} <${JO.email}>` });
    await dialog.getByLabel('Symptoms (one per line)').fill('Shared calendar will not open');
    await dialog.getByRole('button', { name: 'Log it' }).click();
    const id = await loggedId(page);
    const detail = page.locator('#detail');
    await expect.poll(() => detail.locator('#detail-title').textContent()).toBe('Shared calendar will not open');

    const reporter = detail.locator('section[aria-label="Reported by"]');
    await expect.poll(() => reporter.textContent()).toContain(JO.phone);
    expect(await reporter.textContent()).toContain(JO.email);

    const api = await apiIncident(d, id);
    const policy = (await (await d.api('l1', 'GET', '/api/v1/sla/policy')).json()) as { priorities: Record<string, { calendar: string }>; calendars: Record<string, { timezone: string }> };
    const zone = policy.calendars[policy.priorities[api.priority].calendar].timezone;
    expect(zone).toBe('Europe/London');
    for (const clock of ['response', 'resolution'] as const) {
      const dueAt = api.sla![clock].dueAt!;
      await expect.poll(() => detail.locator(`.sla[data-clock="${clock}"] .due`).textContent(), { message: clock }).toBe(dueText(dueAt, zone));
    }
    await expectClean(page);
    await page.close();
  });

  it('logs an administration request from the form, at its catalogue level, with its type on the detail', async () => {
    const page = await openAs(browser, d, 'l1');
    const server = serversOf(d, 'globex')[0];
    const dialog = await openLogForm(page, 'globex', server);
    await dialog.getByLabel('An administration request').check();
    expect(await dialog.getByLabel('Symptoms (one per line)').isVisible()).toBe(false);
    await dialog.locator('#log-contact').selectOption({ label: `${TEST_CONTACTS.globex.name} <${TEST_CONTACTS.globex.email}>` });
    await dialog.getByLabel('Request type').selectOption('add-file-share');
    await dialog.getByRole('button', { name: 'Log it' }).click();
    const id = await loggedId(page);

    const api = await apiIncident(d, id);
    expect(api).toMatchObject({ type: 'request', requestType: 'add-file-share', level: 2, priority: 'P4', serverId: server, customerId: 'globex', reporter: TEST_CONTACTS.globex });
    const detail = page.locator('#detail');
    await expect.poll(() => detail.locator('section[aria-label="Request"]').textContent()).toContain('Request type: add-file-share');
    expect(await detail.locator('.detail-head').textContent()).toContain('request');
    await page.locator(`ol[data-lane="2"] li.card[data-id="${id}"]`).waitFor();
    await expectClean(page);
    await page.close();
  });

  it('files a complaint as admin, which notifies management step 2, and acknowledges that step; the API records both', async () => {
    const res = await d.api('l1', 'POST', '/api/v1/incidents', {
      type: 'fault', customerId: 'initech', serverId: serversOf(d, 'initech')[0], reporter: TEST_CONTACTS.initech, symptoms: ['VPN drops every ten minutes'],
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };

    const page = await openAs(browser, d, 'admin', `&incident=${id}`);
    const detail = page.locator('#detail');
    await detail.locator('#detail-title').waitFor();
    await detail.locator('details[data-panel="complaint"] summary').click();
    const complaint = detail.locator('form[data-action="complaint"]');
    expect(await complaint.textContent()).toContain('management step 2 (Head of Support)');
    await complaint.getByLabel('Complaint').fill('Customer has called three times without an answer.');
    await complaint.getByRole('button', { name: 'File complaint' }).click();

    const step = detail.locator('.mgmt-step[data-step="2"]');
    await expect.poll(() => step.textContent()).toContain('not acknowledged');
    expect(await step.textContent()).toMatch(/Step 2: Head of Support — Dana Whitfield.*notified .*— complaint/);
    const filed = await waitFor(async () => {
      const i = await apiIncident(d, id);
      return i.management?.step === 2 ? i : null;
    }, { what: 'management step 2 at the daemon' });
    expect(filed.management!.history.find((h) => h.step === 2)).toMatchObject({ reason: 'complaint', acknowledgedAt: null });
    expect(filed.timeline.some((t) => t.action === 'complaint' && t.actor.name === 'admin' && t.note === 'Customer has called three times without an answer.')).toBe(true);

    await step.getByRole('button', { name: 'Acknowledge step 2' }).click();
    await expect.poll(() => step.textContent()).toMatch(/acknowledged by admin/);
    expect(await step.getByRole('button', { name: 'Acknowledge step 2' }).count()).toBe(0);
    const acked = await apiIncident(d, id);
    expect(acked.management!.history.find((h) => h.step === 2)!.acknowledgedAt).toEqual(expect.any(String));
    await page.screenshot({ path: `${artifacts}live-management-1440.png` });
    await expectClean(page);
    await page.close();
  });
});

// The demo as `npm start` runs it: the compiled daemon on config/default.yaml itself — only its ports and
// its store moved to a temp folder — so a mistake in the demo's own mail wiring (the e-mail channel, the
// mail sink, the management contacts) fails here. A complaint about an incident reaches the Head of
// Support in the sink, read over the sink's HTTP list (GET /mail), as the README tells a demo user to.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { REPO_ROOT, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { freePort, waitFor } from '../helpers/net.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the YAML document and API bodies are free-form here

const HEAD_OF_SUPPORT = 'head-of-support@vendor.example';

let daemon: DaemonProcess | undefined;
let dir: TempDir | undefined;
afterEach(async () => {
  await daemon?.stop();
  dir?.remove();
  daemon = undefined;
  dir = undefined;
});

/** config/default.yaml with only what must not collide moved: the ports (any free one) and the store (the temp folder). */
async function demoConfig(folder: TempDir): Promise<Json> {
  const doc = parseYaml(readFileSync(join(REPO_ROOT, 'config/default.yaml'), 'utf8')) as Json;
  const mail = (doc.notifications.channels as Json[]).find((c) => c.type === 'email')!;
  // The demo's wiring itself: its e-mail channel sends to the port its mail sink listens on.
  expect(doc.simulator).toMatchObject({ enabled: true, mailSink: true });
  expect(mail.smtp).toMatchObject({ host: '127.0.0.1', port: doc.simulator.mailSmtpPort });
  // The channel names the sink's SMTP port before start, so that one port is chosen here; the rest are 0.
  const smtpPort = await freePort();
  mail.smtp.port = smtpPort;
  doc.server.port = 0;
  doc.storage.path = folder.file('escalatord.json');
  doc.simulator = { ...doc.simulator, consolePort: 0, ticketingPort: 0, mailSmtpPort: smtpPort, mailHttpPort: 0 };
  return doc;
}

describe('the npm start demo', () => {
  it('mails the Head of Support when L2 complains about an incident, readable on the mail sink\'s GET /mail', { timeout: 60_000 }, async () => {
    dir = makeTempDir('escalatord-demo-');
    const doc = await demoConfig(dir);
    const token = (role: string) => (doc.auth.tokens as Json[]).find((t) => t.role === role)!.token as string;
    daemon = await startDaemonProcess({ configYaml: toYaml(doc), dir: dir.path, readyTimeoutMs: 30_000 });
    const d = daemon;
    const api = async (role: string, method: string, path: string, body?: unknown): Promise<Json> => {
      const res = await fetch(`${d.url}${path}`, {
        method, headers: { authorization: `Bearer ${token(role)}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      expect(res.ok, `${method} ${path}: ${res.status} ${text}`).toBe(true);
      return JSON.parse(text) as Json;
    };
    const sinkList = await waitFor(() => d.logs().find((l) => l.msg === 'mail sink listening')?.list as string | undefined, { what: 'the mail sink to listen' });

    // A server of Acme's, once the first poll of the built-in console has listed it.
    const customer = (doc.customers as Json[]).find((c) => c.id === 'acme')!;
    const serverId = await waitFor(async () => ((await api('l1', 'GET', '/api/v1/servers?customerId=acme')).items as Json[])[0]?.id as string | undefined, { what: 'the first poll' });
    const logged = await api('l1', 'POST', '/api/v1/incidents', {
      type: 'fault', customerId: 'acme', serverId, reporter: customer.authorisedContacts[0], symptoms: ['users cannot log in'], priority: 'P2', newIncident: true,
    });
    const incidentId = logged.id as string;
    await api('l2', 'POST', `/api/v1/incidents/${incidentId}/complaint`, { note: 'no word from support for an hour' });

    const mails = await waitFor(async () => {
      const res = await fetch(`${sinkList}?to=${encodeURIComponent(HEAD_OF_SUPPORT)}`);
      const items = ((await res.json()) as { items: Json[] }).items.filter((m) => m.headers['x-escalatord-incident'] === incidentId);
      return items.length > 0 ? items : undefined;
    }, { timeoutMs: 30_000, what: 'the Head of Support\'s mail' });
    expect(mails[0]).toMatchObject({
      envelope: { to: [HEAD_OF_SUPPORT, ...(doc.notifications.channels[0].to as string[])] },
      subject: expect.stringContaining(`${incidentId} escalated to Head of Support (management step 2)`),
      headers: { 'x-escalatord-kind': 'management.escalated' },
    });
    expect(mails[0].text).toContain('complaint');
    expect(mails[0].text).toContain(`${doc.server.publicUrl}/#incident=${incidentId}`);
  });
});

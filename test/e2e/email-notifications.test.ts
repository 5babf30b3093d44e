// E-mail end to end on the real daemon: an unacknowledged L3 incident breaches its response target (seconds
// on the 24x7 calendar), and the breach reaches the L2 desk and — as management step 2 — the Head of
// Support, through the outbox, nodemailer and the simulators' SMTP mail sink, with the dashboard link.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../helpers/net.js';
import { componentOf, serversOf, setConsoleComponent, startDaemonInProcess, type InProcessDaemon } from '../helpers/daemon-in-process.js';

const seconds = (respond: string) => ({ respond, progressEvery: '1h', resolve: '2h', calendar: '24x7' });
let d: InProcessDaemon;

beforeEach(async () => {
  // The channel must name the sink's port before the daemon starts, so the port is chosen here.
  const smtpPort = await freePort();
  d = await startDaemonInProcess({
    config: {
      server: { publicUrl: 'http://esc.test/ops' },
      simulator: { mailSink: true, mailSmtpPort: smtpPort, mailHttpPort: 0 },
      notifications: { channels: [{ id: 'mail', type: 'email', smtp: { host: '127.0.0.1', port: smtpPort, secure: false }, from: 'escalatord <escalatord@provider.example>', to: ['l2-desk@provider.example'] }] },
      sla: { warnAt: 0.5, priorities: { P1: seconds('3s'), P2: seconds('3s'), P3: seconds('3s'), P4: seconds('3s') } },
      management: { workingDay: '24x7', stepWindow: '1h' },
    },
  });
});
afterEach(() => d.stop());

describe('e-mail notifications end to end', () => {
  it('sends the response warning and breach to the channel and the breach to the Head of Support as management step 2', { timeout: 30_000 }, async () => {
    const sink = d.daemon.simulators!.mail!;
    const serverId = serversOf(d, 'acme')[0];
    await setConsoleComponent(d, serverId, componentOf(d, serverId, 'software'), 'failed', 'service terminated');
    const [incident] = await d.daemon.store.read.incidents.openOn(serverId);
    expect(incident).toMatchObject({ level: 3, status: 'open' });

    const toHead = await sink.waitFor((m) => m.envelope.to.includes('head-of-support@vendor.example'), 15_000);
    expect(toHead.envelope.to).toEqual(['head-of-support@vendor.example', 'l2-desk@provider.example']);
    expect(toHead.subject).toBe(`[${incident.priority}] ${incident.id} escalated to Head of Support (management step 2): ${incident.title}`);
    expect(toHead.text).toContain(`incident ${incident.id} has been escalated to you as Head of Support`);
    expect(toHead.text).toContain(`Open the incident: http://esc.test/ops/#incident=${incident.id}`);
    expect(toHead.html).toContain(`href="http://esc.test/ops/#incident=${incident.id}"`);
    expect(toHead.headers).toMatchObject({ 'x-escalatord-incident': incident.id, 'x-escalatord-kind': 'management.escalated' });

    const breach = await sink.waitFor((m) => m.headers['x-escalatord-kind'] === 'sla.breached');
    expect(breach.envelope.to).toEqual(['l2-desk@provider.example']);
    expect(breach.subject).toMatch(new RegExp(`^\\[${incident.priority}\\] SLA breached: ${incident.id} response was due `));
    const warning = await sink.waitFor((m) => m.headers['x-escalatord-kind'] === 'sla.warning');
    expect(warning.envelope.to).toEqual(['l2-desk@provider.example']);

    // Sent means done: the outbox lets go of every notification once the server has taken it.
    await waitFor(async () => (await d.daemon.store.read.outbox.forIncident(incident.id)).every((o) => o.kind !== 'notify'), { what: 'the notifications to leave the outbox' });
    expect(await d.daemon.store.read.outbox.deadLetters(100)).toEqual([]);
  });
});

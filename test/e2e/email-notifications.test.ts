// E-mail end to end on the real daemon: an unacknowledged L3 incident breaches its response target (seconds
// on the 24x7 calendar), and the breach reaches the L2 desk and — as management step 2 — the Head of
// Support, through the outbox, nodemailer and the simulators' SMTP mail sink, with the dashboard link. A
// server answering 421 is tried again until it takes the mail; one answering 550 dead-letters it.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MailSink, type SmtpReply } from '../../src/simulator/mail-sink.js';
import { freePort, waitFor } from '../helpers/net.js';
import { componentOf, serversOf, setConsoleComponent, startDaemonInProcess, type InProcessDaemon } from '../helpers/daemon-in-process.js';

const seconds = (respond: string) => ({ respond, progressEvery: '1h', resolve: '2h', calendar: '24x7' });
let d: InProcessDaemon | null = null;
let ownSink: MailSink | null = null;
afterEach(async () => {
  await d?.stop();
  await ownSink?.stop();
  d = null;
  ownSink = null;
});

/** A daemon whose one e-mail channel sends to 127.0.0.1:`smtpPort`; SLA targets of 3 s, management every hour. */
function startWithMail(smtpPort: number, extra: Record<string, unknown> = {}): Promise<InProcessDaemon> {
  return startDaemonInProcess({
    config: {
      server: { publicUrl: 'http://esc.test/ops' },
      notifications: { channels: [{ id: 'mail', type: 'email', smtp: { host: '127.0.0.1', port: smtpPort, secure: false }, from: 'escalatord <escalatord@provider.example>', to: ['l2-desk@provider.example'] }] },
      sla: { warnAt: 0.5, priorities: { P1: seconds('3s'), P2: seconds('3s'), P3: seconds('3s'), P4: seconds('3s') } },
      management: { workingDay: '24x7', stepWindow: '1h' },
      ticketing: { backoffBase: '200ms', backoffCap: '1s' },
      ...extra,
    },
  });
}

/** A test's own SMTP server, refusing as `reply` says. */
async function startOwnSink(reply: (stage: 'mail' | 'rcpt', address: string) => SmtpReply | null): Promise<MailSink> {
  ownSink = new MailSink({ httpPort: null, logger: pino({ level: 'silent' }), reply });
  await ownSink.start();
  return ownSink;
}

async function failSoftware(daemon: InProcessDaemon) {
  const serverId = serversOf(daemon, 'acme')[0];
  await setConsoleComponent(daemon, serverId, componentOf(daemon, serverId, 'software'), 'failed', 'service terminated');
  const [incident] = await daemon.daemon.store.read.incidents.openOn(serverId);
  expect(incident).toMatchObject({ level: 3, status: 'open' });
  return incident;
}

describe('e-mail notifications end to end', () => {
  it('sends the response warning and breach to the channel and the breach to the Head of Support as management step 2', { timeout: 30_000 }, async () => {
    // The channel must name the sink's port before the daemon starts, so the port is chosen here.
    const smtpPort = await freePort();
    d = await startWithMail(smtpPort, { simulator: { mailSink: true, mailSmtpPort: smtpPort, mailHttpPort: 0 } });
    const sink = d.daemon.simulators!.mail!;
    const incident = await failSoftware(d);

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
    const daemon = d;
    await waitFor(async () => (await daemon.daemon.store.read.outbox.forIncident(incident.id)).every((o) => o.kind !== 'notify'), { what: 'the notifications to leave the outbox' });
    expect(await daemon.daemon.store.read.outbox.deadLetters(100)).toEqual([]);
  });

  it('tries a mail again after a 421 until the server takes it', { timeout: 30_000 }, async () => {
    let refusals = 0;
    // Busy for the first two attempts of the session, then open.
    const sink = await startOwnSink((stage) => {
      if (stage !== 'mail' || refusals >= 2) return null;
      refusals += 1;
      return { code: 421, message: '4.7.0 Try again later' };
    });
    d = await startWithMail(sink.smtpPort!);
    const incident = await failSoftware(d);
    const mail = await sink.waitFor((m) => m.headers['x-escalatord-incident'] === incident.id, 20_000);
    expect(refusals).toBe(2);
    expect(mail.envelope.to).toContain('l2-desk@provider.example');
    expect(await d.daemon.store.read.outbox.deadLetters(100)).toEqual([]);
    const metrics = await d.daemon.registry.metrics();
    expect(metrics).toMatch(/escalatord_ticket_requests_total\{adapter="[^"]+",operation="notify",outcome="server-error"\} [1-9]/);
  });

  it('dead-letters a mail the server refuses for good (550), and says so on the incident', { timeout: 30_000 }, async () => {
    const sink = await startOwnSink((stage) => (stage === 'rcpt' ? { code: 550, message: '5.1.1 No such user' } : null));
    d = await startWithMail(sink.smtpPort!);
    const incident = await failSoftware(d);
    const daemon = d;
    const [dead] = await waitFor(async () => {
      const letters = (await daemon.daemon.store.read.outbox.deadLetters(100)).filter((l) => l.kind === 'notify' && l.incidentId === incident.id);
      return letters.length > 0 ? letters : null;
    }, { timeoutMs: 20_000, what: 'a dead-lettered notification' });
    expect(dead).toMatchObject({ attempts: 0, status: 550, reason: expect.stringMatching(/^client-error: SMTP/) });
    expect(sink.messages()).toEqual([]);
    const timeline = (await daemon.daemon.store.read.incidents.get(incident.id))!.timeline;
    expect(timeline.some((t) => t.action === 'notification-failed')).toBe(true);
    // Counted after the commit that dead-letters it.
    await waitFor(async () => /escalatord_ticket_dead_letters_total [1-9]/.test(await daemon.daemon.registry.metrics()), { what: 'the dead letter to be counted' });
  });
});

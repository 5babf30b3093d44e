// The e-mail channel against a real SMTP server in this process (the demo's mail sink, smtp-server +
// mailparser): who receives what, both bodies, and how SMTP refusals are classified for the outbox.
import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { classifySmtpError, emailRecipients } from '../../src/notify/email.js';
import type { NotificationMessage } from '../../src/notify/message.js';
import { Notifier } from '../../src/notify/notifier.js';
import { MailSink, type SmtpReply } from '../../src/simulator/mail-sink.js';
import { TicketError } from '../../src/tickets/ticket-error.js';
import { pino } from 'pino';
import { managementStepMessage, SLA_BREACH } from '../helpers/notification-fixtures.js';

type Channel = Config['notifications']['channels'][number];

const breach = SLA_BREACH;
const escalation: NotificationMessage = {
  ...breach,
  kind: 'management.escalated',
  title: 'INC-000042 escalated to Head of Support',
  text: 'The SLA was missed; step 2 of the management path.',
  step: 2,
  contact: { title: 'Head of Support', name: 'Pat Head', email: 'head-of-support@vendor.example', phone: '+44 20 7946 0000' },
};

let refuse: ((stage: 'mail' | 'rcpt', address: string) => SmtpReply | null) | null = null;
const sink = new MailSink({ httpPort: null, logger: pino({ level: 'silent' }), reply: (stage, address) => refuse?.(stage, address) ?? null });
let notifier: Notifier;

function emailChannel(port: number, over: Partial<Extract<Channel, { type: 'email' }>> = {}): Channel {
  return { id: 'mail', type: 'email', smtp: { host: '127.0.0.1', port, secure: false }, from: 'escalatord <escalatord@provider.example>', to: ['l2-desk@provider.example'], ...over };
}

beforeAll(async () => {
  const { smtpPort } = await sink.start();
  // Deliveries to the local sink must succeed: generous, as a busy machine can stall for seconds.
  notifier = new Notifier({ channels: [emailChannel(smtpPort)], timeoutMs: 30_000, now: () => new Date('2026-11-25T18:00:00Z') });
});
afterAll(async () => {
  notifier.close();
  await sink.stop();
});
afterEach(() => {
  refuse = null;
  sink.clear();
});

describe('e-mail channel', () => {
  it('sends an SLA breach to the channel recipients with the subject, a plain-text and an HTML body and the link', async () => {
    const result = await notifier.send('mail', breach);
    expect(result.email).toMatchObject({ accepted: ['l2-desk@provider.example'], rejected: [] });
    const [mail] = sink.messages();
    expect(mail.envelope).toEqual({ from: 'escalatord@provider.example', to: ['l2-desk@provider.example'] });
    expect(mail.subject).toBe('[P2] SLA breached: INC-000042 resolution was due 2026-11-25 17:30 UTC');
    expect(mail.text).toContain('The resolution target of incident INC-000042 was due 2026-11-25 17:30 UTC and has been missed.');
    expect(mail.text).toContain('\nCustomer: Acme Ltd (acme)\nServer:   srv-0001\n');
    expect(mail.text).toContain('Open the incident: https://esc.example/ops/#incident=INC-000042');
    expect(mail.html).toContain('<a href="https://esc.example/ops/#incident=INC-000042">Open INC-000042 in the dashboard</a>');
    expect(mail.html).toContain('<td style="padding:2px 0">resolution breached, due 2026-11-25 17:30 UTC</td>');
    expect(mail.headers).toEqual({ 'x-escalatord-incident': 'INC-000042', 'x-escalatord-kind': 'sla.breached' });
  });

  it('sends a management step to the step contact as well as the channel recipients', async () => {
    await notifier.send('mail', escalation);
    const [mail] = sink.messages();
    expect(mail.envelope.to).toEqual(['head-of-support@vendor.example', 'l2-desk@provider.example']);
    expect(mail.to).toEqual(['head-of-support@vendor.example', 'l2-desk@provider.example']);
    expect(mail.subject).toBe('[P2] INC-000042 escalated to Head of Support (management step 2): backup failed on acme-hq-01');
    expect(mail.text.split('\n')[0]).toBe('Pat Head, incident INC-000042 has been escalated to you as Head of Support (step 2 of the management path).');
    expect(mail.html).toContain('Head of Support: Pat Head (head-of-support@vendor.example, +44 20 7946 0000)');
  });

  it('tells the step contact the incident\'s most urgent clock on a management step raised by the outbox', async () => {
    await notifier.send('mail', managementStepMessage());
    const [mail] = sink.messages();
    expect(mail.envelope.to).toEqual(['head-of-support@vendor.example', 'l2-desk@provider.example']);
    expect(mail.text).toMatch(/^SLA: +resolution breached, due 2026-11-25 17:30 UTC$/m);
    expect(mail.html).toContain('<td style="padding:2px 0">resolution breached, due 2026-11-25 17:30 UTC</td>');
  });

  it('escapes HTML from data in the HTML body and keeps it readable in the text body', async () => {
    await notifier.send('mail', { ...breach, incidentTitle: '<script>alert(1)</script> & "quotes"', customerName: '<b>Acme</b>' });
    const [mail] = sink.messages();
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<b>Acme</b>');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(mail.text).toContain('<script>alert(1)</script> & "quotes"');
  });

  it('says a 421 may be retried and leaves nothing in the mailbox', async () => {
    refuse = (stage) => (stage === 'mail' ? { code: 421, message: 'Too busy, try later' } : null);
    const err = await notifier.send('mail', breach).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TicketError);
    expect(err).toMatchObject({ retryable: true, reason: 'server-error', status: 421 });
    expect(sink.messages()).toEqual([]);
    // The same message goes through once the server takes mail again.
    refuse = null;
    await notifier.send('mail', breach);
    expect(sink.messages()).toHaveLength(1);
  });

  it('says a 550 for every recipient is permanent', async () => {
    refuse = (stage) => (stage === 'rcpt' ? { code: 550, message: 'No such user' } : null);
    const err = await notifier.send('mail', breach).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TicketError);
    expect(err).toMatchObject({ retryable: false, reason: 'client-error', status: 550 });
    expect(sink.messages()).toEqual([]);
  });

  it('delivers to the recipients the server takes when it refuses only some, and says which', async () => {
    refuse = (stage, address) => (stage === 'rcpt' && address.startsWith('head-of-support') ? { code: 550, message: 'No such user' } : null);
    const result = await notifier.send('mail', escalation);
    expect(result.email).toMatchObject({ accepted: ['l2-desk@provider.example'], rejected: ['head-of-support@vendor.example'] });
    expect(sink.messages()[0].envelope.to).toEqual(['l2-desk@provider.example']);
  });

  it('says a refused connection may be retried', async () => {
    const closed = await new Promise<Server>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    // Generous: a refused connection fails at once, and a slow one must not turn it into a timeout.
    const offline = new Notifier({ channels: [emailChannel(port)], timeoutMs: 30_000, now: () => new Date() });
    await expect(offline.send('mail', breach)).rejects.toMatchObject({ retryable: true, reason: 'network' });
    offline.close();
  });

  it('refuses, for good, an SLA message on a channel without recipients', async () => {
    const empty = new Notifier({ channels: [emailChannel(sink.smtpPort!, { to: [] })], timeoutMs: 30_000, now: () => new Date() });
    await expect(empty.send('mail', breach)).rejects.toMatchObject({ retryable: false, reason: 'client-error' });
    // …while a management step still reaches its contact.
    await empty.send('mail', escalation);
    expect(sink.messages()[0].envelope.to).toEqual(['head-of-support@vendor.example']);
    empty.close();
  });
});

describe('e-mail helpers', () => {
  it('adds the contact only to management steps and drops duplicate addresses whatever their case', () => {
    expect(emailRecipients({ to: ['a@x.example', 'A@X.example'] }, escalation)).toEqual(['head-of-support@vendor.example', 'a@x.example']);
    expect(emailRecipients({ to: ['a@x.example'] }, breach)).toEqual(['a@x.example']);
  });

  it.each([
    [{ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 bad credentials' }, { reason: 'auth', retryable: false }],
    [{ code: 'EENVELOPE', responseCode: 452, response: '452 mailbox full' }, { reason: 'server-error', retryable: true }],
    // 5yz is permanent (RFC 5321 §4.2.1), 503 "bad sequence of commands" included: the same session
    // setup would meet it again (e.g. AUTH the server does not offer), so it is dead-lettered.
    [{ code: 'EMESSAGE', responseCode: 503, response: '503 5.5.1 Error: authentication not enabled' }, { reason: 'client-error', retryable: false }],
    [{ code: 'EMESSAGE', responseCode: 554, response: '554 rejected as spam' }, { reason: 'client-error', retryable: false }],
    [{ code: 'ETIMEDOUT' }, { reason: 'timeout', retryable: true }],
    [{ code: 'ESOCKET' }, { reason: 'network', retryable: true }],
    [{ code: 'EENVELOPE' }, { reason: 'client-error', retryable: false }],
    [new Error('something odd'), { reason: 'bad-response', retryable: true }],
  ])('classifies %o', (err, expected) => {
    expect(classifySmtpError(err)).toMatchObject(expected);
  });
});

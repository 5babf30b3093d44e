// The demo's mail sink: real SMTP in, an HTTP listing out, reached through createSimulators when
// `simulator.mailSink` is on; a message's HTML is served under a CSP that runs nothing.
import { createTransport } from 'nodemailer';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { createSimulators, type Simulators } from '../../src/simulator/create-simulators.js';
import type { SinkMessage } from '../../src/simulator/mail-sink.js';

const silent = pino({ level: 'silent' });
let sims: Simulators | null = null;
afterEach(async () => {
  await sims?.stop();
  sims = null;
});

async function send(port: number, to: string[], subject: string, html: string) {
  const transport = createTransport({ host: '127.0.0.1', port, secure: false });
  try {
    await transport.sendMail({ from: 'escalatord@provider.example', to, subject, text: `${subject} (text)`, html, headers: { 'X-Escalatord-Incident': 'INC-000001' } });
  } finally {
    transport.close();
  }
}

describe('mail sink', () => {
  it('is off unless simulator.mailSink is set', () => {
    sims = createSimulators(configSchema.parse({ simulator: { enabled: true, consolePort: 0, ticketingPort: 0 } }).simulator, { logger: silent });
    expect(sims.mail).toBeNull();
  });

  it('lists what it received newest first over HTTP, filters by recipient, shows one and empties', async () => {
    sims = createSimulators(configSchema.parse({ simulator: { enabled: true, consolePort: 0, ticketingPort: 0, mailSink: true, mailSmtpPort: 0, mailHttpPort: 0 } }).simulator, { logger: silent });
    const started = await sims.start();
    expect(started.mailSmtpPort).toBeGreaterThan(0);
    expect(started.mailUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await send(started.mailSmtpPort!, ['head-of-support@vendor.example', 'l2@provider.example'], 'first', '<p>first</p>');
    await send(started.mailSmtpPort!, ['l2@provider.example'], 'second', '<p>second<script>alert(1)</script></p>');

    const all = (await (await fetch(`${started.mailUrl}/mail`)).json()) as { items: SinkMessage[]; nextCursor: null };
    expect(all.items.map((m) => m.subject)).toEqual(['second', 'first']);
    expect(all.items[1]).toMatchObject({
      envelope: { from: 'escalatord@provider.example', to: ['head-of-support@vendor.example', 'l2@provider.example'] },
      from: 'escalatord@provider.example', text: 'first (text)', html: '<p>first</p>', headers: { 'x-escalatord-incident': 'INC-000001' },
    });
    const forHead = (await (await fetch(`${started.mailUrl}/mail?to=Head-Of-Support@vendor.example`)).json()) as { items: SinkMessage[] };
    expect(forHead.items.map((m) => m.subject)).toEqual(['first']);

    const one = await fetch(`${started.mailUrl}/mail/${all.items[0].id}`);
    expect(((await one.json()) as SinkMessage).subject).toBe('second');
    const html = await fetch(`${started.mailUrl}/mail/${all.items[0].id}/html`);
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html.headers.get('content-security-policy')).toContain('sandbox');
    expect(await html.text()).toContain('second');
    expect((await fetch(`${started.mailUrl}/mail/nope`)).status).toBe(404);

    expect((await fetch(`${started.mailUrl}/mail`, { method: 'DELETE' })).status).toBe(204);
    expect(((await (await fetch(`${started.mailUrl}/mail`)).json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('keeps only the newest messages, waits for one to arrive, and stops twice without complaint', async () => {
    const { MailSink } = await import('../../src/simulator/mail-sink.js');
    const sink = new MailSink({ httpPort: null, maxMessages: 2, logger: silent });
    const { smtpPort, httpUrl } = await sink.start();
    expect(httpUrl).toBeNull();
    const arrived = sink.waitFor((m) => m.subject === 'c');
    for (const subject of ['a', 'b', 'c']) await send(smtpPort, ['x@provider.example'], subject, `<p>${subject}</p>`);
    expect((await arrived).subject).toBe('c');
    expect(sink.messages().map((m) => m.subject)).toEqual(['c', 'b']);
    await sink.stop();
    await sink.stop();
  });
});

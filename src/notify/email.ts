// The e-mail channel: one message per notification over SMTP (nodemailer), with a plain-text and an
// HTML body from the kind's template. Every failure is classified as SMTP itself classifies replies
// (RFC 5321 §4.2.1): a 4yz reply or a dropped connection may succeed later and is retried by the outbox;
// a 5yz reply would be refused again and is dead-lettered.
import { createTransport } from 'nodemailer';
import type { Config } from '../config/schema.js';
import { TicketError, type TicketErrorReason } from '../tickets/ticket-error.js';
import type { NotificationMessage } from './message.js';
import { renderMessage } from './templates.js';

export type EmailChannel = Extract<Config['notifications']['channels'][number], { type: 'email' }>;

/** What one SMTP send reports: who the server took and who it refused (the rest of a partly refused send went out). */
export interface EmailResult {
  accepted: string[];
  rejected: string[];
  messageId?: string;
}

/** SMTP reply codes that mean "these credentials are not accepted" (RFC 4954). */
const AUTH_REPLIES = new Set([530, 534, 535, 538]);
const NETWORK_CODES = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'ETLS', 'EPROXY', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const DETAIL_MAX = 300;

/**
 * Recipients of one notification on one channel: the channel's `to`, and for a management step the
 * step contact's address too. Deduplicated case-insensitively, in that order.
 */
export function emailRecipients(channel: Pick<EmailChannel, 'to'>, message: Pick<NotificationMessage, 'kind' | 'contact'>): string[] {
  const all = [...(message.kind === 'management.escalated' && message.contact?.email ? [message.contact.email] : []), ...channel.to];
  const seen = new Set<string>();
  return all.filter((address) => {
    const key = address.trim().toLowerCase();
    if (key === '' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface SmtpFailure {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
  message?: unknown;
}

/** Turns what nodemailer threw into a TicketError the outbox can act on. Never includes credentials. */
export function classifySmtpError(err: unknown): TicketError {
  if (err instanceof TicketError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpFailure;
  const code = typeof e.code === 'string' ? e.code : '';
  const reply = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const command = typeof e.command === 'string' ? e.command : '';
  const detailText = typeof e.response === 'string' ? e.response : typeof e.message === 'string' ? e.message : String(err);
  const detail = detailText.length > DETAIL_MAX ? `${detailText.slice(0, DETAIL_MAX)}…` : detailText;
  const fail = (reason: TicketErrorReason, retryable: boolean, message: string) =>
    new TicketError(reason, message, { retryable, detail, ...(reply !== undefined ? { status: reply } : {}) });

  if (reply !== undefined) {
    const what = `SMTP ${command || 'server'} answered ${reply}`;
    if (AUTH_REPLIES.has(reply)) return fail('auth', false, what);
    // Every 5yz is permanent (RFC 5321 §4.2.1), 503 "bad sequence of commands" too: it comes from how
    // this client and that server set up a session (AUTH not offered, a command refused earlier), which a
    // retry would repeat exactly.
    if (reply >= 500) return fail('client-error', false, what);
    if (reply >= 400) return fail('server-error', true, what);
    return fail('bad-response', true, what);
  }
  if (code === 'EAUTH' || code === 'ENOAUTH' || code === 'EOAUTH2') return fail('auth', false, `SMTP authentication failed (${code})`);
  if (code === 'ETIMEDOUT') return fail('timeout', true, 'SMTP timed out');
  if (NETWORK_CODES.has(code)) return fail('network', true, `SMTP connection failed (${code})`);
  if (code === 'EENVELOPE' || code === 'ECONFIG' || code === 'EMAXRECIPIENTS') return fail('client-error', false, `SMTP refused the message before sending (${code})`);
  return fail('bad-response', true, `SMTP send failed${code ? ` (${code})` : ''}`);
}

/** Mail headers are one line; a configured or data value must not add one. */
const headerValue = (value: string): string => value.replace(/[\r\n]+/g, ' ');

/** The part of a nodemailer transport the sender uses (a test may hand in its own). */
export interface MailTransport {
  sendMail(mail: Record<string, unknown>): Promise<{ accepted?: unknown; rejected?: unknown; messageId?: unknown }>;
  close(): void;
}

export class EmailSender {
  private readonly transport: MailTransport;

  constructor(private readonly channel: EmailChannel, timeoutMs: number, transport?: MailTransport) {
    this.transport = transport ?? createTransport({
      host: channel.smtp.host,
      port: channel.smtp.port,
      secure: channel.smtp.secure,
      ...(channel.smtp.auth ? { auth: { user: channel.smtp.auth.user, pass: channel.smtp.auth.pass } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      dnsTimeout: timeoutMs,
      // One connection per message: notifications are rare, and a pooled socket would outlive a stop().
      pool: false,
    });
  }

  async send(message: NotificationMessage): Promise<EmailResult> {
    const to = emailRecipients(this.channel, message);
    if (to.length === 0) {
      throw new TicketError('client-error', `e-mail channel ${this.channel.id} has no recipient for a ${message.kind} message`, { retryable: false });
    }
    const rendered = renderMessage(message);
    try {
      const info = await this.transport.sendMail({
        from: this.channel.from,
        to,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        headers: { 'X-Escalatord-Incident': headerValue(message.incidentId), 'X-Escalatord-Kind': message.kind },
      });
      const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((a) => (typeof a === 'string' ? a : String((a as { address?: string }).address ?? a))) : []);
      return { accepted: list(info.accepted), rejected: list(info.rejected), ...(typeof info.messageId === 'string' ? { messageId: info.messageId } : {}) };
    } catch (err) {
      throw classifySmtpError(err);
    }
  }

  close(): void {
    this.transport.close();
  }
}

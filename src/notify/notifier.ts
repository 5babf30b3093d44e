// Management and SLA notifications to the configured channels (DESIGN §7): a generic JSON webhook, a
// Slack-compatible incoming webhook (`{"text": …}`), e-mail over SMTP, or a Microsoft Teams Workflows
// webhook (an Adaptive Card). One attempt per call; the outbox retries. Every failure is a TicketError
// saying whether a retry may help (`retryable`) and why it failed (`reason`, a bounded metric label).
import axios, { type AxiosInstance } from 'axios';
import type { Config } from '../config/schema.js';
import { TicketError, classifyAxiosError } from '../tickets/ticket-error.js';
import { EmailSender, type EmailResult, type MailTransport } from './email.js';
import type { NotificationMessage } from './message.js';
import { teamsCard } from './teams-card.js';
import { safeLink } from './templates.js';

export type Channel = Config['notifications']['channels'][number];
export type ChannelType = Channel['type'];
export type { NotificationMessage } from './message.js';

export interface NotifierDeps {
  channels: readonly Channel[];
  /** The deadline of one attempt, connection included. */
  timeoutMs: number;
  now: () => Date;
  /** An axios instance for the HTTP channels (tests, proxies). */
  http?: AxiosInstance;
  /** A mail transport per e-mail channel id, instead of nodemailer's SMTP transport (tests). */
  mailTransports?: ReadonlyMap<string, MailTransport>;
}

/** What one send reports; e-mail says which recipients the server took and refused. */
export interface SendResult {
  channelId: string;
  type: ChannelType;
  email?: EmailResult;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

export class Notifier {
  private readonly http: AxiosInstance;
  private readonly byId = new Map<string, Channel>();
  private readonly mailers = new Map<string, EmailSender>();

  constructor(private readonly deps: NotifierDeps) {
    this.http = deps.http ?? axios.create({ maxRedirects: 0 });
    for (const channel of deps.channels) {
      if (this.byId.has(channel.id)) throw new Error(`notification channel id ${channel.id} is used twice`);
      this.byId.set(channel.id, channel);
      if (channel.type === 'email') this.mailers.set(channel.id, new EmailSender(channel, deps.timeoutMs, deps.mailTransports?.get(channel.id)));
    }
  }

  get channelIds(): string[] {
    return [...this.byId.keys()];
  }

  /** The channel's id and type (its type is a bounded metric label); never its URL or credentials. */
  channel(id: string): { id: string; type: ChannelType } | undefined {
    const c = this.byId.get(id);
    return c ? { id: c.id, type: c.type } : undefined;
  }

  async send(channelId: string, message: NotificationMessage): Promise<SendResult> {
    const channel = this.byId.get(channelId);
    if (!channel) throw new TicketError('client-error', `unknown notification channel ${channelId}`, { retryable: false });
    switch (channel.type) {
      case 'email': {
        const email = await this.mailers.get(channel.id)!.send(message);
        return { channelId, type: channel.type, email };
      }
      case 'teams':
        await this.post(channel, teamsCard(message));
        return { channelId, type: channel.type };
      case 'slack':
        await this.post(channel, slackPayload(message), channel.token);
        return { channelId, type: channel.type };
      case 'webhook':
        await this.post(channel, { ...message, sentAt: this.deps.now().toISOString(), source: 'escalatord' }, channel.token);
        return { channelId, type: channel.type };
    }
  }

  /** Closes the mail transports; safe to call twice. */
  close(): void {
    for (const mailer of this.mailers.values()) mailer.close();
  }

  private async post(channel: { id: string; url: string }, body: unknown, token?: string): Promise<void> {
    const url = channel.url;
    try {
      await this.http.post(url, body, {
        timeout: this.deps.timeoutMs,
        signal: AbortSignal.timeout(this.deps.timeoutMs),
        maxRedirects: 0,
        maxContentLength: MAX_RESPONSE_BYTES,
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      });
    } catch (err) {
      throw withoutUrl(classifyAxiosError(err, this.deps.now()), url, channel.id);
    }
  }
}

/**
 * Webhook URLs are credentials (a Teams Workflows URL carries its `sig`, a Slack URL its secret path), and
 * the error's message reaches logs, dead letters and the incident's timeline: the URL is replaced by the
 * channel's id.
 */
function withoutUrl(error: TicketError, url: string, channelId: string): TicketError {
  const scrub = (text: string | undefined) => text?.split(url).join(`<channel ${channelId}>`);
  return new TicketError(error.reason, scrub(error.message) ?? error.message, {
    retryable: error.retryable,
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    ...(error.detail !== undefined ? { detail: scrub(error.detail) } : {}),
  });
}

/** Slack mrkdwn treats `&`, `<` and `>` as control characters; everything from data is escaped. */
function slackEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackPayload(message: NotificationMessage): { text: string } {
  const link = safeLink(message.link);
  const tail = link ? `\n<${link.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${slackEscape(message.incidentId)}>` : '';
  return { text: `*${slackEscape(message.title)}*\n${slackEscape(message.text)}${tail}` };
}

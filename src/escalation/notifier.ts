// Management and team notifications to the configured channels: a generic JSON webhook, or a
// Slack-compatible incoming webhook (`{"text": …}`). One attempt per call; the outbox retries.
import axios, { type AxiosInstance } from 'axios';
import type { Config } from '../config/schema.js';
import { classifyAxiosError } from '../tickets/ticket-error.js';

export type Channel = Config['notifications']['channels'][number];

export interface NotificationMessage {
  title: string;
  text: string;
  incidentId: string;
  step?: number;
  contact?: { name: string; email?: string; phone?: string; title?: string };
  link?: string;
}

export class Notifier {
  private readonly http: AxiosInstance;
  constructor(private readonly deps: { channels: readonly Channel[]; timeoutMs: number; now: () => Date; http?: AxiosInstance }) {
    this.http = deps.http ?? axios.create({ timeout: deps.timeoutMs, maxRedirects: 0 });
  }

  get channelIds(): string[] {
    return this.deps.channels.map((c) => c.id);
  }

  channel(id: string): Channel | undefined {
    return this.deps.channels.find((c) => c.id === id);
  }

  async send(channelId: string, message: NotificationMessage): Promise<void> {
    const channel = this.channel(channelId);
    if (!channel) throw new Error(`unknown notification channel ${channelId}`);
    const body = channel.type === 'slack'
      ? { text: `*${message.title}*\n${message.text}${message.link ? `\n<${message.link}|${message.incidentId}>` : ''}` }
      : { ...message, sentAt: this.deps.now().toISOString(), source: 'escalatord' };
    try {
      await this.http.post(channel.url, body, {
        timeout: this.deps.timeoutMs,
        headers: { 'Content-Type': 'application/json', ...(channel.token ? { Authorization: `Bearer ${channel.token}` } : {}) },
      });
    } catch (err) {
      throw classifyAxiosError(err, this.deps.now());
    }
  }
}

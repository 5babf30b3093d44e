// Pushes status deltas to a receiver as Standard Webhooks, fire-and-forget. A push is a hint (the poll is
// the truth, DESIGN §2), so failures are logged and dropped, never retried, and the number in flight is
// capped so a fault storm over a large fleet cannot pile up sockets.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { StatusReport } from '../domain/types.js';
import { webhookHeaders } from '../ingest/webhook-signature.js';

export interface WebhookPusherDeps {
  url: string;
  secret: string;
  logger: Logger;
  now: () => Date;
  timeoutMs?: number; // default 5000
  maxInFlight?: number; // default 64
}

export interface PushStats {
  sent: number;
  failed: number;
  dropped: number;
}

export class WebhookPusher {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly controller = new AbortController();
  private readonly counts: PushStats = { sent: 0, failed: 0, dropped: 0 };

  constructor(private readonly deps: WebhookPusherDeps) {}

  stats(): PushStats {
    return { ...this.counts };
  }

  /** Sends one report in the background. Returns at once. */
  push(report: StatusReport): void {
    if (this.controller.signal.aborted) return;
    if (this.inFlight.size >= (this.deps.maxInFlight ?? 64)) {
      this.counts.dropped++;
      this.deps.logger.warn({ serverId: report.serverId }, 'webhook push dropped: too many in flight');
      return;
    }
    const task = this.send(report).finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  /** Resolves when every push started so far has finished; for tests and orderly shutdown. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Aborts pushes in flight. Safe to call twice. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.drain();
  }

  private async send(report: StatusReport): Promise<void> {
    const body = JSON.stringify(report);
    const id = `msg_${randomUUID()}`;
    const headers = webhookHeaders({ id, now: this.deps.now(), body, secret: this.deps.secret });
    try {
      const res = await fetch(this.deps.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.deps.timeoutMs ?? 5000)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        this.counts.sent++;
        this.deps.logger.debug({ serverId: report.serverId, webhookId: id, status: res.status }, 'webhook pushed');
      } else {
        this.counts.failed++;
        this.deps.logger.warn({ serverId: report.serverId, webhookId: id, status: res.status }, 'webhook push refused');
      }
    } catch (err) {
      this.counts.failed++;
      if (!this.controller.signal.aborted) {
        this.deps.logger.warn({ serverId: report.serverId, webhookId: id, err: (err as Error).message }, 'webhook push failed');
      }
    }
  }
}

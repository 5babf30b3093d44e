// Sends the outbox (a leader job): ticket creations, comments and resolutions through the adapter,
// notifications through the notifier, diagnostics fetches through the console. Items of one lane go in
// order; different lanes go in parallel. Retryable failures back off with full jitter (Retry-After wins
// when longer) behind a circuit breaker; anything else is dead-lettered, counted and announced. A comment
// for a ticket that does not exist yet waits for it rather than being dead-lettered.
// One attempt writes one item: a retry replaces that item, never the whole outbox.
import type { Logger } from 'pino';
import { TimerScheduler, type Scheduler } from '../cluster/scheduler.js';
import { detectionToTicketSeconds } from '../domain/detection-metric.js';
import { addNote } from '../domain/incident.js';
import { commentDisposition } from '../domain/ticket-policy.js';
import type { Actor, Incident, LoggedEvent } from '../domain/types.js';
import type { DiagnosticsService } from '../console/diagnostics.js';
import { commentOnTicket, incidentSummary, saveIncident } from '../escalation/incident-records.js';
import type { NotificationMessage } from '../notify/message.js';
import type { Metrics, TicketOperation } from '../observability/metrics.js';
import type { OutboxItem } from '../store/port.js';
import type { Transactor, Tx } from '../store/transactor.js';
import type { TicketAdapter, TicketCommentKind } from '../tickets/adapter.js';
import { backoffDelay } from '../tickets/backoff.js';
import { CircuitBreaker } from '../tickets/circuit-breaker.js';
import { diagnosticsText } from '../domain/diagnostics-cap.js';
import { TicketError } from '../tickets/ticket-error.js';
import { describeIncident } from './describe-incident.js';

const DISPATCHER: Actor = { kind: 'system', name: 'escalatord' };
const DIAGNOSTICS_MAX_ATTEMPTS = 6;
/** How long a comment waits before looking again for the ticket it belongs to. */
const WAIT_FOR_TICKET_MS = 60_000;

/** What the dispatcher needs of the notifier (src/notify). */
export interface NotificationSender {
  channel(id: string): { type: string } | undefined;
  send(channelId: string, message: NotificationMessage): Promise<unknown>;
}

export interface DispatcherDeps {
  transactor: Transactor;
  adapter: TicketAdapter | null;
  diagnostics: DiagnosticsService;
  notifier: NotificationSender;
  metrics: Metrics;
  logger: Logger;
  now: () => Date;
  ticketing: { maxAttempts: number; backoffBase: number; backoffCap: number; breakerThreshold: number; breakerCooldown: number; diagnosticsMaxBytes: number };
  publicUrl: string;
  concurrency?: number;
  /** Longest sleep between passes, so items due later (or added by another instance) are picked up. */
  maxIdleMs?: number;
  random?: () => number;
}

export class OutboxDispatcher {
  private readonly breaker: CircuitBreaker;
  /** Items being sent, by lane: one item per lane at a time keeps order. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** The scheduler its wake-ups are set on while started, and whether the dispatcher made it (and so stops it). */
  private scheduler: { s: Scheduler; own: boolean } | null = null;
  private started = false;
  private stopped = false;
  private warnedNoAdapter = false;
  private pumping: Promise<void> | null = null;
  private again = false;

  constructor(private readonly deps: DispatcherDeps) {
    this.breaker = new CircuitBreaker({
      threshold: deps.ticketing.breakerThreshold,
      cooldownMs: deps.ticketing.breakerCooldown,
      now: () => deps.now().getTime(),
      onStateChange: (to, from) => deps.logger.warn({ from, to }, 'ticketing circuit breaker changed state'),
    });
  }

  /**
   * Sends what is due now and sets its wake-ups on `scheduler` (the leader's, for this reign; by default
   * one of its own on the injected clock). Safe to call twice.
   */
  start(scheduler?: Scheduler): void {
    if (this.started || this.stopped) return;
    this.started = true;
    const s = scheduler ?? new TimerScheduler({ now: this.deps.now, onError: (err) => this.deps.logger.error({ err }, 'outbox pass failed') });
    this.scheduler = { s, own: scheduler === undefined };
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const scheduler = this.scheduler;
    scheduler?.s.cancel(WAKE);
    await this.pumping?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight.values()]);
    if (scheduler?.own) await scheduler.s.stop();
  }

  /** Starts every due item there is room for; cheap to call often (one pass at a time, coalesced). */
  kick(): void {
    void this.pass();
  }

  /** A pass (or a place in the one running): resolves once it has started its items and set the next wake-up, not when they are sent. */
  private pass(): Promise<void> {
    if (!this.started || this.stopped) return Promise.resolve();
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    const pass = this.pump()
      .catch((err: unknown) => this.deps.logger.error({ err }, 'outbox pass failed'))
      .finally(() => {
        this.pumping = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
    this.pumping = pass;
    return pass;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * Items are sent as a pool, not in batches: a new ticket goes out as soon as a slot is free, without
   * waiting for slower items started before it.
   */
  private async pump(): Promise<void> {
    const limit = this.deps.concurrency ?? 8;
    const room = limit - this.inFlight.size;
    if (room > 0) {
      const busy = new Set(this.inFlight.keys());
      for (const item of await this.deps.transactor.read.outbox.due(this.deps.now().toISOString(), room, busy)) {
        if (this.stopped || this.inFlight.has(item.lane)) continue;
        if (item.kind !== 'notify' && item.kind !== 'diagnostics.fetch' && !this.deps.adapter) {
          if (!this.warnedNoAdapter) this.deps.logger.warn('ticketing.url is not configured: tickets wait in the outbox');
          this.warnedNoAdapter = true;
          continue;
        }
        const run = this.process(item).finally(() => {
          this.inFlight.delete(item.lane);
          this.kick();
        });
        this.inFlight.set(item.lane, run);
      }
    }
    await this.scheduleNext();
  }

  /** Wakes up for the earliest item not yet due (backoff, breaker), or after maxIdleMs at the latest. */
  private async scheduleNext(): Promise<void> {
    if (this.stopped || !this.scheduler) return;
    const next = await this.deps.transactor.read.outbox.nextDueAt(new Set(this.inFlight.keys()));
    if (this.stopped || !this.scheduler) return;
    const maxIdle = this.deps.maxIdleMs ?? 5000;
    const now = this.deps.now().getTime();
    const wait = next === null ? maxIdle : Math.max(10, Math.min(maxIdle, Date.parse(next) - now, this.breaker.retryInMs() || Infinity));
    // One wake-up at a time: setting it again replaces the one before.
    this.scheduler.s.at(WAKE, new Date(now + wait), () => this.pass());
  }

  private async process(item: OutboxItem): Promise<void> {
    try {
      switch (item.kind) {
        case 'ticket.create': return await this.create(item);
        case 'ticket.comment': return await this.ticketCall(item, 'comment', (adapter, ticketId) => adapter.comment(ticketId, String(item.payload.body), item.payload.kind as TicketCommentKind));
        case 'ticket.resolve': return await this.ticketCall(item, 'resolve', (adapter, ticketId) => adapter.resolve(ticketId, String(item.payload.note ?? ''), (item.payload.rootCause as string | null) ?? null), (tx, incident) => {
          if (incident.ticket) saveIncident(tx, { ...incident, ticket: { ...incident.ticket, state: 'resolved' } }, 'incident.updated');
        });
        case 'notify': return await this.notify(item);
        case 'diagnostics.fetch': return await this.fetchDiagnostics(item);
      }
    } catch (err) {
      this.deps.logger.error({ err, item: item.id }, 'outbox item failed unexpectedly');
    }
  }

  private async create(item: OutboxItem): Promise<void> {
    const read = this.deps.transactor.read;
    // Both at once: on postgres each read is a round trip on the way from detection to the ticket.
    const serverId = typeof item.payload.serverId === 'string' ? item.payload.serverId : null;
    const [incident, early] = await Promise.all([read.incidents.get(item.incidentId), serverId ? read.servers.get(serverId) : undefined]);
    if (!incident || incident.ticket?.id) return this.finish(item);
    // An escalation asks for fresh diagnostics; a monitoring incident has none yet.
    let diagnostics = item.payload.refreshDiagnostics ? null : incident.diagnostics;
    let diagnosticsFailed = false;
    if (diagnostics === null && incident.component !== null && this.deps.diagnostics.available) {
      const server = serverId === incident.serverId ? early : await read.servers.get(incident.serverId);
      diagnostics = await this.deps.diagnostics.fetch(incident, server?.consoleId).catch((err: Error) => {
        diagnosticsFailed = true;
        this.deps.logger.warn({ incident: incident.id, err: err.message }, 'diagnostics unavailable; the ticket goes without them');
        return null;
      });
    }
    const adapter = this.deps.adapter!;
    const link = `${this.deps.publicUrl}/api/v1/incidents/${incident.id}`;
    try {
      const ticket = await this.breaker.run(() => adapter.create({
        externalId: incident.id, title: `[${incident.priority}] ${incident.title}`, priority: incident.priority, level: incident.level,
        serverId: incident.serverId, customerId: incident.customerId, component: incident.component,
        description: describeIncident(incident), diagnostics: diagnostics?.data ?? null, links: { incident: link },
      }, incident.id));
      this.count(adapter.name, 'create', 'success');
      await this.deps.transactor.run(async (tx) => {
        const current = await tx.incidents.get(item.incidentId);
        if (!current) return tx.outbox.remove(item.id);
        const withTicket: Incident = {
          ...addNote(current, DISPATCHER, tx.now, 'ticket-created', `ticket ${ticket.id} at ${adapter.name}`),
          ticket: { adapter: adapter.name, id: ticket.id, url: ticket.url, ...(ticket.number ? { number: ticket.number } : {}), state: 'created' },
          diagnostics: diagnostics ?? current.diagnostics,
        };
        saveIncident(tx, withTicket, 'incident.updated');
        tx.emit({ type: 'ticket.created', data: { incidentId: current.id, ticket: withTicket.ticket }, scope: { level: current.level, customerId: current.customerId, serverId: current.serverId } });
        tx.outbox.remove(item.id);
        // Comments that waited for this ticket go now.
        for (const waiting of await tx.outbox.forIncident(current.id)) {
          if (waiting.kind !== 'ticket.create' && waiting.lastError === WAITING) tx.outbox.update({ ...waiting, nextAttemptAt: tx.now.toISOString(), lastError: undefined });
        }
        if (diagnosticsFailed) tx.enqueue({ kind: 'diagnostics.fetch', incidentId: current.id, payload: { reason: 'retry-after-ticket', attempt: 1 } });
        const seconds = detectionToTicketSeconds(current, tx.now, item.payload.retry === true ? 'retry' : 'first');
        if (seconds !== null) tx.afterCommit(() => this.deps.metrics.detectionToTicket.observe(seconds));
      });
    } catch (err) {
      await this.failed(item, 'create', adapter.name, err);
    }
  }

  private async ticketCall(item: OutboxItem, operation: TicketOperation, call: (adapter: TicketAdapter, ticketId: string) => Promise<void>, onSuccess?: (tx: Tx, incident: Incident) => void): Promise<void> {
    const incident = await this.deps.transactor.read.incidents.get(item.incidentId);
    const adapter = this.deps.adapter!;
    const disposition = incident ? commentDisposition(incident.ticket, incident.status) : 'drop';
    if (disposition === 'drop') return this.finish(item);
    if (disposition === 'wait') {
      // The ticket is being created, or its creation failed and may be retried: hold the call for it.
      await this.deps.transactor.run(async (tx) => {
        const current = await tx.outbox.get(item.id);
        if (current) tx.outbox.update({ ...current, lastError: WAITING, nextAttemptAt: new Date(tx.now.getTime() + WAIT_FOR_TICKET_MS).toISOString() });
      });
      return;
    }
    try {
      await this.breaker.run(() => call(adapter, incident!.ticket!.id!));
      this.count(adapter.name, operation, 'success');
      await this.deps.transactor.run(async (tx) => {
        const current = await tx.incidents.get(item.incidentId);
        if (current) onSuccess?.(tx, current);
        tx.outbox.remove(item.id);
      });
    } catch (err) {
      await this.failed(item, operation, adapter.name, err);
    }
  }

  private async notify(item: OutboxItem): Promise<void> {
    const channelId = String(item.payload.channelId);
    const channel = this.deps.notifier.channel(channelId);
    const label = channel?.type ?? 'webhook';
    try {
      await this.deps.notifier.send(channelId, item.payload.message as unknown as NotificationMessage);
      this.count(label, 'notify', 'success');
      await this.finish(item);
    } catch (err) {
      await this.failed(item, 'notify', label, err);
    }
  }

  private async fetchDiagnostics(item: OutboxItem): Promise<void> {
    const read = this.deps.transactor.read;
    const incident = await read.incidents.get(item.incidentId);
    // The console's diagnostics are per component (DESIGN §3): a server-level incident (unreachable, or
    // logged by L1 without a component) has none to ask for, and a fetch that cannot succeed would only retry.
    if (!incident || incident.component === null || !this.deps.diagnostics.available) return this.finish(item);
    try {
      const server = await read.servers.get(incident.serverId);
      const diagnostics = await this.deps.diagnostics.fetch(incident, server?.consoleId);
      await this.deps.transactor.run(async (tx) => {
        const current = await tx.incidents.get(item.incidentId);
        tx.outbox.remove(item.id);
        if (!current) return;
        const updated = saveIncident(tx, { ...addNote(current, DISPATCHER, tx.now, 'diagnostics', `diagnostics fetched${diagnostics.truncated ? ' (truncated)' : ''}`), diagnostics }, 'incident.updated');
        const { text } = diagnosticsText(diagnostics.data, this.deps.ticketing.diagnosticsMaxBytes);
        commentOnTicket(tx, updated, 'diagnostics', `Diagnostics (${String(item.payload.reason ?? 'update')}):\n${text}`);
      });
    } catch (err) {
      const attempts = item.attempts + 1;
      await this.deps.transactor.run(async (tx) => {
        const entry = await tx.outbox.get(item.id);
        if (!entry) return;
        if (attempts >= DIAGNOSTICS_MAX_ATTEMPTS) {
          tx.outbox.remove(item.id);
          const current = await tx.incidents.get(item.incidentId);
          if (current) saveIncident(tx, addNote(current, DISPATCHER, tx.now, 'diagnostics-failed', (err as Error).message), 'incident.updated');
          return;
        }
        tx.outbox.update({ ...entry, attempts, lastError: (err as Error).message, nextAttemptAt: new Date(tx.now.getTime() + this.delay(attempts - 1)).toISOString() });
      });
    }
  }

  private async failed(item: OutboxItem, operation: TicketOperation, adapter: string, err: unknown): Promise<void> {
    const error = err instanceof TicketError ? err : new TicketError('bad-response', (err as Error).message, { retryable: (err as { retryable?: boolean }).retryable ?? true, status: (err as { status?: number }).status });
    this.count(adapter, operation, error.reason);
    const circuitOpen = error.reason === 'circuit-open';
    const attempts = circuitOpen ? item.attempts : item.attempts + 1;
    if (!error.retryable || attempts >= this.deps.ticketing.maxAttempts) return this.deadLetter(item, operation, adapter, error);
    this.deps.logger.warn({ item: item.id, incident: item.incidentId, operation, reason: error.reason, status: error.status, attempts }, 'ticketing call failed; will retry');
    await this.deps.transactor.run(async (tx) => {
      const entry = await tx.outbox.get(item.id);
      if (!entry) return;
      const wait = circuitOpen ? Math.max(error.retryAfterMs ?? 0, 50) : this.delay(attempts - 1, error.retryAfterMs);
      tx.outbox.update({ ...entry, attempts, lastError: `${error.reason}: ${error.message}`, nextAttemptAt: new Date(tx.now.getTime() + wait).toISOString() });
    });
  }

  private async deadLetter(item: OutboxItem, operation: TicketOperation, adapter: string, error: TicketError): Promise<void> {
    this.deps.logger.error({ item: item.id, incident: item.incidentId, operation, reason: error.reason, status: error.status, detail: error.detail }, 'ticketing call dead-lettered');
    await this.deps.transactor.run(async (tx) => {
      const entry = await tx.outbox.get(item.id);
      if (!entry) return;
      tx.outbox.deadLetter({ ...entry, failedAt: tx.now.toISOString(), reason: `${error.reason}: ${error.message}`, status: error.status });
      let incident = await tx.incidents.get(item.incidentId);
      if (incident) {
        // A creation refused for good is visible on the incident, with why, and can be retried;
        // a ticket the ticketing system no longer knows (404 on a call) is shown as missing.
        const missing = item.kind !== 'ticket.create' && item.kind !== 'notify' && error.status === 404 && incident.ticket?.id;
        const ticket = item.kind === 'ticket.create' && incident.ticket
          ? { ...incident.ticket, state: 'failed' as const, error: `${error.reason}: ${error.message}` }
          : missing && incident.ticket ? { ...incident.ticket, state: 'missing' as const, error: `${error.reason}: ${error.message}` } : incident.ticket;
        incident = saveIncident(tx, { ...addNote(incident, DISPATCHER, tx.now, item.kind === 'notify' ? 'notification-failed' : 'ticket-failed', `${operation} failed: ${error.message}`), ticket }, 'incident.updated');
        if (missing) tx.afterCommit(() => this.deps.metrics.ticketsMissing.inc());
      }
      tx.emit({
        type: 'ticket.failed',
        data: { incidentId: item.incidentId, operation, adapter, reason: error.reason, status: error.status ?? null, message: error.message, incident: incident ? incidentSummary(incident) : null },
        scope: incident ? { level: incident.level, customerId: incident.customerId, serverId: incident.serverId } : undefined,
      });
      tx.afterCommit(() => this.deps.metrics.ticketDeadLetters.inc());
    });
  }

  private finish(item: OutboxItem): Promise<void> {
    return this.deps.transactor.run((tx) => tx.outbox.remove(item.id));
  }

  private delay(attempt: number, retryAfterMs?: number): number {
    return backoffDelay({ attempt, baseMs: this.deps.ticketing.backoffBase, capMs: this.deps.ticketing.backoffCap, retryAfterMs, random: this.deps.random });
  }

  private count(adapter: string, operation: TicketOperation, outcome: string): void {
    this.deps.metrics.ticketRequests.inc({ adapter: adapter as never, operation, outcome: outcome as never });
  }
}

/**
 * Whether a batch of events (from any instance) may have come with new outbox items. Every item is about
 * an incident and is added with a change of that incident, its ticket or its clocks; a component change
 * alone never adds one. This instance's own items wake the dispatcher as their unit commits
 * (`Store.onOutboxAdded`), and the idle wake-up bounds anything missed.
 */
export function mayHaveAddedOutboxItems(batch: readonly LoggedEvent[]): boolean {
  return batch.some((e) => e.type !== 'component.changed');
}

/** The name of the dispatcher's one wake-up job. */
const WAKE = 'outbox';
/** The marker of an item held until its incident's ticket exists. */
const WAITING = 'waiting for the ticket';

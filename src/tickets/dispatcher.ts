// Sends the outbox: ticket creations, comments and resolutions through the adapter, notifications
// through the notifier, diagnostics fetches through the console. Items of one incident go in order;
// different incidents go in parallel. Retryable failures back off with full jitter (Retry-After wins when
// longer) behind a circuit breaker; anything else is dead-lettered, counted and announced.
import type { Logger } from 'pino';
import { addNote } from '../domain/incident.js';
import type { Actor, Incident } from '../domain/types.js';
import type { DiagnosticsService } from '../escalation/diagnostics.js';
import { incidentSummary, saveIncident } from '../escalation/incident-records.js';
import type { NotificationMessage, Notifier } from '../escalation/notifier.js';
import type { Metrics, TicketOperation } from '../observability/metrics.js';
import type { Transactor, Tx } from '../store/transactor.js';
import type { OutboxItem } from '../store/types.js';
import type { TicketAdapter, TicketCommentKind } from './adapter.js';
import { backoffDelay } from './backoff.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { diagnosticsText } from './diagnostics-cap.js';
import { TicketError } from './ticket-error.js';

const DISPATCHER: Actor = { kind: 'system', name: 'escalatord' };
const DIAGNOSTICS_MAX_ATTEMPTS = 6;

export interface DispatcherDeps {
  transactor: Transactor;
  adapter: TicketAdapter | null;
  diagnostics: DiagnosticsService;
  notifier: Notifier;
  metrics: Metrics;
  logger: Logger;
  now: () => Date;
  ticketing: { maxAttempts: number; backoffBase: number; backoffCap: number; breakerThreshold: number; breakerCooldown: number; diagnosticsMaxBytes: number };
  publicUrl: string;
  concurrency?: number;
  /** Longest sleep between passes, so items due later are picked up without a kick. */
  maxIdleMs?: number;
  random?: () => number;
}

export class OutboxDispatcher {
  private readonly breaker: CircuitBreaker;
  /** Items being sent, and the incidents they belong to: one item per incident at a time keeps order. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly busyIncidents = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private warnedNoAdapter = false;

  constructor(private readonly deps: DispatcherDeps) {
    this.breaker = new CircuitBreaker({
      threshold: deps.ticketing.breakerThreshold,
      cooldownMs: deps.ticketing.breakerCooldown,
      now: () => deps.now().getTime(),
      onStateChange: (to, from) => deps.logger.warn({ from, to }, 'ticketing circuit breaker changed state'),
    });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /**
   * Starts every due item there is room for. Items are sent as a pool, not in batches: a new ticket
   * goes out as soon as a slot is free, without waiting for slower items started before it.
   */
  kick(): void {
    if (!this.started || this.stopped) return;
    const limit = this.deps.concurrency ?? 8;
    for (const item of this.dueItems(limit - this.inFlight.size)) {
      this.busyIncidents.add(lane(item));
      const run = this.process(item).finally(() => {
        this.inFlight.delete(item.id);
        this.busyIncidents.delete(lane(item));
        this.kick();
      });
      this.inFlight.set(item.id, run);
    }
    this.scheduleNext();
  }

  get pending(): number {
    return this.deps.transactor.data.outbox.length;
  }

  /** Wakes up for the earliest item not yet due (backoff, breaker), or after maxIdleMs at the latest. */
  private scheduleNext(): void {
    clearTimeout(this.timer);
    const outbox = this.deps.transactor.data.outbox;
    if (outbox.length === 0 || this.stopped) return;
    const now = this.deps.now().getTime();
    let earliest = Infinity;
    for (const item of outbox) if (!this.inFlight.has(item.id)) earliest = Math.min(earliest, Date.parse(item.nextAttemptAt));
    if (earliest === Infinity) return;
    const wait = Math.max(10, Math.min(this.deps.maxIdleMs ?? 5000, earliest - now, this.breaker.retryInMs() || Infinity));
    this.timer = setTimeout(() => this.kick(), wait);
    this.timer.unref();
  }

  /** Items that are due, first in their incident's lane, and whose lane has nothing in flight. */
  private dueItems(room: number): OutboxItem[] {
    if (room <= 0) return [];
    const nowIso = this.deps.now().toISOString();
    const seen = new Set<string>();
    const due: OutboxItem[] = [];
    for (const item of this.deps.transactor.data.outbox) {
      if (seen.has(lane(item))) continue;
      seen.add(lane(item));
      if (item.nextAttemptAt > nowIso || this.busyIncidents.has(lane(item))) continue;
      if (item.kind !== 'notify' && item.kind !== 'diagnostics.fetch' && !this.deps.adapter) {
        if (!this.warnedNoAdapter) this.deps.logger.warn('ticketing.url is not configured: tickets wait in the outbox');
        this.warnedNoAdapter = true;
        continue;
      }
      due.push(item);
      if (due.length >= room) break;
    }
    return due;
  }

  private async process(item: OutboxItem): Promise<void> {
    try {
      switch (item.kind) {
        case 'ticket.create': return await this.create(item);
        case 'ticket.comment': return await this.ticketCall(item, 'comment', (adapter, ticketId) => adapter.comment(ticketId, String(item.payload.body), item.payload.kind as TicketCommentKind));
        case 'ticket.resolve': return await this.ticketCall(item, 'resolve', (adapter, ticketId) => adapter.resolve(ticketId, String(item.payload.note ?? ''), (item.payload.rootCause as string | null) ?? null), (tx, incident) => {
          if (incident.ticket) tx.data.incidents[incident.id] = { ...incident, ticket: { ...incident.ticket, state: 'resolved' } };
        });
        case 'notify': return await this.notify(item);
        case 'diagnostics.fetch': return await this.fetchDiagnostics(item);
      }
    } catch (err) {
      this.deps.logger.error({ err, item: item.id }, 'outbox item failed unexpectedly');
    }
  }

  private async create(item: OutboxItem): Promise<void> {
    const data = this.deps.transactor.data;
    let incident = data.incidents[item.incidentId];
    if (!incident || incident.ticket?.id) return this.finish(item);
    // An escalation asks for fresh diagnostics; a monitoring incident has none yet.
    let diagnostics = item.payload.refreshDiagnostics ? null : incident.diagnostics;
    let diagnosticsFailed = false;
    if (diagnostics === null && incident.component !== null && this.deps.diagnostics.available) {
      diagnostics = await this.deps.diagnostics.fetch(incident, data.servers[incident.serverId]?.consoleId).catch((err: Error) => {
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
      await this.deps.transactor.run((tx) => {
        incident = tx.data.incidents[item.incidentId];
        const withTicket: Incident = {
          ...addNote(incident, DISPATCHER, tx.now, 'ticket-created', `ticket ${ticket.id} at ${adapter.name}`),
          ticket: { adapter: adapter.name, id: ticket.id, url: ticket.url, state: 'created' },
          diagnostics: diagnostics ?? incident.diagnostics,
        };
        tx.data.ticketIndex[ticket.id] = incident.id;
        saveIncident(tx, withTicket, 'incident.updated');
        tx.emit({ type: 'ticket.created', data: { incidentId: incident.id, ticket: withTicket.ticket }, scope: { level: incident.level, customerId: incident.customerId, serverId: incident.serverId } });
        this.remove(tx, item);
        if (diagnosticsFailed) tx.enqueue({ kind: 'diagnostics.fetch', incidentId: incident.id, payload: { reason: 'retry-after-ticket', attempt: 1 } });
        const seconds = (tx.now.getTime() - Date.parse(incident.createdAt)) / 1000;
        tx.afterCommit(() => this.deps.metrics.detectionToTicket.observe(Math.max(0, seconds)));
      });
    } catch (err) {
      await this.failed(item, 'create', adapter.name, err);
    }
  }

  private async ticketCall(item: OutboxItem, operation: TicketOperation, call: (adapter: TicketAdapter, ticketId: string) => Promise<void>, onSuccess?: (tx: Tx, incident: Incident) => void): Promise<void> {
    const incident = this.deps.transactor.data.incidents[item.incidentId];
    const adapter = this.deps.adapter!;
    if (!incident?.ticket?.id) {
      // The ticket was never made (its creation was dead-lettered): nothing to attach this to.
      return this.deadLetter(item, operation, adapter.name, new TicketError('client-error', 'the incident has no ticket', { retryable: false }));
    }
    try {
      await this.breaker.run(() => call(adapter, incident.ticket!.id!));
      this.count(adapter.name, operation, 'success');
      await this.deps.transactor.run((tx) => {
        onSuccess?.(tx, tx.data.incidents[item.incidentId]);
        this.remove(tx, item);
      });
    } catch (err) {
      await this.failed(item, operation, adapter.name, err);
    }
  }

  private async notify(item: OutboxItem): Promise<void> {
    const channelId = String(item.payload.channelId);
    const channel = this.deps.notifier.channel(channelId);
    const label = channel?.type === 'slack' ? 'slack' : 'webhook';
    try {
      await this.deps.notifier.send(channelId, item.payload.message as NotificationMessage);
      this.count(label, 'notify', 'success');
      await this.deps.transactor.run((tx) => this.remove(tx, item));
    } catch (err) {
      await this.failed(item, 'notify', label, err);
    }
  }

  private async fetchDiagnostics(item: OutboxItem): Promise<void> {
    const data = this.deps.transactor.data;
    const incident = data.incidents[item.incidentId];
    // The console's diagnostics are per component (DESIGN §3): a server-level incident (unreachable, or
    // logged by L1 without a component) has none to ask for, and a fetch that cannot succeed would hold
    // the incident's later items (its ticket, on escalation to L3) behind its retries.
    if (!incident || incident.component === null || !this.deps.diagnostics.available) return this.finish(item);
    try {
      const diagnostics = await this.deps.diagnostics.fetch(incident, data.servers[incident.serverId]?.consoleId);
      await this.deps.transactor.run((tx) => {
        const current = tx.data.incidents[item.incidentId];
        saveIncident(tx, { ...addNote(current, DISPATCHER, tx.now, 'diagnostics', `diagnostics fetched${diagnostics.truncated ? ' (truncated)' : ''}`), diagnostics }, 'incident.updated');
        if (current.ticket && current.ticket.state !== 'failed') {
          const { text } = diagnosticsText(diagnostics.data, this.deps.ticketing.diagnosticsMaxBytes);
          tx.enqueue({ kind: 'ticket.comment', incidentId: current.id, payload: { kind: 'diagnostics', body: `Diagnostics (${String(item.payload.reason ?? 'update')}):\n${text}` } });
        }
        this.remove(tx, item);
      });
    } catch (err) {
      const attempts = item.attempts + 1;
      await this.deps.transactor.run((tx) => {
        const entry = tx.data.outbox.find((o) => o.id === item.id);
        if (!entry) return;
        if (attempts >= DIAGNOSTICS_MAX_ATTEMPTS) {
          this.remove(tx, item);
          const current = tx.data.incidents[item.incidentId];
          saveIncident(tx, addNote(current, DISPATCHER, tx.now, 'diagnostics-failed', (err as Error).message), 'incident.updated');
          return;
        }
        entry.attempts = attempts;
        entry.lastError = (err as Error).message;
        entry.nextAttemptAt = new Date(tx.now.getTime() + this.delay(attempts - 1)).toISOString();
      });
    }
  }

  private async failed(item: OutboxItem, operation: TicketOperation, adapter: string, err: unknown): Promise<void> {
    const error = err instanceof TicketError ? err : new TicketError('bad-response', (err as Error).message, { retryable: true });
    this.count(adapter, operation, error.reason);
    const circuitOpen = error.reason === 'circuit-open';
    const attempts = circuitOpen ? item.attempts : item.attempts + 1;
    if (!error.retryable || attempts >= this.deps.ticketing.maxAttempts) return this.deadLetter(item, operation, adapter, error);
    this.deps.logger.warn({ item: item.id, incident: item.incidentId, operation, reason: error.reason, status: error.status, attempts }, 'ticketing call failed; will retry');
    await this.deps.transactor.run((tx) => {
      const entry = tx.data.outbox.find((o) => o.id === item.id);
      if (!entry) return;
      entry.attempts = attempts;
      entry.lastError = `${error.reason}: ${error.message}`;
      const wait = circuitOpen ? Math.max(error.retryAfterMs ?? 0, 50) : this.delay(attempts - 1, error.retryAfterMs);
      entry.nextAttemptAt = new Date(tx.now.getTime() + wait).toISOString();
    });
  }

  private async deadLetter(item: OutboxItem, operation: TicketOperation, adapter: string, error: TicketError): Promise<void> {
    this.deps.logger.error({ item: item.id, incident: item.incidentId, operation, reason: error.reason, status: error.status, detail: error.detail }, 'ticketing call dead-lettered');
    await this.deps.transactor.run((tx) => {
      if (!tx.data.outbox.some((o) => o.id === item.id)) return;
      this.remove(tx, item);
      tx.data.deadLetters.push({ ...item, failedAt: tx.now.toISOString(), reason: `${error.reason}: ${error.message}`, status: error.status });
      if (tx.data.deadLetters.length > 1000) tx.data.deadLetters.splice(0, tx.data.deadLetters.length - 1000);
      const incident = tx.data.incidents[item.incidentId];
      if (incident) {
        const ticket = item.kind === 'ticket.create' && incident.ticket ? { ...incident.ticket, state: 'failed' as const } : incident.ticket;
        saveIncident(tx, { ...addNote(incident, DISPATCHER, tx.now, 'ticket-failed', `${operation} failed: ${error.message}`), ticket }, 'incident.updated');
      }
      tx.emit({
        type: 'ticket.failed',
        data: { incidentId: item.incidentId, operation, adapter, reason: error.reason, status: error.status ?? null, message: error.message, incident: incident ? incidentSummary(tx.data.incidents[incident.id]) : null },
        scope: incident ? { level: incident.level, customerId: incident.customerId, serverId: incident.serverId } : undefined,
      });
      tx.afterCommit(() => this.deps.metrics.ticketDeadLetters.inc());
    });
  }

  private finish(item: OutboxItem): Promise<void> {
    return this.deps.transactor.run((tx) => this.remove(tx, item));
  }

  private remove(tx: Tx, item: OutboxItem): void {
    const index = tx.data.outbox.findIndex((o) => o.id === item.id);
    if (index >= 0) tx.data.outbox.splice(index, 1);
  }

  private delay(attempt: number, retryAfterMs?: number): number {
    return backoffDelay({ attempt, baseMs: this.deps.ticketing.backoffBase, capMs: this.deps.ticketing.backoffCap, retryAfterMs, random: this.deps.random });
  }

  private count(adapter: string, operation: TicketOperation, outcome: string): void {
    this.deps.metrics.ticketRequests.inc({ adapter: adapter as never, operation, outcome: outcome as never });
  }
}

/**
 * Items of one incident go in order within a lane. Diagnostics fetches have a lane of their own: they are
 * best effort, and a console that keeps failing them must not hold back the incident's ticket.
 */
function lane(item: OutboxItem): string {
  return item.kind === 'diagnostics.fetch' ? `${item.incidentId}#diagnostics` : item.incidentId;
}

function describeIncident(incident: Incident): string {
  const lines = [
    incident.title,
    '',
    `Incident: ${incident.id} (${incident.type}, level ${incident.level}, ${incident.priority})`,
    `Server: ${incident.serverId} — customer ${incident.customerId}`,
    incident.component ? `Component: ${incident.component} (${incident.componentKind ?? 'unknown kind'})` : '',
    incident.detectedAt ? `Detected: ${incident.detectedAt}` : '',
    incident.symptoms.length > 0 ? `Symptoms:\n${incident.symptoms.map((s) => `- ${s}`).join('\n')}` : '',
    incident.reporter ? `Reported by: ${incident.reporter.name} <${incident.reporter.email}>` : '',
    incident.requestType ? `Request: ${incident.requestType}` : '',
  ];
  const notes = incident.timeline.filter((t) => t.action === 'escalated' && t.note).map((t) => `- ${t.at} ${t.actor.name}: ${t.note}`);
  if (notes.length > 0) lines.push('', 'Escalation notes:', ...notes);
  return lines.filter((l, i, all) => l !== '' || (i > 0 && all[i - 1] !== '')).join('\n');
}

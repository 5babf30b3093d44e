// The ticketing simulator: a vendor ticketing system speaking the generic adapter contract (DESIGN §6),
// with failure injection for the outbox dispatcher's retries and breaker, and vendor events posted back
// to the daemon's `/api/v1/ingest/ticketing`. Routes live in ticketing-routes.ts.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { closeServer, defaultSimulatorLogger, listen } from './http-server.js';
import { JsonStateFile } from './json-state-file.js';
import { isTicketBookSnapshot, TicketBook, type SimTicket, type TicketBookSnapshot, type TicketEventRecord, type VendorEvent } from './ticket-book.js';
import { ticketingApp } from './ticketing-routes.js';

export interface TicketingSimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** When set, `/tickets*` requires `Authorization: Bearer <token>`. The control API never does. */
  token?: string;
  /** Base of ticket urls; default the url the simulator listens on. */
  publicUrl?: string;
  /** Where vendor events go (the daemon's `/api/v1/ingest/ticketing`), with its bearer token. */
  callback?: { url: string; token?: string; timeoutMs?: number };
  logger?: Logger;
  now?: () => Date;
  /**
   * A JSON file that keeps the tickets across restarts (the demo keeps it beside the daemon's store).
   * Read at construction, written after every change (atomically) and flushed by `stop()`. Default: none.
   */
  stateFile?: string;
}

/** An injected failure: answer `status` to the next `remaining` ticket API requests (null: until cleared). */
export interface InjectedFailure {
  status: number;
  remaining: number | null;
  retryAfter: number | null;
}

export interface TicketingStats {
  requests: number;
  injectedFailures: number;
  ticketsCreated: number;
  duplicateCreates: number;
  comments: number;
  resolves: number;
  callbacks: { sent: number; failed: number };
}

export type CallbackOutcome = { status: number } | { error: string } | null;

export class TicketingSimulator {
  readonly book: TicketBook;
  private readonly state: JsonStateFile | null;
  readonly token: string | undefined;
  readonly stats: TicketingStats = emptyStats();
  latencyMs = 0;
  private failure: InjectedFailure | null = null;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private server: Server | null = null;
  private started: Promise<{ url: string }> | null = null;
  private baseUrl: string | null = null;
  private readonly controller = new AbortController();

  constructor(private readonly options: TicketingSimulatorOptions = {}) {
    this.logger = options.logger ?? defaultSimulatorLogger('ticketing-simulator');
    this.clock = options.now ?? (() => new Date());
    this.token = options.token;
    this.state = options.stateFile ? new JsonStateFile(options.stateFile, () => this.book.snapshot(), this.logger) : null;
    this.book = new TicketBook(() => this.state?.changed());
    const saved = this.state?.load(isTicketBookSnapshot);
    if (saved) {
      this.book.restore(saved as TicketBookSnapshot);
      this.logger.info({ file: options.stateFile, tickets: this.book.size }, 'ticketing simulator state loaded');
    }
  }

  get url(): string | null {
    return this.baseUrl;
  }

  now(): Date {
    return this.clock();
  }

  urlFor(id: string): string {
    return `${this.options.publicUrl ?? this.baseUrl ?? ''}/tickets/${encodeURIComponent(id)}`;
  }

  /** Listens. A second call returns the first call's result. */
  start(): Promise<{ url: string }> {
    this.started ??= (async () => {
      const { server, url } = await listen(ticketingApp(this, this.logger), this.options.host ?? '127.0.0.1', this.options.port ?? 0);
      this.server = server;
      this.baseUrl = url;
      if (this.book.size > 0) this.book.relink((id) => this.urlFor(id));
      this.logger.info({ url, callback: this.options.callback?.url ?? null }, 'ticketing simulator listening');
      return { url };
    })();
    return this.started;
  }

  /** Closes the server and aborts callbacks in flight. Safe to call twice. */
  async stop(): Promise<void> {
    this.controller.abort();
    const server = this.server;
    this.server = null;
    if (server) {
      await closeServer(server);
      this.logger.info('ticketing simulator stopped');
    }
    await this.state?.flush();
  }

  setFailure(failure: InjectedFailure | null): void {
    this.failure = failure;
    this.logger.info({ failure }, 'ticketing failure injection set');
  }

  currentFailure(): InjectedFailure | null {
    return this.failure;
  }

  /** Consumes one injected failure for this request, if any is armed. */
  takeFailure(): InjectedFailure | null {
    const failure = this.failure;
    if (!failure) return null;
    if (failure.remaining !== null) {
      failure.remaining--;
      if (failure.remaining <= 0) this.failure = null;
    }
    this.stats.injectedFailures++;
    return failure;
  }

  /** Forgets every ticket and injected failure; ids start again at T-1. */
  reset(): void {
    this.book.reset();
    this.failure = null;
    this.latencyMs = 0;
    Object.assign(this.stats, emptyStats());
    this.logger.info('ticketing simulator reset');
  }

  /** Records a vendor event and, when a callback is configured, reports it to the daemon and waits for the answer. */
  async vendorEvent(ticket: SimTicket, event: VendorEvent, by: string, note: string | null): Promise<{ record: TicketEventRecord; callback: CallbackOutcome }> {
    const record = this.book.vendorEvent(ticket, event, by, note, this.clock());
    this.logger.info({ ticketId: ticket.id, event, by }, 'vendor ticket event');
    const callback = this.options.callback;
    if (!callback) return { record, callback: null };
    const payload = { ticketId: ticket.id, event, by, note: note ?? undefined, at: record.at };
    try {
      const res = await fetch(callback.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(callback.token ? { authorization: `Bearer ${callback.token}` } : {}) },
        body: JSON.stringify(payload),
        signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(callback.timeoutMs ?? 5000)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) this.stats.callbacks.sent++;
      else this.stats.callbacks.failed++;
      this.logger.info({ ticketId: ticket.id, event, status: res.status }, 'vendor event delivered');
      return { record, callback: { status: res.status } };
    } catch (err) {
      this.stats.callbacks.failed++;
      this.logger.warn({ ticketId: ticket.id, event, err: (err as Error).message }, 'vendor event delivery failed');
      return { record, callback: { error: (err as Error).message } };
    }
  }
}

function emptyStats(): TicketingStats {
  return { requests: 0, injectedFailures: 0, ticketsCreated: 0, duplicateCreates: 0, comments: 0, resolves: 0, callbacks: { sent: 0, failed: 0 } };
}

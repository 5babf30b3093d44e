// Polls one Monitoring Console (DESIGN §2–§3): the poll is the truth, so each polled report replaces what
// the daemon believes about that server. A console that cannot be reached is a console problem, never a
// fleet of failed components: it flips `console_up` and emits `console.down`/`console.up` once per change.
import type { Logger } from 'pino';
import { TimerScheduler, type Scheduler } from '../cluster/scheduler.js';
import type { ConsoleConfig } from '../config/schema.js';
import type { ConsoleClient } from '../console/console-client.js';
import type { StatusReport } from '../domain/types.js';
import type { Metrics } from '../observability/metrics.js';
import type { Transactor } from '../store/transactor.js';
import type { ComponentStateService } from './component-state.js';

export interface ConsoleHealth {
  id: string;
  /** null until the first poll has finished. */
  up: boolean | null;
  lastPollAt: string | null;
  lastError: string | null;
  lastDurationMs: number | null;
  servers: number;
}

export interface PollResult {
  ok: boolean;
  servers: number;
  reports: number;
  failed: number;
  changes: number;
  durationMs: number;
  error?: string;
}

export interface ConsolePollerDeps {
  config: ConsoleConfig;
  client: Pick<ConsoleClient, 'listServers' | 'status'> & { close?: () => void };
  components: Pick<ComponentStateService, 'apply'>;
  transactor: Pick<Transactor, 'run' | 'read'>;
  /** Told each console's full list, the inventory pushed reports are checked against. */
  inventory?: { update(consoleId: string, servers: ReadonlyArray<{ id: string; name: string; customerId: string }>): void };
  metrics: Pick<Metrics, 'consoleUp' | 'consolePollDuration' | 'ingestReports'>;
  logger: Logger;
  now?: () => Date;
  random?: () => number;
  /** Servers per `apply` (one store commit each); default 200. */
  batchSize?: number;
  /** Fraction of failed status calls above which the console counts as down; default 0.5. */
  downFraction?: number;
}

interface PersistedHealth {
  up: boolean;
  since: string;
  lastError: string | null;
}

const MAX_APPLIES_IN_FLIGHT = 2;

export class ConsolePoller {
  readonly id: string;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly logger: Logger;
  /** The scheduler the polls run on while started, and whether this poller made it (and so stops it). */
  private scheduler: { s: Scheduler; own: boolean } | null = null;
  private running: Promise<PollResult> | null = null;
  private abort: AbortController | null = null;
  private started = false;
  private stopped = false;
  private state: ConsoleHealth;

  constructor(private readonly deps: ConsolePollerDeps) {
    this.id = deps.config.id;
    this.now = deps.now ?? (() => new Date());
    this.random = deps.random ?? Math.random;
    this.logger = deps.logger.child({ console: this.id });
    this.state = { id: this.id, up: null, lastPollAt: null, lastError: null, lastDurationMs: null, servers: 0 };
  }

  health(): ConsoleHealth {
    return { ...this.state };
  }

  /**
   * Runs a first poll at once, then one every pollInterval plus jitter, on `scheduler` (the leader's, for
   * this reign; by default one of its own on the injected clock). Safe to call twice.
   */
  async start(scheduler?: Scheduler): Promise<void> {
    if (this.started || this.stopped) return;
    this.started = true;
    const s = scheduler ?? new TimerScheduler({ now: this.now, random: this.random, onError: (err) => this.logger.error({ err }, 'poll failed') });
    this.scheduler = { s, own: scheduler === undefined };
    // Remember a console that was already down before a restart (or a failover), so `console.down` is not emitted again.
    const persisted = await this.persisted().catch(() => null);
    if (this.stopped) return;
    if (persisted) {
      this.state.up = persisted.up;
      this.state.lastError = persisted.lastError;
    }
    const { pollInterval, jitter } = this.deps.config;
    // Jitter spreads consoles (and daemons) apart; capped so a poll still comes about once an interval.
    // The scheduler skips a tick while the previous poll of this job runs (a slow console is not piled on).
    s.every(this.jobName, pollInterval, () => this.tick(), { jitterMs: Math.min(jitter, pollInterval / 2), immediately: true });
  }

  /** Cancels the schedule, aborts the calls in flight and waits for the running poll. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    const scheduler = this.scheduler;
    this.scheduler = null;
    scheduler?.s.cancel(this.jobName);
    this.abort?.abort();
    await this.running?.catch(() => undefined);
    if (scheduler?.own) await scheduler.s.stop();
    this.deps.client.close?.();
  }

  /** A full poll now, after the one running (if any); for tests and operators. */
  async pollNow(): Promise<PollResult> {
    await this.running?.catch(() => undefined);
    return this.launch() ?? { ok: false, servers: 0, reports: 0, failed: 0, changes: 0, durationMs: 0, error: 'stopped' };
  }

  /** A scheduled poll; one asked for by pollNow() may be going, and then this tick is skipped too. */
  private async tick(): Promise<void> {
    if (this.running) {
      this.logger.warn({ pollInterval: this.deps.config.pollInterval }, 'previous poll still running; skipping this one');
      return;
    }
    await this.launch();
  }

  private get jobName(): string {
    return `poll:${this.id}`;
  }

  private launch(): Promise<PollResult> | null {
    if (this.stopped || this.running) return this.running;
    const run = this.poll().finally(() => {
      this.running = null;
      this.abort = null;
    });
    this.running = run;
    return run;
  }

  private async poll(): Promise<PollResult> {
    const abort = new AbortController();
    this.abort = abort;
    const started = performance.now();
    const endTimer = this.deps.metrics.consolePollDuration.startTimer({ console: this.id });
    const result: PollResult = { ok: false, servers: 0, reports: 0, failed: 0, changes: 0, durationMs: 0 };
    try {
      await this.collect(abort.signal, result);
    } catch (err) {
      result.error = (err as Error).message;
    }
    endTimer();
    result.durationMs = Math.round(performance.now() - started);
    if (abort.signal.aborted && this.stopped) return result;
    this.state.lastPollAt = this.now().toISOString();
    this.state.lastDurationMs = result.durationMs;
    this.state.servers = result.servers;
    await this.record(result);
    this.logger[result.ok ? 'debug' : 'warn']({ ...result }, result.ok ? 'console polled' : 'console poll failed');
    return result;
  }

  /** Lists the servers, fetches every status with bounded concurrency and applies them in batches. */
  private async collect(signal: AbortSignal, result: PollResult): Promise<void> {
    const servers = await this.deps.client.listServers({ signal });
    result.servers = servers.length;
    this.deps.inventory?.update(this.id, servers);
    const names = new Map<string, { name: string; customerId: string }>();
    for (const s of servers) names.set(s.id, { name: s.name, customerId: s.customerId });

    const batchSize = this.deps.batchSize ?? 200;
    const inFlight = new Set<Promise<void>>();
    let batch: StatusReport[] = [];
    let applyError: Error | null = null;
    const flush = async () => {
      if (batch.length === 0) return;
      const reports = batch;
      batch = [];
      while (inFlight.size >= MAX_APPLIES_IN_FLIGHT) await Promise.race(inFlight);
      const p = this.deps.components
        .apply(reports, { mode: 'full', source: 'poll', consoleId: this.id, names })
        .then((r) => {
          result.changes += r.changes;
          this.deps.metrics.ingestReports.inc({ source: 'poll', outcome: 'accepted' }, reports.length);
        }, (err: Error) => {
          applyError = err;
          this.deps.metrics.ingestReports.inc({ source: 'poll', outcome: 'error' }, reports.length);
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    };

    // A console that fails call after call is down: stop early instead of waiting out every timeout.
    const giveUpAfter = Math.max(10, this.deps.config.concurrency * 2);
    let consecutiveFailures = 0;
    let lastError: Error | null = null;
    let next = 0;
    const worker = async () => {
      while (next < servers.length && !signal.aborted) {
        const id = servers[next++].id;
        try {
          const report = await this.deps.client.status(id, { signal });
          consecutiveFailures = 0;
          result.reports += 1;
          batch.push(report);
          if (batch.length >= batchSize) await flush();
        } catch (err) {
          if (signal.aborted) return;
          result.failed += 1;
          consecutiveFailures += 1;
          lastError = err as Error;
          const reason = (err as { reason?: string }).reason;
          this.deps.metrics.ingestReports.inc({ source: 'poll', outcome: reason === 'bad-response' ? 'rejected' : 'error' });
          if (consecutiveFailures >= giveUpAfter) return;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.deps.config.concurrency, Math.max(servers.length, 1)) }, worker));
    await flush();
    while (inFlight.size > 0) await Promise.race(inFlight);

    const attempted = result.reports + result.failed;
    const downFraction = this.deps.downFraction ?? 0.5;
    if (servers.length > 0 && (result.reports === 0 || result.failed / Math.max(attempted, 1) > downFraction)) {
      result.error = `${result.failed} of ${attempted} status calls failed; last: ${(lastError as Error | null)?.message ?? 'none'}`;
      return;
    }
    if (applyError) {
      result.error = `could not store polled reports: ${(applyError as Error).message}`;
      result.ok = true; // the console answered; the store is the one in trouble
      return;
    }
    result.ok = true;
    if (result.failed > 0) result.error = `${result.failed} of ${attempted} status calls failed; last: ${(lastError as Error | null)?.message}`;
  }

  /** Publishes the console's health and emits console.down / console.up on a change. */
  private async record(result: PollResult): Promise<void> {
    const up = result.ok;
    this.state.lastError = result.error ?? null;
    this.deps.metrics.consoleUp.set({ console: this.id }, up ? 1 : 0);
    const was = this.state.up;
    if (was === up) return;
    const at = this.now().toISOString();
    const event = up ? 'console.up' : 'console.down';
    try {
      await this.deps.transactor.run((tx) => {
        // The first successful poll after start-up is not news; a first failure is.
        if (was !== null || !up) tx.emit({ type: event, data: { consoleId: this.id, at, error: up ? null : (result.error ?? null) } });
        tx.meta.put(this.metaKey, { up, since: at, lastError: result.error ?? null } satisfies PersistedHealth);
      });
      this.state.up = up;
      if (was !== null || !up) this.logger[up ? 'info' : 'warn']({ error: result.error }, up ? 'console is reachable again' : 'console is unreachable');
    } catch (err) {
      // Left unchanged so the next poll tries to record the transition again.
      this.logger.error({ err }, `could not record ${event}`);
    }
  }

  private async persisted(): Promise<PersistedHealth | null> {
    return ((await this.deps.transactor.read.meta.get<PersistedHealth>(this.metaKey)) as PersistedHealth | undefined) ?? null;
  }

  private get metaKey(): string {
    return `console:${this.id}`;
  }
}

/** The daemon's pollers, one per configured console; health feeds the live snapshot. */
export class ConsolePollers {
  constructor(readonly pollers: readonly ConsolePoller[]) {}

  /** Starts every poller on `scheduler` (see ConsolePoller.start). */
  start(scheduler?: Scheduler): void {
    for (const p of this.pollers) void p.start(scheduler);
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.pollers.map((p) => p.stop()));
  }

  health(): ConsoleHealth[] {
    return this.pollers.map((p) => p.health());
  }

  get(id: string): ConsolePoller | undefined {
    return this.pollers.find((p) => p.id === id);
  }
}

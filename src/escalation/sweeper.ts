// Periodic housekeeping that needs no exact instant: degraded components past their grace period become
// L2 incidents, recovered incidents stable for the configured window resolve themselves, old idempotency
// keys are dropped and resolved incidents past retention leave the live file for the archive.
import type { Logger } from 'pino';
import { overdueDegradations, type RoutingPolicy } from '../domain/routing.js';
import { resolve as resolveIncident } from '../domain/incident.js';
import type { Transactor } from '../store/transactor.js';
import type { Archive } from '../store/archive.js';
import { openIncidentFor, saveIncident } from './incident-records.js';
import type { LifecycleHooks } from './lifecycle-hooks.js';
import { MONITOR, type MonitorHandler } from './monitor-handler.js';

export interface SweeperDeps {
  transactor: Transactor;
  monitor: MonitorHandler;
  hooks: LifecycleHooks;
  policy: RoutingPolicy;
  autoResolveAfterMs: number | undefined;
  dedupRetentionMs: number;
  resolvedRetentionMs: number;
  archive: Archive;
  intervalMs: number;
  logger: Logger;
  now: () => Date;
}

export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly deps: SweeperDeps) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.sweep(), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; never two at once. Exposed for tests. */
  sweep(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.pass()
      .catch((err: unknown) => this.deps.logger.error({ err }, 'sweep failed'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async pass(): Promise<void> {
    const { transactor } = this.deps;
    const data = transactor.data;
    const now = this.deps.now();
    const overdue = overdueDegradations(Object.values(data.servers), (s, c) => openIncidentFor(data, s, c) !== undefined, now, this.deps.policy.degradedGraceMs);
    const stable = this.deps.autoResolveAfterMs === undefined ? [] : Object.values(data.incidents).filter((i) =>
      i.status !== 'resolved' && i.source !== 'manual' && i.recoveredAt !== null && now.getTime() - Date.parse(i.recoveredAt) >= this.deps.autoResolveAfterMs!);
    const dedupCutoff = new Date(now.getTime() - this.deps.dedupRetentionMs).toISOString();
    const staleKeys = Object.entries(data.dedup).filter(([, at]) => at < dedupCutoff).map(([k]) => k);

    if (overdue.length > 0 || stable.length > 0 || staleKeys.length > 0) {
      await transactor.run((tx) => {
        for (const { server, component } of overdue) {
          if (openIncidentFor(tx.data, server.id, component)) continue;
          const state = server.components[component];
          if (state?.status !== 'degraded') continue;
          this.deps.monitor.openIncident(tx, {
            action: 'open', reason: 'degraded', level: 2, priority: this.deps.policy.degradedPriority, ticket: false, component,
            title: `${component} degraded on ${server.name} for longer than the grace period`,
          }, server, 'poll', state.since, state.message);
        }
        for (const incident of stable) {
          const current = tx.data.incidents[incident.id];
          if (current.status === 'resolved' || current.recoveredAt === null) continue;
          const resolved = this.deps.hooks.afterTransition(tx, resolveIncident(current, MONITOR, tx.now, 'server', 'auto-resolved: healthy for the whole stable window'), { kind: 'resolved' });
          saveIncident(tx, resolved, 'incident.resolved', { auto: true });
          if (resolved.ticket?.id) tx.enqueue({ kind: 'ticket.resolve', incidentId: resolved.id, payload: { note: 'Auto-resolved by escalatord: the component has been healthy for the whole stable window.', rootCause: 'server' } });
        }
        for (const k of staleKeys) delete tx.data.dedup[k];
      });
    }
    await this.deps.archive.archiveResolved(now, this.deps.resolvedRetentionMs);
  }
}

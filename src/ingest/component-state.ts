// Applies status reports to the component state: the pure diff decides what changed, the changes become
// `component.changed` events, and the escalation service turns them into incidents, all in one commit.
import { diffReport, onlyObservationChanged, type StateChange } from '../domain/status-diff.js';
import type { IncidentSource, StatusReport } from '../domain/types.js';
import type { Transactor, Tx } from '../store/transactor.js';
import type { ComponentCounts } from './component-counts.js';

export interface ChangeHandler {
  /** Called inside the commit for every change, after the server state is updated. */
  onChanges(tx: Tx, changes: StateChange[], source: IncidentSource): void;
}

export interface ReportMeta {
  mode: 'delta' | 'full';
  source: IncidentSource;
  consoleId?: string;
  names?: Record<string, { name: string; customerId: string }>;
}

export interface ApplyResult {
  applied: number;
  duplicate: boolean;
  changes: number;
}

export interface ComponentStateDeps {
  transactor: Transactor;
  handler: ChangeHandler;
  /** Kept in step with every replaced server record, for the components gauge. */
  counts?: ComponentCounts;
}

export class ComponentStateService {
  constructor(private readonly deps: ComponentStateDeps) {}

  /**
   * Applies the reports and resolves once their effects are on disk. With an idempotency key already
   * seen, nothing changes; the promise still waits for the store so a retry after a failed write is
   * answered only once the first delivery is durable.
   */
  async apply(reports: StatusReport[], meta: ReportMeta, idempotencyKeys: string[] = []): Promise<ApplyResult> {
    return this.deps.transactor.run((tx) => {
      const fresh = idempotencyKeys.filter((k) => !(k in tx.data.dedup));
      if (idempotencyKeys.length > 0 && fresh.length === 0) return { applied: 0, duplicate: true, changes: 0 };
      for (const k of fresh) tx.data.dedup[k] = tx.now.toISOString();
      const changes = this.applyInTx(tx, reports, meta);
      return { applied: reports.length, duplicate: false, changes: changes.length };
    });
  }

  applyInTx(tx: Tx, reports: StatusReport[], meta: ReportMeta): StateChange[] {
    const all: StateChange[] = [];
    for (const report of reports) {
      const prev = tx.data.servers[report.serverId];
      const known = meta.names?.[report.serverId];
      const { next, changes } = diffReport(prev, report, meta.mode, { consoleId: meta.consoleId, name: known?.name, customerId: known?.customerId });
      if (prev && changes.length === 0 && onlyObservationChanged(prev, next)) {
        // Nothing new: refresh the observation instants in memory only. They order late deliveries while
        // the daemon runs; after a restart the first poll sets them again, so they need no store write.
        prev.observedAt = next.observedAt;
        for (const [name, c] of Object.entries(next.components)) prev.components[name].observedAt = c.observedAt;
        continue;
      }
      this.deps.counts?.replace(prev, next);
      tx.data.servers[report.serverId] = next;
      for (const change of changes) {
        tx.emit({
          type: 'component.changed',
          data: change.type === 'component'
            ? { serverId: change.serverId, customerId: change.customerId, component: change.component, kind: change.kind, from: change.from, to: change.to, message: change.message ?? null, at: change.at }
            : { serverId: change.serverId, customerId: change.customerId, component: null, kind: 'server', reachable: change.to, from: change.from, to: change.to ? 'reachable' : 'unreachable', at: change.at },
          scope: { serverId: change.serverId, customerId: change.customerId },
        });
      }
      if (changes.length > 0) this.deps.handler.onChanges(tx, changes, meta.source);
      all.push(...changes);
    }
    return all;
  }
}

// Applies status reports to the component state: the pure diff decides what changed, the changes become
// `component.changed` events, and the escalation service turns them into incidents, all in one commit.
import { confirmsOnly, diffReport, onlyObservationChanged, type StateChange } from '../domain/status-diff.js';
import type { IncidentSource, ServerState, StatusReport } from '../domain/types.js';
import type { Transactor, Tx } from '../store/transactor.js';
import type { ComponentCounts } from './component-counts.js';
import type { Admission, ServerInventory } from './inventory.js';

export interface ChangeHandler {
  /** Called inside the commit with the server's new state and its changes. */
  onChanges(tx: Tx, server: ServerState, changes: StateChange[], source: IncidentSource): Promise<void>;
  /** Called once per unit, before any onChanges, with the servers that reports are about to change: what a handler reads of them it may read here at once. */
  prepare?(tx: Tx, serverIds: readonly string[]): Promise<void>;
}

export interface ReportMeta {
  mode: 'delta' | 'full';
  source: IncidentSource;
  consoleId?: string;
  names?: ReadonlyMap<string, { name: string; customerId: string }>;
}

export interface ApplyResult {
  applied: number;
  duplicate: boolean;
  changes: number;
  /** Reports refused because their server is not in the inventory: nothing of them was stored. */
  refused: Array<{ serverId: string; reason: string }>;
}

/** A report whose reachability is not known to its sender (Alertmanager): the server keeps what it had. */
export type IncomingReport = Omit<StatusReport, 'reachable'> & { reachable?: boolean };

/** Newer observation instants of a stored server than the record holds. */
interface Observation {
  base: ServerState;
  serverAt: string;
  at: Map<string, string>;
}

/** The stored record with the kept instants applied: what the server is known to be, and since when seen. */
function withObservation(o: Observation): ServerState {
  const b = o.base;
  let components = b.components;
  if (o.at.size > 0) {
    const copy = Object.assign(Object.create(null) as Record<string, ServerState['components'][string]>, b.components);
    for (const [name, at] of o.at) {
      const c = copy[name];
      if (c && at > c.observedAt) copy[name] = { ...c, observedAt: at };
    }
    components = copy;
  }
  return { ...b, observedAt: o.serverAt > b.observedAt ? o.serverAt : b.observedAt, components };
}

/** The instants by which `next` (the stored record, only newer instants) is newer than `base`. */
function observationFrom(base: ServerState, next: ServerState): Observation {
  const at = new Map<string, string>();
  for (const [name, c] of Object.entries(next.components)) {
    const old = Object.hasOwn(base.components, name) ? base.components[name] : undefined;
    if (old && c.observedAt > old.observedAt) at.set(name, c.observedAt);
  }
  return { base, serverAt: next.observedAt > base.observedAt ? next.observedAt : base.observedAt, at };
}

/** The report with the reachability its sender did not know taken from the stored server (reachable if new). */
function withReachable(report: IncomingReport, base: ServerState | undefined): StatusReport {
  return report.reachable !== undefined ? (report as StatusReport) : { ...report, reachable: base?.reachable ?? true };
}

/** Ingest is answered at COMMIT: a 202 says the reports are durable, not that the live feed has heard them. */
const AT_COMMIT = { awaitListeners: false } as const;

interface Delivery {
  reports: IncomingReport[];
  refused: ApplyResult['refused'];
  meta: ReportMeta;
  keys: string[];
  resolve: (result: ApplyResult) => void;
  reject: (err: unknown) => void;
}

export interface ComponentStateDeps {
  transactor: Transactor;
  handler: ChangeHandler;
  /** Kept in step with every replaced server record, for the components gauge. */
  counts?: ComponentCounts;
  /** How long an idempotency key is remembered. */
  dedupRetentionMs: number;
  /** Which servers may be stored; pushed reports for others are refused. Absent: every server is accepted. */
  inventory?: Pick<ServerInventory, 'admit'>;
  /** Deliveries in one unit at most (default 64). */
  maxBatchSize?: number;
  /** Reports in one unit at most, unless one delivery alone has more (default 1000, a webhook's limit). */
  maxBatchReports?: number;
}

export class ComponentStateService {
  /**
   * What reports that changed nothing said about when servers were last seen: kept here, not written,
   * so a steady fleet costs no store writes while late deliveries are still ordered by what was last
   * seen. Only the newer instants are kept, beside the stored record they belong to.
   */
  private readonly observed = new Map<string, Observation>();
  /** Deliveries waiting for the next unit of work, and whether one is doing its work now. */
  private readonly waiting: Delivery[] = [];
  private working = false;

  constructor(private readonly deps: ComponentStateDeps) {}

  /**
   * Applies the reports and resolves once their effects are durable. With every idempotency key already
   * claimed nothing changes; the answer still waits for the store, so a retry after a failed write is
   * answered only once the first delivery is durable.
   */
  async apply(reports: IncomingReport[], meta: ReportMeta, idempotencyKeys: string[] = []): Promise<ApplyResult> {
    const { accepted, refused, release } = await this.admit(reports, meta);
    // Nothing to store: the delivery changes nothing, so its key is not claimed either.
    if (accepted.length === 0 && refused.length > 0) return { applied: 0, duplicate: false, changes: 0, refused };
    return new Promise<ApplyResult>((resolve, reject) => {
      this.waiting.push({ reports: accepted, refused, meta, keys: idempotencyKeys, resolve, reject });
      this.startBatches();
    }).finally(release);
  }

  /**
   * Group commit of deliveries: while a unit of work does its work, deliveries that arrive wait and go
   * together in the next unit — one claim of all their keys, one read of all their servers, one
   * commit — each still answered with its own result, once the unit is durable. An idle daemon applies
   * a delivery alone and at once. On postgres a unit costs a few round trips whatever it holds, and they
   * were most of what a report cost. The next unit starts as soon as this one's work is done, while it
   * commits (two units doing their work side by side made smaller groups and measured slower).
   */
  private startBatches(): void {
    if (this.working || this.waiting.length === 0) return;
    this.working = true;
    let done = false;
    const workDone = () => {
      if (done) return;
      done = true;
      this.working = false;
      this.startBatches();
    };
    void this.runBatch(this.nextBatch(), workDone).finally(workDone);
  }

  /**
   * The waiting deliveries that go next: at most `maxBatchSize` of them and, past the first, no more
   * reports in all than `maxBatchReports` — a unit's writes make one journal line on the file engine.
   */
  private nextBatch(): Delivery[] {
    const maxDeliveries = this.deps.maxBatchSize ?? 64;
    const maxReports = this.deps.maxBatchReports ?? 1000;
    let n = 1;
    let reports = this.waiting[0].reports.length;
    while (n < this.waiting.length && n < maxDeliveries && reports + this.waiting[n].reports.length <= maxReports) {
      reports += this.waiting[n].reports.length;
      n++;
    }
    return this.waiting.splice(0, n);
  }

  private async runBatch(batch: Delivery[], workDone: () => void): Promise<void> {
    try {
      const results = await this.deps.transactor.run(async (tx) => {
        const r = await this.applyDeliveries(tx, batch);
        workDone();
        return r;
      }, AT_COMMIT);
      batch.forEach((d, i) => d.resolve(results[i]));
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      // One delivery may be what failed the unit: each goes again alone, so only that one fails.
      await Promise.all(batch.map((d) => this.deps.transactor.run((tx) => this.applyDeliveries(tx, [d]), AT_COMMIT).then(([r]) => d.resolve(r), d.reject)));
    }
  }

  /** The deliveries in arrival order, in one unit of work. */
  private async applyDeliveries(tx: Tx, batch: readonly Delivery[]): Promise<ApplyResult[]> {
    const keys = batch.flatMap((d) => d.keys);
    const claimed = keys.length > 0 ? await tx.dedup.claimMany(keys, this.expiry(tx)) : new Set<string>();
    const fresh = batch.map((d) => {
      // A key listed by two deliveries of the batch belongs to the first of them.
      let n = 0;
      for (const k of d.keys) if (claimed.delete(k)) n++;
      return d.keys.length === 0 || n > 0;
    });
    const { stored, changing } = await this.serversFor(tx, batch.filter((_, i) => fresh[i]));
    const results: ApplyResult[] = [];
    for (const [i, d] of batch.entries()) {
      if (!fresh[i]) {
        results.push({ applied: 0, duplicate: true, changes: 0, refused: [] });
        continue;
      }
      const changes = await this.applyInTx(tx, d.reports, d.meta, stored, changing);
      results.push({ applied: d.reports.length, duplicate: false, changes: changes.length, refused: d.refused });
    }
    return results;
  }

  /**
   * The servers the deliveries name, read for what the unit will do with them: a server that some report
   * changes is read with its lock (it will be written); one that every report only confirms is peeked
   * at, which on postgres takes no lock and, for a server read before, moves only its row version. A
   * confirmation decided on a peek is as if it came just before any write that follows it.
   */
  private async serversFor(tx: Tx, deliveries: ReadonlyArray<Pick<Delivery, 'reports' | 'meta'>>): Promise<{ stored: Map<string, ServerState>; changing: ReadonlySet<string> }> {
    const seen = await tx.servers.peekMany([...new Set(deliveries.flatMap((d) => d.reports.map((r) => r.serverId)))]);
    const changing = new Set<string>();
    for (const d of deliveries) {
      for (const report of d.reports) {
        const base = seen.get(report.serverId);
        if (!base || !confirmsOnly(base, withReachable(report, base), d.meta.mode, this.diffMeta(d.meta, report.serverId))) changing.add(report.serverId);
      }
    }
    if (changing.size === 0) return { stored: seen, changing };
    const locked = await tx.servers.getMany([...changing]);
    await this.deps.handler.prepare?.(tx, [...changing]);
    const stored = new Map(seen);
    for (const id of changing) {
      const s = locked.get(id);
      if (s) stored.set(id, s);
      else stored.delete(id);
    }
    return { stored, changing };
  }

  /** Applies only the reports whose own key was not claimed before (Alertmanager: one key per alert state). */
  async applyKeyed(items: Array<{ key: string; report: IncomingReport }>, meta: ReportMeta): Promise<{ accepted: number; duplicates: number; changes: number; refused: ApplyResult['refused'] }> {
    const admitted = await this.admit(items.map((i) => ({ ...i, serverId: i.report.serverId })), meta);
    const { refused } = admitted;
    return this.deps.transactor.run(async (tx) => {
      const claimed = await tx.dedup.claimMany(admitted.accepted.map((i) => i.key), this.expiry(tx));
      // A key listed twice in one payload counts once, as with one claim each.
      const fresh = admitted.accepted.filter((i) => claimed.delete(i.key)).map((i) => i.report);
      if (fresh.length === 0) return { accepted: 0, duplicates: admitted.accepted.length, changes: 0, refused };
      const { stored, changing } = await this.serversFor(tx, [{ reports: fresh, meta }]);
      const changes = await this.applyInTx(tx, fresh, meta, stored, changing);
      return { accepted: fresh.length, duplicates: admitted.accepted.length - fresh.length, changes: changes.length, refused };
    }).finally(admitted.release);
  }

  /** Polled reports come from the console's own list; pushed ones must name a server the inventory knows. */
  private async admit<T extends { serverId: string }>(reports: T[], meta: ReportMeta): Promise<Admission<T>> {
    if (meta.source === 'poll' || !this.deps.inventory) return { accepted: reports, refused: [], release: () => undefined };
    return this.deps.inventory.admit(reports);
  }

  /**
   * `stored`: the servers as serversFor read them (kept up to date with what this writes); `changing`:
   * the servers that some report changes — every report of the others confirms what is stored
   * (serversFor asked), and is not asked again.
   */
  private async applyInTx(tx: Tx, reports: IncomingReport[], meta: ReportMeta, stored: Map<string, ServerState>, changing: ReadonlySet<string>): Promise<StateChange[]> {
    const all: StateChange[] = [];
    for (const incoming of reports) {
      const base = stored.get(incoming.serverId);
      // A server no longer stored (the sweeper forgot it) takes its kept instants with it.
      if (!base) this.observed.delete(incoming.serverId);
      const seen = this.observationOf(base);
      const report = withReachable(incoming, base);
      // The common case, decided without copying the server: the report confirms what is known.
      if (base && !changing.has(report.serverId)) {
        this.observe(base, seen, report);
        continue;
      }
      const diffMeta = this.diffMeta(meta, report.serverId);
      const prev = seen ? withObservation(seen) : base;
      const { next, changes } = diffReport(prev, report, meta.mode, diffMeta);
      if (base && prev && changes.length === 0 && onlyObservationChanged(prev, next)) {
        this.observed.set(base.id, observationFrom(base, next));
        continue;
      }
      this.observed.delete(report.serverId);
      const before = stored.get(report.serverId);
      tx.afterCommit(() => this.deps.counts?.replace(before, next));
      tx.servers.put(next);
      stored.set(report.serverId, next);
      for (const change of changes) {
        tx.emit({
          type: 'component.changed',
          data: change.type === 'component'
            ? { serverId: change.serverId, customerId: change.customerId, component: change.component, kind: change.kind, from: change.from, to: change.to, message: change.message ?? null, at: change.at }
            : { serverId: change.serverId, customerId: change.customerId, component: null, kind: 'server', reachable: change.to, from: change.from, to: change.to ? 'reachable' : 'unreachable', at: change.at },
          scope: { serverId: change.serverId, customerId: change.customerId },
        });
      }
      if (changes.length > 0) await this.deps.handler.onChanges(tx, next, changes, meta.source);
      all.push(...changes);
    }
    return all;
  }

  /** The instants kept for the stored record, if they belong to it (not to one replaced meanwhile). */
  private observationOf(stored: ServerState | undefined): Observation | undefined {
    if (!stored) return undefined;
    const o = this.observed.get(stored.id);
    if (!o || o.base === stored) return o;
    // The embedded engines hand out the stored object itself; postgres a new one per read, and another
    // instance may have written the server: the instants still apply if only instants differ.
    if (onlyObservationChanged(o.base, stored)) {
      o.base = stored;
      return o;
    }
    this.observed.delete(stored.id);
    return undefined;
  }

  /** Records what a confirming report says about when the server and its components were seen. */
  private observe(base: ServerState, seen: Observation | undefined, report: StatusReport): void {
    let o = seen;
    if (!o) this.observed.set(base.id, (o = { base, serverAt: base.observedAt, at: new Map() }));
    if (report.observedAt > o.serverAt) o.serverAt = report.observedAt;
    // While unreachable the components are not looked at (as diffReport).
    if (!report.reachable) return;
    for (const c of report.components) {
      const current = o.at.get(c.name) ?? base.components[c.name].observedAt;
      if (report.observedAt > current) o.at.set(c.name, report.observedAt);
    }
  }

  private diffMeta(meta: ReportMeta, serverId: string): { consoleId?: string; name?: string; customerId?: string } {
    const known = meta.names?.get(serverId);
    return { consoleId: meta.consoleId, name: known?.name, customerId: known?.customerId };
  }

  private expiry(tx: Tx): string {
    return new Date(tx.now.getTime() + this.deps.dedupRetentionMs).toISOString();
  }
}

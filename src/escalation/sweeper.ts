// Periodic housekeeping that needs no exact instant (a leader job): degraded components past their grace
// period become L2 incidents, recovered incidents resolve themselves where the auto-resolve rule allows,
// expired idempotency keys, old events and old audit entries go by index, and (file engine) resolved
// incidents past retention leave the live store for the archive.
import type { Logger } from 'pino';
import { autoResolve } from '../domain/auto-resolve.js';
import { degradedIncidentsDue } from '../domain/degraded.js';
import { resolve as resolveIncident } from '../domain/incident.js';
import { resolveDisposition } from '../domain/ticket-policy.js';
import type { RoutingPolicy } from '../domain/routing.js';
import type { Server } from '../store/port.js';
import type { Transactor } from '../store/transactor.js';
import { saveIncident } from './incident-records.js';
import type { LifecycleHooks } from './lifecycle-hooks.js';
import { MONITOR, maintenanceCovers, type MonitorHandler } from './monitor-handler.js';

export interface Archiver {
  archiveResolved(now: Date, retentionMs: number): Promise<number>;
}

export interface SweeperDeps {
  transactor: Transactor;
  monitor: MonitorHandler;
  hooks: LifecycleHooks;
  policy: RoutingPolicy;
  autoResolveAfterMs: number | undefined;
  resolvedRetentionMs: number;
  /** Events the persisted log keeps for `resume`. */
  eventLogSize: number;
  auditRetentionMs: number;
  archive: Archiver | null;
  /** Whether the daemon may forget a server (no console lists it any more, or no report named it for long). */
  forgettable?: (server: Server, now: Date) => boolean;
  logger: Logger;
  now: () => Date;
}

/** At most this many keys, events or audit entries are expired per pass: a backlog is worked off over passes. */
const EXPIRE_PER_PASS = 5000;

export class Sweeper {
  private running: Promise<void> | null = null;

  constructor(private readonly deps: SweeperDeps) {}

  /** One pass; never two at once. Run by the leader's scheduler. */
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
    const now = this.deps.now();
    // One read of the fleet per pass, shared by the two steps that look at every server (10,000 servers
    // on postgres are 10,000 JSON rows; each step re-checks what it acts on inside its unit of work).
    const servers = await transactor.read.servers.all();
    await this.openDegraded(now, servers);
    await this.autoResolve(now);
    await this.forgetServers(now, servers);
    await transactor.store.housekeeping(now, {
      keepEvents: this.deps.eventLogSize,
      auditBefore: new Date(now.getTime() - this.deps.auditRetentionMs).toISOString(),
      limit: EXPIRE_PER_PASS,
    });
    await this.deps.archive?.archiveResolved(now, this.deps.resolvedRetentionMs);
  }

  private async openDegraded(now: Date, servers: readonly Server[]): Promise<void> {
    const read = this.deps.transactor.read;
    const open = new Set((await read.incidents.open()).filter((i) => i.component !== null).map((i) => JSON.stringify([i.serverId, i.component])));
    const windows = await read.maintenance.list();
    const nowIso = now.toISOString();
    const inMaintenance = (server: Server, c: string) => windows.some((w) => maintenanceCovers(w, server, c, nowIso));
    const due = degradedIncidentsDue(servers, { hasOpen: (s, c) => open.has(JSON.stringify([s, c])), inMaintenance }, now, this.deps.policy);
    if (due.length === 0) return;
    await this.deps.transactor.run(async (tx) => {
      for (const d of due) {
        // The rule asked again on the server and its incidents as they are inside the unit of work: a
        // report may have changed either since the read.
        const server = await tx.servers.get(d.server.id);
        if (!server) continue;
        const openNow = await tx.incidents.openFor(server.id, d.component);
        const still = degradedIncidentsDue([server], { hasOpen: () => openNow !== undefined, inMaintenance }, now, this.deps.policy).find((x) => x.component === d.component);
        if (still) await this.deps.monitor.openIncident(tx, still.decision, server, 'poll', still.detectedAt, still.message);
      }
    });
  }

  /** Servers leave the store once the inventory no longer has them and nothing is open on them. */
  private async forgetServers(now: Date, servers: readonly Server[]): Promise<void> {
    const forgettable = this.deps.forgettable;
    if (!forgettable) return;
    const gone = servers.filter((s) => forgettable(s, now)).slice(0, EXPIRE_PER_PASS);
    if (gone.length === 0) return;
    await this.deps.transactor.run(async (tx) => {
      for (const s of gone) {
        // Checked again on the record as it is now: a report may have named it since the pass read it.
        const current = await tx.servers.get(s.id);
        if (current && forgettable(current, now) && (await tx.incidents.openOn(s.id)).length === 0) tx.servers.delete(s.id);
      }
    });
    this.deps.logger.info({ servers: gone.length }, 'forgot servers no longer in the inventory');
  }

  private async autoResolve(now: Date): Promise<void> {
    const candidates = (await this.deps.transactor.read.incidents.open())
      .filter((i) => autoResolve(i, now, this.deps.autoResolveAfterMs).action === 'resolve');
    if (candidates.length === 0) return;
    await this.deps.transactor.run(async (tx) => {
      for (const c of candidates) {
        const current = await tx.incidents.get(c.id);
        if (!current || autoResolve(current, tx.now, this.deps.autoResolveAfterMs).action !== 'resolve') continue;
        const resolved = this.deps.hooks.afterTransition(tx, resolveIncident(current, MONITOR, tx.now, 'server', 'auto-resolved: healthy for the whole stable window'), { kind: 'resolved' });
        saveIncident(tx, resolved, 'incident.resolved', { auto: true });
        if (resolveDisposition(MONITOR.kind, resolved.ticket, resolved.status) !== 'drop') tx.enqueue({ kind: 'ticket.resolve', incidentId: resolved.id, payload: { note: 'Auto-resolved by escalatord: the component has been healthy for the whole stable window.', rootCause: 'server' } });
      }
    });
  }
}

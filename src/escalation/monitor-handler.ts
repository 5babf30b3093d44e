// Turns component changes into incidents by the routing policy, inside the ingest commit: the incident,
// its ticket in the outbox and its events are durable together, and nobody has to touch anything.
import { addNote, changePriority, createIncident } from '../domain/incident.js';
import { windowCovers } from '../domain/maintenance-window.js';
import { monitoredView, route, type Decision, type RoutingPolicy } from '../domain/routing.js';
import { ticketAction } from '../domain/ticket-policy.js';
import type { StateChange } from '../domain/status-diff.js';
import type { Actor, Incident, IncidentSource, ServerState } from '../domain/types.js';
import type { ChangeHandler } from '../ingest/component-state.js';
import type { Metrics } from '../observability/metrics.js';
import type { Tx } from '../store/transactor.js';
import type { MaintenanceWindow } from '../store/port.js';
import { commentOnTicket, getIncident, requestTicket, saveIncident } from './incident-records.js';
import type { LifecycleHooks } from './lifecycle-hooks.js';

export const MONITOR: Actor = { kind: 'system', name: 'escalatord' };

export interface MonitorHandlerDeps {
  policy: RoutingPolicy;
  hooks: LifecycleHooks;
  metrics: Metrics;
}

/** Whether a maintenance window covers a failure of `component` (null: the server) on `server` at `at`. */
export function maintenanceCovers(w: MaintenanceWindow, server: ServerState, component: string | null, at: string): boolean {
  return windowCovers(w, server.id, server.customerId, component, new Date(at));
}

export class MonitorHandler implements ChangeHandler {
  private readonly windowsOf = new WeakMap<Tx, Promise<readonly MaintenanceWindow[]>>();

  constructor(private readonly deps: MonitorHandlerDeps) {}

  /** The open incidents of the servers about to change and the maintenance windows, in one go per unit. */
  async prepare(tx: Tx, serverIds: readonly string[]): Promise<void> {
    await Promise.all([tx.incidents.openOnMany(serverIds), this.windows(tx)]);
  }

  async onChanges(tx: Tx, server: ServerState, changes: StateChange[], source: IncidentSource): Promise<void> {
    const nowIso = tx.now.toISOString();
    let allWindows: readonly MaintenanceWindow[] | null = null;
    for (const change of changes) {
      if (change.type === 'component') tx.afterCommit(() => this.deps.metrics.componentTransitions.inc({ kind: change.kind, to: change.to }));
      const component = change.type === 'component' ? change.component : null;
      allWindows ??= await this.windows(tx);
      const windows = allWindows.filter((w) => maintenanceCovers(w, server, component, nowIso));
      // One read of the server's open incidents per change (an earlier change may have opened one).
      const seen = monitoredView(await tx.incidents.openOn(server.id), server, component);
      const decisions = route(change, { server, ...seen, inMaintenance: windows.length > 0 }, this.deps.policy);
      for (const d of decisions) await this.apply(tx, d, change, server, source, windows);
    }
  }

  /**
   * The maintenance windows, read once per unit of work however many servers of it changed: a report
   * of many servers would otherwise read them once per changed server. Only the suppression notes a
   * change records on a window are written meanwhile, and those are read again where they are written.
   */
  private windows(tx: Tx): Promise<readonly MaintenanceWindow[]> {
    let list = this.windowsOf.get(tx);
    if (!list) this.windowsOf.set(tx, (list = tx.maintenance.list()));
    return list;
  }

  /** Opens the incident a decision asks for; also used by the degraded sweep. */
  async openIncident(tx: Tx, d: Extract<Decision, { action: 'open' }>, server: ServerState, source: IncidentSource, detectedAt: string, message?: string): Promise<Incident> {
    const kind = d.component ? server.components[d.component]?.kind ?? null : null;
    let incident = createIncident({
      id: await tx.incidents.nextId(), type: 'fault', title: d.title, serverId: server.id, customerId: server.customerId,
      component: d.component, componentKind: kind, source, priority: d.priority, level: d.level, reporter: null,
      symptoms: message ? [message] : [], requestType: null, detectedAt, actor: MONITOR,
      note: `opened by the monitoring policy (${d.reason})`,
    }, tx.now);
    incident = this.deps.hooks.afterTransition(tx, incident, { kind: 'created' });
    saveIncident(tx, incident, 'incident.created', { reason: d.reason });
    // One ticket rule for every path (domain/ticket-policy.ts): an incident opened at L3 gets its ticket now.
    const action = ticketAction(incident, 'opened');
    if (action.action === 'create-ticket') incident = await requestTicket(tx, incident, { reason: d.reason, refreshDiagnostics: action.refreshDiagnostics });
    else if (action.action === 'none' && action.fetchDiagnostics) tx.enqueue({ kind: 'diagnostics.fetch', incidentId: incident.id, payload: { reason: 'created' } });
    const labels = { level: incident.level, priority: incident.priority, source };
    tx.afterCommit(() => this.deps.metrics.incidentsCreated.inc(labels));
    return incident;
  }

  private async apply(tx: Tx, d: Decision, change: StateChange, server: ServerState, source: IncidentSource, windows: MaintenanceWindow[]): Promise<void> {
    switch (d.action) {
      case 'open':
        await this.openIncident(tx, d, server, source, change.at, change.type === 'component' ? change.message : undefined);
        return;
      case 'recovered': {
        const incident = await getIncident(tx.incidents, d.incidentId);
        const updated = { ...addNote(incident, MONITOR, tx.now, 'recovered', 'the console reports the component healthy again'), recoveredAt: change.at };
        saveIncident(tx, updated, 'incident.updated', { recovered: true });
        commentOnTicket(tx, updated, 'recovery', `Recovered at ${change.at}: ${describeChange(change)}.`);
        return;
      }
      case 'relapsed': {
        const incident = await getIncident(tx.incidents, d.incidentId);
        saveIncident(tx, { ...addNote(incident, MONITOR, tx.now, 'relapsed', describeChange(change)), recoveredAt: null }, 'incident.updated');
        return;
      }
      case 'raise-priority':
        for (const id of d.incidentIds) {
          const incident = await getIncident(tx.incidents, id);
          const raised = this.deps.hooks.afterTransition(tx,
            changePriority(incident, d.priority, MONITOR, tx.now, 'several software components failed on this server'),
            { kind: 'priority', from: incident.priority },
          );
          saveIncident(tx, raised, 'incident.updated');
          commentOnTicket(tx, raised, 'escalation', `Priority raised to ${d.priority}: several software components have failed on ${server.name}.`);
        }
        return;
      case 'maintenance':
        for (const w of windows) {
          // Read again: an earlier change of the same report may have recorded a suppression on this window.
          const current = (await tx.maintenance.get(w.id)) ?? w;
          tx.maintenance.put({ ...current, suppressed: [...(current.suppressed ?? []), { at: change.at, what: d.reason }].slice(-100) });
        }
        return;
    }
  }
}

function describeChange(change: StateChange): string {
  return change.type === 'component'
    ? `${change.component} ${change.from ?? 'new'} → ${change.to}${change.message ? ` (${change.message})` : ''}`
    : `server ${change.to ? 'reachable' : 'unreachable'}`;
}

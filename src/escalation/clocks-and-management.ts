// The clocks of an incident and the vendor's management path: moves the SLA clocks with every incident
// transition (the rule is domain/sla-transition.ts), fires warnings, breaches and management steps when
// the scheduler wakes the incident at their instants, and takes complaints and step acknowledgements.
// Each firing is an event, a ticket comment, a notification and a metric; a breach or a complaint walks
// the management path (domain/management.ts).
import * as sla from '../domain/sla.js';
import { slaAfterTransition } from '../domain/sla-transition.js';
import { nextWake } from '../domain/next-wake.js';
import * as mgmt from '../domain/management.js';
import { addNote } from '../domain/incident.js';
import { ConflictError, ValidationError } from '../domain/errors.js';
import type { Actor, Incident } from '../domain/types.js';
import type { Metrics } from '../observability/metrics.js';
import type { Transactor, Tx } from '../store/transactor.js';
import type { NotificationOutbox } from './notifications.js';
import { commentOnTicket, getIncident, incidentSummary, saveIncident } from './incident-records.js';
import type { LifecycleHooks, Transition } from './lifecycle-hooks.js';

const SLA_ACTOR: Actor = { kind: 'system', name: 'escalatord-sla' };

export interface ContactDirectory {
  /** The configured (or master-refreshed) contact for a management step. */
  step(step: number): { title: string; contact: { name: string; email?: string; phone?: string } } | undefined;
}

export interface ClocksAndManagementDeps {
  transactor: Transactor;
  policy: sla.SlaPolicy;
  management: mgmt.ManagementPolicy;
  contacts: ContactDirectory;
  notifications: Pick<NotificationOutbox, 'managementStep' | 'sla'>;
  metrics: Metrics;
  /** Called after a commit that may have moved an incident's next wake-up instant. */
  onReschedule?: (incidentId: string) => void;
}

export class ClocksAndManagement implements LifecycleHooks {
  constructor(private readonly deps: ClocksAndManagementDeps) {}

  afterTransition(tx: Tx, incident: Incident, transition: Transition): Incident {
    const now = tx.now;
    const ctx = { policy: this.deps.policy, priority: incident.priority, level: incident.level, status: incident.status };
    const after = slaAfterTransition(incident.sla, transition, now, ctx);
    let out: Incident = { ...incident, sla: after.sla };
    out = this.fire(tx, out, after.fired);
    for (const clock of after.met) {
      const labels = { clock, priority: incident.priority };
      tx.afterCommit(() => this.deps.metrics.slaMet.inc(labels));
    }
    const by = incident.timeline[incident.timeline.length - 1]?.actor.name ?? 'unknown';
    out = { ...out, management: mgmt.managementAfterTransition(out.management, transition, by, now) };
    tx.afterCommit(() => this.deps.onReschedule?.(incident.id));
    return out;
  }

  /** The next instant the scheduler must wake this incident for, or null. */
  nextWake(incident: Incident): Date | null {
    return nextWake(incident, this.deps.management);
  }

  /** Fires whatever is due for the incident now: warnings, breaches, management re-notifications and steps. */
  async wake(incidentId: string): Promise<void> {
    await this.deps.transactor.run(async (tx) => {
      const incident = await tx.incidents.get(incidentId);
      if (!incident || incident.status === 'resolved' || incident.sla === null) return;
      const { sla: clocks, fired } = sla.evaluate(incident.sla, tx.now);
      let out = this.fire(tx, { ...incident, sla: clocks }, fired);
      const lastProgress = out.lastProgressAt ? new Date(out.lastProgressAt) : null;
      for (const action of mgmt.dueManagementActions(out.management, lastProgress, this.deps.management, tx.now)) {
        const moved = mgmt.applyManagementAction(out.management, action, tx.now);
        out = { ...out, management: moved };
        if (action.action === 'escalate' && moved.step !== incident.management.step) out = this.announceStep(tx, out, action.reason ?? 'unacknowledged');
        else if (action.action === 'renotify') this.deps.notifications.managementStep(tx, out, out.management.step, `reminder ${action.attempt ?? 2}`, this.deps.contacts.step(out.management.step));
      }
      if (out !== incident) saveIncident(tx, out, 'incident.updated');
      tx.afterCommit(() => this.deps.onReschedule?.(incidentId));
    });
  }

  /** The Service Provider is unhappy with how the incident is handled: one management step up. */
  complain(id: string, actor: Actor, note: string): Promise<Incident> {
    return this.deps.transactor.run(async (tx) => {
      const incident = await getIncident(tx.incidents, id);
      const refused = mgmt.complaintRefusal(incident);
      if (refused !== null) throw new ConflictError(`incident ${id} ${refused}`, { incidentStatus: incident.status, step: incident.management.step });
      let out = addNote(incident, actor, tx.now, 'complaint', note);
      out = { ...out, management: mgmt.escalateManagement(out.management, 'complaint', tx.now) };
      out = this.announceStep(tx, out, 'complaint', note);
      saveIncident(tx, out, 'incident.updated');
      tx.afterCommit(() => this.deps.onReschedule?.(id));
      return out;
    });
  }

  /** The contact of a management step confirmed they have it: their re-notifications stop. */
  acknowledgeStep(id: string, actor: Actor, step: number, note?: string): Promise<Incident> {
    return this.deps.transactor.run(async (tx) => {
      const incident = await getIncident(tx.incidents, id);
      if (!incident.management.history.some((r) => r.step === step)) {
        throw new ValidationError([{ field: 'step', message: `incident ${id} has not been escalated to management step ${step}` }]);
      }
      const management = mgmt.acknowledgeStep(incident.management, step, actor.name, tx.now);
      const out = { ...addNote(incident, actor, tx.now, 'management-acknowledged', note, { step }), management };
      saveIncident(tx, out, 'incident.updated');
      tx.afterCommit(() => this.deps.onReschedule?.(id));
      return out;
    });
  }

  private fire(tx: Tx, incident: Incident, fired: sla.SlaFired[]): Incident {
    let out = incident;
    for (const f of fired) {
      const clock = out.sla![f.clock];
      const type = f.kind === 'warning' ? 'sla.warning' : 'sla.breached';
      const labels = { clock: f.clock, priority: out.priority };
      const text = f.kind === 'warning'
        ? `SLA warning: the ${f.clock} clock of ${out.id} (${out.priority}) is due at ${clock.dueAt}.`
        : `SLA breached: the ${f.clock} clock of ${out.id} (${out.priority}) was due at ${clock.dueAt}.`;
      out = addNote(out, SLA_ACTOR, tx.now, type, text, { clock: f.clock, dueAt: clock.dueAt });
      tx.emit({ type, data: { incidentId: out.id, clock: f.clock, dueAt: clock.dueAt, incident: incidentSummary(out) }, scope: { level: out.level, customerId: out.customerId, serverId: out.serverId } });
      commentOnTicket(tx, out, 'sla', text);
      this.deps.notifications.sla(tx, out, type, text, { clock: f.clock, state: f.kind === 'warning' ? 'at-risk' : 'breached', dueAt: clock.dueAt });
      tx.afterCommit(() => (f.kind === 'warning' ? this.deps.metrics.slaWarnings : this.deps.metrics.slaBreaches).inc(labels));
      const management = mgmt.managementAfterSla(out.management, f.kind, tx.now);
      if (management !== out.management) out = this.announceStep(tx, { ...out, management }, 'sla-breach', text);
    }
    return out;
  }

  private announceStep(tx: Tx, incident: Incident, reason: string, note?: string): Incident {
    const step = incident.management.step;
    const contact = this.deps.contacts.step(step);
    const who = contact ? `${contact.title} (${contact.contact.name}${contact.contact.email ? `, ${contact.contact.email}` : ''})` : `step ${step}`;
    const out = addNote(incident, SLA_ACTOR, tx.now, 'management-escalated', `management escalation to ${who}: ${reason}`, { step, reason });
    tx.emit({ type: 'management.escalated', data: { incidentId: out.id, step, reason, contact: contact ?? null, incident: incidentSummary(out) }, scope: { level: out.level, customerId: out.customerId, serverId: out.serverId } });
    commentOnTicket(tx, out, 'escalation', `Management escalation step ${step} — ${who}. Reason: ${reason}${note ? `. ${note}` : ''}`);
    this.deps.notifications.managementStep(tx, out, step, reason, contact);
    if (step >= 2 && step <= 4) tx.afterCommit(() => this.deps.metrics.managementEscalations.inc({ step: step as 2 | 3 | 4 }));
    return out;
  }
}

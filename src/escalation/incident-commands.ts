// The manual flows of the support model (DESIGN §1, §8): L1 logs faults and requests with an authority
// check, levels escalate with the seed's conditions, owners acknowledge, report progress and resolve,
// and the vendor's ticketing system reports back. Every change records its actor.
import * as lifecycle from '../domain/incident.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { Actor, Incident, IncidentStatus, Level, Priority, Reporter, Role, RootCause } from '../domain/types.js';
import type { Config } from '../config/schema.js';
import type { EscalationReason, Metrics } from '../observability/metrics.js';
import type { Transactor, Tx } from '../store/transactor.js';
import { getIncident, nextIncidentId, saveIncident } from './incident-records.js';
import type { LifecycleHooks, Transition } from './lifecycle-hooks.js';

export interface LogIncidentInput {
  type: 'fault' | 'request';
  customerId: string;
  serverId: string;
  reporter: Reporter;
  title?: string;
  symptoms?: string[];
  requestType?: string;
  priority?: Priority;
  component?: string;
  /** Open a new incident even when one is already open on the server. */
  newIncident?: boolean;
}

export interface IncidentCommandsDeps {
  transactor: Transactor;
  config: Pick<Config, 'customers' | 'requests'>;
  hooks: LifecycleHooks;
  metrics: Metrics;
}

export type LogResult = { created: true; incident: Incident } | { created: false; linkedTo: Incident; openIncidents: string[] };

export class IncidentCommands {
  constructor(private readonly deps: IncidentCommandsDeps) {}

  logIncident(input: LogIncidentInput, actor: Actor & { role: Role }): Promise<LogResult> {
    const customer = this.deps.config.customers.find((c) => c.id === input.customerId);
    const problems = [];
    if (!customer) problems.push({ field: 'customerId', message: `unknown customer "${input.customerId}"` });
    if (input.type === 'fault' && (!input.symptoms || input.symptoms.length === 0)) problems.push({ field: 'symptoms', message: 'a fault needs at least one symptom' });
    const catalogue = input.type === 'request' ? this.deps.config.requests.find((r) => r.type === input.requestType) : undefined;
    if (input.type === 'request' && !catalogue) {
      problems.push({ field: 'requestType', message: `unknown request type; known: ${this.deps.config.requests.map((r) => r.type).join(', ') || 'none configured'}` });
    }
    const known = this.deps.transactor.data.servers[input.serverId];
    if (known && customer && known.customerId !== customer.id) problems.push({ field: 'serverId', message: `server ${input.serverId} belongs to customer ${known.customerId}` });
    if (problems.length > 0) throw new ValidationError(problems);
    const authorised = customer!.authorisedContacts.some((c) => c.email.toLowerCase() === input.reporter.email.toLowerCase());
    if (!authorised) {
      throw new ForbiddenError(`${input.reporter.name} <${input.reporter.email}> is not an authorised contact of ${customer!.name}; the request cannot be logged`, { reason: 'reporter-not-authorised', customerId: customer!.id });
    }

    return this.deps.transactor.run((tx): LogResult => {
      if (input.type === 'fault' && !input.newIncident) {
        const open = Object.values(tx.data.incidents).filter((i) => i.serverId === input.serverId && i.status !== 'resolved' && i.type === 'fault');
        if (open.length > 0) {
          // "A transient issue already being addressed": the report joins the open incident.
          const target = open.sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
          const linked = lifecycle.addNote(target, actor, tx.now, 'linked-report', (input.symptoms ?? []).join('; '), { reporter: input.reporter });
          saveIncident(tx, { ...linked, symptoms: [...target.symptoms, ...(input.symptoms ?? [])] }, 'incident.updated', { linkedReport: true });
          return { created: false, linkedTo: tx.data.incidents[target.id], openIncidents: open.map((i) => i.id) };
        }
      }
      const level = (input.type === 'request' ? catalogue!.level : 1) as Level;
      let incident = lifecycle.createIncident({
        id: nextIncidentId(tx.data), type: input.type,
        title: input.title ?? (input.type === 'request' ? `${input.requestType} for ${customer!.name}` : (input.symptoms ?? [])[0] ?? 'reported fault'),
        serverId: input.serverId, customerId: customer!.id, component: input.component ?? null,
        componentKind: input.component ? known?.components[input.component]?.kind ?? null : null,
        source: 'manual', priority: input.priority ?? (input.type === 'request' ? 'P4' : 'P3'), level,
        reporter: input.reporter, symptoms: input.symptoms ?? [], requestType: input.requestType ?? null,
        detectedAt: null, actor,
      }, tx.now);
      incident = this.deps.hooks.afterTransition(tx, incident, { kind: 'created' });
      saveIncident(tx, incident, 'incident.created');
      if (level >= 3) this.sendToVendor(tx, incident, 'request needs third level support');
      const labels = { level, priority: incident.priority, source: 'manual' as const };
      tx.afterCommit(() => this.deps.metrics.incidentsCreated.inc(labels));
      return { created: true, incident: tx.data.incidents[incident.id] };
    });
  }

  acknowledge(id: string, actor: Actor & { role?: Role }, note?: string): Promise<Incident> {
    return this.transition(id, actor, 'acknowledge', (tx, incident) => {
      const acked = lifecycle.acknowledge(incident, actor, tx.now, note);
      if (incident.acknowledgedAt === null) {
        const seconds = (tx.now.getTime() - Date.parse(incident.createdAt)) / 1000;
        tx.afterCommit(() => this.deps.metrics.timeToAcknowledge.observe({ priority: incident.priority }, seconds));
      }
      return { incident: acked, transition: { kind: 'acknowledged' } };
    });
  }

  progress(id: string, actor: Actor & { role?: Role }, note: string): Promise<Incident> {
    return this.transition(id, actor, 'report progress on', (tx, incident) => {
      const base = incident.status === 'open' ? lifecycle.acknowledge(incident, actor, tx.now) : incident;
      return { incident: lifecycle.reportProgress(base, actor, tx.now, note), transition: { kind: 'progress' } };
    });
  }

  setStatus(id: string, actor: Actor & { role?: Role }, status: IncidentStatus, note?: string): Promise<Incident> {
    return this.transition(id, actor, 'change the status of', (tx, incident) => ({
      incident: lifecycle.setStatus(incident, status, actor, tx.now, note),
      transition: { kind: 'status', from: incident.status },
    }));
  }

  escalate(id: string, actor: Actor & { role: Role }, input: { toLevel?: Level; reason?: string; notes?: string }): Promise<Incident> {
    return this.transition(id, actor, 'escalate', (tx, incident) => {
      const toLevel = input.toLevel ?? ((incident.level + 1) as Level);
      let reason: EscalationReason = incident.type === 'request' ? 'request' : 'manual';
      if (incident.type === 'fault' && incident.level === 2 && toLevel === 3) {
        // The seed: immediately when the console shows a software failure, otherwise only with notes.
        const server = tx.data.servers[incident.serverId];
        const softwareFailed = server ? Object.values(server.components).some((c) => c.kind === 'software' && c.status === 'failed') : false;
        if (softwareFailed) reason = 'console-software-failure';
        else if (!input.notes || input.notes.trim() === '') {
          throw new ValidationError([{ field: 'notes', message: 'the console shows no software failure on this server: give the reproduction/isolation notes that point at the server' }]);
        } else reason = 'notes';
      }
      const escalated = lifecycle.escalate(incident, toLevel, actor, tx.now, reason, [input.reason, input.notes].filter(Boolean).join(' — ') || undefined);
      tx.afterCommit(() => this.deps.metrics.escalations.inc({ from: incident.level, to: toLevel, reason }));
      return { incident: escalated, transition: { kind: 'escalated', from: incident.level }, event: 'incident.escalated', after: (t, inc) => {
        // Fresh diagnostics at every escalation: with the new ticket, or fetched and added to the incident (and ticket).
        if (toLevel === 3) return this.sendToVendor(t, inc, input.notes ?? input.reason ?? reason);
        if (inc.ticket) t.enqueue({ kind: 'ticket.comment', incidentId: inc.id, payload: { kind: 'escalation', body: `Escalated to level ${toLevel} by ${actor.name}: ${input.notes ?? input.reason ?? reason}` } });
        t.enqueue({ kind: 'diagnostics.fetch', incidentId: inc.id, payload: { reason: 'escalation' } });
      } };
    });
  }

  resolve(id: string, actor: Actor & { role?: Role }, rootCause: RootCause, note?: string): Promise<Incident> {
    return this.transition(id, actor, 'resolve', (tx, incident) => {
      if (incident.type === 'request' && actor.role) {
        const needed = this.deps.config.requests.find((r) => r.type === incident.requestType)?.level ?? incident.level;
        if (lifecycle.roleLevel(actor.role) < needed) throw new ForbiddenError(`request "${incident.requestType}" may only be actioned at level ${needed} or above`, { role: actor.role, level: needed });
      }
      const resolved = lifecycle.resolve(incident, actor, tx.now, rootCause, note);
      const seconds = (tx.now.getTime() - Date.parse(incident.createdAt)) / 1000;
      tx.afterCommit(() => this.deps.metrics.timeToResolve.observe({ priority: incident.priority }, seconds));
      return { incident: resolved, transition: { kind: 'resolved' }, event: 'incident.resolved', after: (t, inc) => {
        if (inc.ticket?.id && actor.kind !== 'vendor') t.enqueue({ kind: 'ticket.resolve', incidentId: inc.id, payload: { note: note ?? `Resolved by ${actor.name}`, rootCause } });
      } };
    });
  }

  /** A ticket event from the vendor's ticketing system (DESIGN §4). */
  async vendorEvent(input: { ticketId: string; event: 'acknowledged' | 'progress' | 'awaiting-customer' | 'resolved'; by: string; note?: string; rootCause?: RootCause }): Promise<Incident> {
    const incidentId = this.deps.transactor.data.ticketIndex[input.ticketId];
    if (!incidentId) throw new NotFoundError(`ticket ${input.ticketId}`);
    const actor: Actor = { kind: 'vendor', name: input.by };
    const incident = getIncident(this.deps.transactor.data, incidentId);
    if (incident.status === 'resolved') {
      if (input.event === 'resolved') return incident; // a repeated delivery changes nothing
      throw new ConflictError(`incident ${incident.id} is already resolved`);
    }
    switch (input.event) {
      case 'acknowledged':
        return incident.status === 'open' ? this.acknowledge(incidentId, actor, input.note) : incident;
      case 'progress':
        return this.progress(incidentId, actor, input.note ?? 'progress reported by the vendor');
      case 'awaiting-customer':
        if (incident.status === 'awaiting-customer') return incident;
        if (incident.status === 'open') await this.acknowledge(incidentId, actor);
        return this.setStatus(incidentId, actor, 'awaiting-customer', input.note);
      case 'resolved':
        return this.resolve(incidentId, actor, input.rootCause ?? 'server', input.note);
    }
  }

  /** Creates the vendor ticket, or comments on the one that exists, and fetches fresh diagnostics. */
  private sendToVendor(tx: Tx, incident: Incident, why: string): void {
    if (incident.ticket === null) {
      tx.data.incidents[incident.id] = { ...incident, ticket: { adapter: '', id: null, url: null, state: 'pending' } };
      tx.enqueue({ kind: 'ticket.create', incidentId: incident.id, payload: { reason: why, refreshDiagnostics: true } });
    } else {
      tx.enqueue({ kind: 'ticket.comment', incidentId: incident.id, payload: { kind: 'escalation', body: `Escalated to third level support: ${why}` } });
      tx.enqueue({ kind: 'diagnostics.fetch', incidentId: incident.id, payload: { reason: 'escalation' } });
    }
  }

  private transition(
    id: string,
    actor: Actor & { role?: Role },
    what: string,
    fn: (tx: Tx, incident: Incident) => {
      incident: Incident;
      transition: Transition;
      event?: 'incident.updated' | 'incident.escalated' | 'incident.resolved';
      after?: (tx: Tx, incident: Incident) => void;
    },
  ): Promise<Incident> {
    return this.deps.transactor.run((tx) => {
      const incident = getIncident(tx.data, id);
      if (actor.kind === 'user' && actor.role) lifecycle.assertMayAct(actor.role, incident.level, what);
      const out = fn(tx, incident);
      const updated = this.deps.hooks.afterTransition(tx, out.incident, out.transition);
      saveIncident(tx, updated, out.event ?? 'incident.updated');
      out.after?.(tx, updated);
      return tx.data.incidents[id];
    });
  }
}

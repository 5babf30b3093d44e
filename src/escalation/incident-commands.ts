// The manual flows of the support model (DESIGN §1, §8): L1 logs faults and requests with an authority
// check, levels escalate with the seed's conditions, owners acknowledge, report progress and resolve,
// and the vendor's ticketing system reports back. Every decision is a domain rule; this file applies them.
import { assertMayActOn } from '../domain/access.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import { defaultIntakePriority, intakeLevel, intakeProblems, intakeTitle, isAuthorisedReporter, linkTarget } from '../domain/intake.js';
import { consoleShowsSoftwareFailure, escalationGate, requestAuthority } from '../domain/escalation-gate.js';
import * as lifecycle from '../domain/incident.js';
import type { VendorEvent } from '../domain/vendor-events.js';
import { resolveDisposition, ticketAction, ticketRetry } from '../domain/ticket-policy.js';
import { vendorEventEffect } from '../domain/vendor-event-effect.js';
import type { Actor, Incident, IncidentStatus, Level, Priority, Reporter, Role, RootCause } from '../domain/types.js';
import type { Metrics } from '../observability/metrics.js';
import type { Transactor, Tx } from '../store/transactor.js';
import { commentOnTicket, getIncident, requestTicket, saveIncident } from './incident-records.js';
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

export interface CustomerDirectory {
  customers: ReadonlyArray<{ id: string; name: string; authorisedContacts: ReadonlyArray<{ name: string; email: string }>; servers?: ReadonlyArray<{ id: string; name?: string }> }>;
  requests: ReadonlyArray<{ type: string; level: number }>;
}

export interface IncidentCommandsDeps {
  transactor: Transactor;
  config: CustomerDirectory;
  hooks: LifecycleHooks;
  metrics: Metrics;
  /** How long a vendor event's dedup key is remembered. */
  dedupRetentionMs: number;
}

export type LogResult = { created: true; incident: Incident } | { created: false; linkedTo: Incident; openIncidents: string[] };

/** A ticket event from the vendor's ticketing system (DESIGN §4); Jira and ServiceNow map onto it. */
export type VendorEventInput = VendorEvent;

type Acting = Actor & { role?: Role };

export class IncidentCommands {
  constructor(private readonly deps: IncidentCommandsDeps) {}

  async logIncident(input: LogIncidentInput, actor: Actor & { role: Role }): Promise<LogResult> {
    const customer = this.deps.config.customers.find((c) => c.id === input.customerId);
    const catalogue = input.type === 'request' ? this.deps.config.requests.find((r) => r.type === input.requestType) : undefined;
    const known = await this.deps.transactor.read.servers.get(input.serverId);
    const problems = intakeProblems(input, {
      customer, requestTypes: this.deps.config.requests.map((r) => r.type), server: known,
      configuredServer: customer?.servers?.some((s) => s.id === input.serverId) ?? false,
    });
    if (problems.length > 0) throw new ValidationError(problems);
    if (!isAuthorisedReporter(customer!.authorisedContacts, input.reporter.email)) {
      throw new ForbiddenError(`${input.reporter.name} <${input.reporter.email}> is not an authorised contact of ${customer!.name}; the request cannot be logged`, { reason: 'reporter-not-authorised', customerId: customer!.id });
    }

    return this.deps.transactor.run(async (tx): Promise<LogResult> => {
      const open = input.type === 'fault' && !input.newIncident ? await tx.incidents.openOn(input.serverId) : [];
      const target = linkTarget(input, open);
      if (target) {
        // "A transient issue already being addressed": the report, its reporter and symptoms join the open incident.
        // The note names who reported what: the incident keeps one reporter, and a linked report's is otherwise lost to readers.
        const text = `report by ${input.reporter.name} <${input.reporter.email}>: ${(input.symptoms ?? []).join('; ')}`;
        const linked = lifecycle.addNote(target, actor, tx.now, 'linked-report', text, { reporter: input.reporter, symptoms: input.symptoms ?? [] });
        const updated = saveIncident(tx, {
          ...linked,
          reporter: target.reporter ?? input.reporter,
          symptoms: [...target.symptoms, ...(input.symptoms ?? [])].slice(-200),
        }, 'incident.updated', { linkedReport: true });
        return { created: false, linkedTo: updated, openIncidents: open.filter((i) => i.type === 'fault').map((i) => i.id) };
      }
      const level = intakeLevel(input.type, (catalogue?.level ?? null) as Level | null);
      let incident = lifecycle.createIncident({
        id: await tx.incidents.nextId(), type: input.type,
        title: intakeTitle(input, customer!.name),
        serverId: input.serverId, customerId: customer!.id, component: input.component ?? null,
        componentKind: input.component ? known?.components[input.component]?.kind ?? null : null,
        source: 'manual', priority: input.priority ?? defaultIntakePriority(input.type), level,
        reporter: input.reporter, symptoms: input.symptoms ?? [], requestType: input.requestType ?? null,
        detectedAt: null, actor,
      }, tx.now);
      incident = this.deps.hooks.afterTransition(tx, incident, { kind: 'created' });
      incident = saveIncident(tx, incident, 'incident.created');
      incident = await this.vendorTicket(tx, incident, 'opened', 'request needs third level support', 'request needs third level support');
      const labels = { level, priority: incident.priority, source: 'manual' as const };
      tx.afterCommit(() => this.deps.metrics.incidentsCreated.inc(labels));
      return { created: true, incident };
    });
  }

  acknowledge(id: string, actor: Acting, note?: string, dedupKey?: string): Promise<Incident> {
    return this.transition(id, actor, 'acknowledge', (tx, incident) => {
      const acked = lifecycle.acknowledge(incident, actor, tx.now, note);
      if (incident.acknowledgedAt === null) {
        const seconds = (tx.now.getTime() - Date.parse(incident.createdAt)) / 1000;
        tx.afterCommit(() => this.deps.metrics.timeToAcknowledge.observe({ priority: incident.priority }, seconds));
      }
      return { incident: acked, transition: { kind: 'acknowledged' } };
    }, dedupKey);
  }

  progress(id: string, actor: Acting, note: string, dedupKey?: string): Promise<Incident> {
    return this.transition(id, actor, 'report progress on', (tx, incident) => {
      const base = lifecycle.acknowledgedOnTheWay(incident.status, 'in-progress') ? lifecycle.acknowledge(incident, actor, tx.now) : incident;
      return { incident: lifecycle.reportProgress(base, actor, tx.now, note), transition: { kind: 'progress' } };
    }, dedupKey);
  }

  setStatus(id: string, actor: Acting, status: IncidentStatus, note?: string, dedupKey?: string): Promise<Incident> {
    return this.transition(id, actor, 'change the status of', (tx, incident) => {
      const base = lifecycle.acknowledgedOnTheWay(incident.status, status) ? lifecycle.acknowledge(incident, actor, tx.now) : incident;
      return { incident: lifecycle.setStatus(base, status, actor, tx.now, note), transition: { kind: 'status', from: incident.status } };
    }, dedupKey);
  }

  escalate(id: string, actor: Actor & { role: Role }, input: { toLevel?: Level; reason?: string; notes?: string }): Promise<Incident> {
    return this.transition(id, actor, 'escalate', async (tx, incident) => {
      const server = await tx.servers.get(incident.serverId);
      if (incident.type === 'request') {
        const catalogueLevel = this.deps.config.requests.find((r) => r.type === incident.requestType)?.level ?? null;
        const authority = requestAuthority(actor.role, { requestType: incident.requestType, level: incident.level, catalogueLevel }, 'escalate');
        if (!authority.allowed) throw new ForbiddenError(authority.message, { role: actor.role, level: authority.neededLevel });
      }
      const gate = escalationGate({ type: incident.type, level: incident.level, toLevel: input.toLevel, consoleShowsSoftwareFailure: consoleShowsSoftwareFailure(server), notes: input.notes });
      if (!gate.allowed) throw new ValidationError([{ field: gate.field, message: gate.message }]);
      const { toLevel, reason } = gate;
      const escalated = lifecycle.escalate(incident, toLevel, actor, tx.now, reason, [input.reason, input.notes].filter(Boolean).join(' — ') || undefined);
      tx.afterCommit(() => this.deps.metrics.escalations.inc({ from: incident.level, to: toLevel, reason }));
      const why = input.notes ?? input.reason ?? reason;
      return {
        incident: escalated, transition: { kind: 'escalated', from: incident.level }, event: 'incident.escalated',
        after: (t, inc) => this.vendorTicket(t, inc, 'escalated', `Escalated to level ${toLevel} by ${actor.name}: ${why}`, why),
      };
    });
  }

  resolve(id: string, actor: Acting, rootCause: RootCause, note?: string, dedupKey?: string): Promise<Incident> {
    return this.transition(id, actor, 'resolve', (tx, incident) => {
      if (incident.type === 'request' && actor.role) {
        const catalogueLevel = this.deps.config.requests.find((r) => r.type === incident.requestType)?.level ?? null;
        const authority = requestAuthority(actor.role, { requestType: incident.requestType, level: incident.level, catalogueLevel }, 'action');
        if (!authority.allowed) throw new ForbiddenError(authority.message, { role: actor.role, level: authority.neededLevel });
      }
      const resolved = lifecycle.resolve(incident, actor, tx.now, rootCause, note);
      const seconds = (tx.now.getTime() - Date.parse(incident.createdAt)) / 1000;
      tx.afterCommit(() => this.deps.metrics.timeToResolve.observe({ priority: incident.priority }, seconds));
      return {
        incident: resolved, transition: { kind: 'resolved' }, event: 'incident.resolved',
        after: (t, inc) => {
          // A ticket still being created gets its resolve once it exists (the dispatcher holds it).
          if (resolveDisposition(actor.kind, inc.ticket, inc.status) !== 'drop') t.enqueue({ kind: 'ticket.resolve', incidentId: inc.id, payload: { note: note ?? `Resolved by ${actor.name}`, rootCause } });
          return inc;
        },
      };
    }, dedupKey);
  }

  /** `POST /incidents/{id}/ticket/retry`: a creation refused for good is tried again, comments waiting behind it follow. */
  retryTicket(id: string, actor: Actor & { role: Role }): Promise<Incident> {
    return this.deps.transactor.run(async (tx) => {
      // The route admits l2 and admin (DESIGN §6): the ticket belongs to an L3/L4 incident, which L2 watches for the customer.
      const incident = await getIncident(tx.incidents, id);
      const retry = ticketRetry(incident);
      if (!retry.allowed) throw new ConflictError(retry.message, { incidentStatus: incident.status, ticketState: incident.ticket?.state ?? null });
      const noted = lifecycle.addNote(incident, actor, tx.now, 'ticket-retry', 'creation of the vendor ticket retried');
      return requestTicket(tx, saveIncident(tx, noted, 'incident.updated'), { reason: 'retry requested', refreshDiagnostics: true });
    });
  }

  /**
   * A ticket event from the vendor's ticketing system (DESIGN §4; Jira and ServiceNow map onto it). The
   * dedup key, when given, is claimed in the same commit as the effect: a redelivery changes nothing.
   */
  async vendorEvent(input: VendorEventInput, opts: { dedupKey?: string; source?: 'generic' | 'jira' | 'servicenow' } = {}): Promise<{ incident: Incident; duplicate: boolean }> {
    const actor: Actor = { kind: 'vendor', name: input.by };
    return this.deps.transactor.run(async (tx) => {
      const incident = await findVendorIncident(tx, input);
      if (!incident) throw new NotFoundError([input.ticketId, input.ticketNumber].some((r) => r !== undefined) ? `ticket ${input.ticketId ?? input.ticketNumber}` : `incident ${input.incidentId ?? ''}`);
      if (opts.dedupKey !== undefined) {
        const expiresAt = new Date(tx.now.getTime() + this.deps.dedupRetentionMs).toISOString();
        if (!(await tx.dedup.claim(opts.dedupKey, expiresAt))) return { incident, duplicate: true };
      }
      const effect = vendorEventEffect(incident.status, input.event);
      const ackFirst = (i: Incident, t: Tx) => ('acknowledgeFirst' in effect && effect.acknowledgeFirst ? lifecycle.acknowledge(i, actor, t.now) : i);
      let out: Incident = incident;
      switch (effect.effect) {
        case 'nothing':
          break;
        case 'conflict':
          throw new ConflictError(`incident ${incident.id} ${effect.message}`, { incidentStatus: incident.status });
        case 'acknowledge':
          out = await this.transitionIn(tx, out, actor, 'acknowledge', (t, i) => ({ incident: lifecycle.acknowledge(i, actor, t.now, input.note), transition: { kind: 'acknowledged' } }));
          break;
        case 'progress':
          out = await this.transitionIn(tx, out, actor, 'report progress on', (t, i) => ({
            incident: lifecycle.reportProgress(ackFirst(i, t), actor, t.now, input.note ?? 'progress reported by the vendor'), transition: { kind: 'progress' },
          }));
          break;
        case 'await-customer':
          out = await this.transitionIn(tx, out, actor, 'change the status of', (t, i) => ({
            incident: lifecycle.setStatus(ackFirst(i, t), 'awaiting-customer', actor, t.now, input.note), transition: { kind: 'status', from: i.status },
          }));
          break;
        case 'resolve': {
          const rootCause = input.rootCause ?? 'server';
          out = await this.transitionIn(tx, out, actor, 'resolve', (t, i) => ({
            incident: lifecycle.resolve(i, actor, t.now, rootCause, input.note), transition: { kind: 'resolved' }, event: 'incident.resolved',
          }));
          const seconds = (tx.now.getTime() - Date.parse(incident.createdAt)) / 1000;
          tx.afterCommit(() => this.deps.metrics.timeToResolve.observe({ priority: incident.priority }, seconds));
          break;
        }
      }
      return { incident: out, duplicate: false };
    });
  }

  /** What the vendor ticket needs after the incident was opened or escalated: create, retry, comment, or nothing. */
  /** `comment`: what an existing ticket is told; `why`: the reason a new one is created for. */
  private async vendorTicket(tx: Tx, incident: Incident, moment: 'opened' | 'escalated', comment: string, why: string): Promise<Incident> {
    const action = ticketAction(incident, moment);
    switch (action.action) {
      case 'create-ticket':
      case 'retry-failed-creation':
        return requestTicket(tx, incident, { reason: why, refreshDiagnostics: action.refreshDiagnostics });
      case 'comment-on-existing-ticket':
        commentOnTicket(tx, incident, 'escalation', comment);
        this.fetchDiagnostics(tx, incident, moment);
        return incident;
      case 'none':
        if (action.fetchDiagnostics) this.fetchDiagnostics(tx, incident, moment);
        return incident;
    }
  }

  private fetchDiagnostics(tx: Tx, incident: Incident, moment: 'opened' | 'escalated'): void {
    tx.enqueue({ kind: 'diagnostics.fetch', incidentId: incident.id, payload: { reason: moment === 'escalated' ? 'escalation' : 'created' } });
  }

  private transition(
    id: string,
    actor: Acting,
    what: string,
    fn: StepFn,
    dedupKey?: string,
  ): Promise<Incident> {
    return this.deps.transactor.run(async (tx) => {
      const incident = await getIncident(tx.incidents, id);
      if (dedupKey !== undefined) {
        const expiresAt = new Date(tx.now.getTime() + this.deps.dedupRetentionMs).toISOString();
        if (!(await tx.dedup.claim(dedupKey, expiresAt))) return incident;
      }
      return this.transitionIn(tx, incident, actor, what, fn);
    });
  }

  private async transitionIn(tx: Tx, incident: Incident, actor: Acting, what: string, fn: StepFn): Promise<Incident> {
    if (actor.kind === 'user' && actor.role) assertMayActOn(actor.role, incident.level, what);
    const out = await fn(tx, incident);
    const updated = this.deps.hooks.afterTransition(tx, out.incident, out.transition);
    const saved = saveIncident(tx, updated, out.event ?? 'incident.updated');
    return out.after ? out.after(tx, saved) : saved;
  }
}

/**
 * The incident a vendor event names: by the ticket's id (Jira's key, ServiceNow's sys_id), then by its
 * number (ServiceNow's INC…, which a Business Rule may send alone or beside a sys_id we do not know),
 * then by the incident id (`correlation_id`, the escalatord label).
 */
async function findVendorIncident(tx: Tx, input: VendorEventInput): Promise<Incident | undefined> {
  for (const ref of [input.ticketId, input.ticketNumber]) {
    const found = ref !== undefined ? await tx.incidents.byTicket(ref) : undefined;
    if (found) return found;
  }
  return input.incidentId !== undefined ? tx.incidents.get(input.incidentId) : undefined;
}

type StepFn = (tx: Tx, incident: Incident) => StepResult | Promise<StepResult>;
interface StepResult {
  incident: Incident;
  transition: Transition;
  event?: 'incident.updated' | 'incident.escalated' | 'incident.resolved';
  after?: (tx: Tx, incident: Incident) => Incident | Promise<Incident>;
}

// The incident and its lifecycle as pure functions. Each transition checks that it is legal and returns
// a new incident with a timeline entry naming the actor; illegal ones throw ConflictError (409).
import { ConflictError, ForbiddenError } from './errors.js';
import { initialManagement } from './management.js';
import type { Actor, Incident, IncidentStatus, Level, Priority, Role, RootCause } from './types.js';

/** What a caller decides about a new incident; everything else starts empty. */
export type NewIncident = Pick<Incident,
  'id' | 'type' | 'title' | 'serverId' | 'customerId' | 'component' | 'componentKind' | 'source' | 'priority' | 'level' |
  'reporter' | 'symptoms' | 'requestType' | 'detectedAt'> & { actor: Actor; note?: string };

export function createIncident(input: NewIncident, now: Date): Incident {
  const at = now.toISOString();
  const { actor, note, ...fields } = input;
  return {
    ...fields,
    status: 'open',
    createdAt: at,
    updatedAt: at,
    acknowledgedAt: null,
    resolvedAt: null,
    diagnostics: null,
    ticket: null,
    sla: null,
    management: initialManagement(),
    rootCause: null,
    recoveredAt: null,
    lastProgressAt: null,
    timeline: [{ at, actor, action: 'created', note: note ?? input.title, data: { level: input.level, priority: input.priority } }],
  };
}

/** The legal status moves. Escalation and resolution are separate transitions below. */
const STATUS_MOVES: Record<IncidentStatus, IncidentStatus[]> = {
  open: ['acknowledged'],
  acknowledged: ['in-progress', 'awaiting-customer'],
  'in-progress': ['awaiting-customer', 'in-progress'],
  'awaiting-customer': ['in-progress'],
  resolved: [],
};

export function canMove(from: IncidentStatus, to: IncidentStatus): boolean {
  return STATUS_MOVES[from].includes(to);
}

/**
 * Whoever starts working on an incident nobody has acknowledged has it: an open incident is acknowledged
 * on the way to a working status (a progress report, in progress, awaiting the customer). Moving to
 * `acknowledged` is the acknowledgement itself, and resolving needs none.
 */
export function acknowledgedOnTheWay(from: IncidentStatus, to: IncidentStatus): boolean {
  return from === 'open' && (to === 'in-progress' || to === 'awaiting-customer');
}

function assertOpen(incident: Incident, what: string): void {
  if (incident.status === 'resolved') throw new ConflictError(`incident ${incident.id} is resolved; cannot ${what}`, { status: incident.status });
}

function touch(incident: Incident, now: Date, actor: Actor, action: string, note?: string, data?: Record<string, unknown>): Incident {
  const at = now.toISOString();
  return { ...incident, updatedAt: at, timeline: [...incident.timeline, { at, actor, action, ...(note ? { note } : {}), ...(data ? { data } : {}) }] };
}

export function acknowledge(incident: Incident, actor: Actor, now: Date, note?: string): Incident {
  assertOpen(incident, 'acknowledge');
  if (incident.status !== 'open') throw new ConflictError(`incident ${incident.id} is already ${incident.status}`, { status: incident.status });
  return { ...touch(incident, now, actor, 'acknowledged', note), status: 'acknowledged', acknowledgedAt: now.toISOString() };
}

export function reportProgress(incident: Incident, actor: Actor, now: Date, note: string): Incident {
  assertOpen(incident, 'report progress');
  if (incident.status === 'open') throw new ConflictError(`incident ${incident.id} must be acknowledged before progress is reported`, { status: incident.status });
  return { ...touch(incident, now, actor, 'progress', note), status: 'in-progress', lastProgressAt: now.toISOString() };
}

export function setStatus(incident: Incident, to: IncidentStatus, actor: Actor, now: Date, note?: string): Incident {
  assertOpen(incident, `move to ${to}`);
  if (to === 'resolved') throw new ConflictError('use resolve to resolve an incident');
  if (!canMove(incident.status, to)) throw new ConflictError(`incident ${incident.id} cannot move from ${incident.status} to ${to}`, { from: incident.status, to });
  return { ...touch(incident, now, actor, 'status', note, { from: incident.status, to }), status: to };
}

export function escalate(incident: Incident, toLevel: Level, actor: Actor, now: Date, reason: string, note?: string): Incident {
  assertOpen(incident, 'escalate');
  if (toLevel <= incident.level) throw new ConflictError(`incident ${incident.id} is at level ${incident.level}; can only escalate upwards`, { level: incident.level, toLevel });
  if (toLevel !== incident.level + 1) throw new ConflictError(`escalate one level at a time: from ${incident.level} the next is ${incident.level + 1}`, { level: incident.level, toLevel });
  // The new owner must acknowledge: the response clock starts again for it.
  return {
    ...touch(incident, now, actor, 'escalated', note, { from: incident.level, to: toLevel, reason }),
    level: toLevel,
    status: 'open',
  };
}

export function resolve(incident: Incident, actor: Actor, now: Date, rootCause: RootCause, note?: string): Incident {
  assertOpen(incident, 'resolve');
  const at = now.toISOString();
  return { ...touch(incident, now, actor, 'resolved', note, { rootCause }), status: 'resolved', resolvedAt: at, rootCause };
}

export function changePriority(incident: Incident, priority: Priority, actor: Actor, now: Date, reason: string): Incident {
  if (incident.priority === priority) return incident;
  return { ...touch(incident, now, actor, 'priority', reason, { from: incident.priority, to: priority }), priority };
}

export function addNote(incident: Incident, actor: Actor, now: Date, action: string, note?: string, data?: Record<string, unknown>): Incident {
  return touch(incident, now, actor, action, note, data);
}

/**
 * The highest incident level each role may act on: its own level and those below; the vendor's l3 role
 * covers L3 and L4, admin everything, viewer and ingest nothing. The one table of it (serve it to the
 * dashboard from the API rather than restating it in src/web/).
 */
export const ROLE_LEVELS: Readonly<Record<Role, number>> = Object.freeze({ viewer: 0, ingest: 0, l1: 1, l2: 2, l3: 4, admin: 4 });

/**
 * Who may act on an incident at a level: the level's own staff or anyone above. The vendor's l3 role
 * covers levels 3 and 4; admin may do anything.
 */
export function assertMayAct(role: Role, level: Level, what: string): void {
  if (ROLE_LEVELS[role] < level) {
    throw new ForbiddenError(`role "${role}" may not ${what} an incident held at level ${level}`, { role, level });
  }
}

/** The lowest level a role belongs to, for requests: an actor below the request's level gets 403. */
export function roleLevel(role: Role): number {
  return ROLE_LEVELS[role];
}

// Who may move an incident up a level, and why it went (DESIGN §1, seed "Second Level Support"): L2 sends
// a fault to L3 immediately when the Monitoring Console shows a software failure on the server, otherwise
// only with the reproduction/isolation notes that point at the server. Requests go up as the request
// catalogue allows. The reason labels `escalatord_escalations_total{reason}`.
import { roleLevel } from './incident.js';
import type { IncidentType, Level, Role, ServerState } from './types.js';

export type EscalationReason = 'console-software-failure' | 'notes' | 'manual' | 'request';
export const ESCALATION_REASONS: readonly EscalationReason[] = ['console-software-failure', 'notes', 'manual', 'request'];

export interface EscalationAsk {
  type: IncidentType;
  /** The level the incident is held at now. */
  level: Level;
  /** The level asked for; by default the next one up. */
  toLevel?: Level;
  /** True when the console currently shows a failed software component on the incident's server. */
  consoleShowsSoftwareFailure: boolean;
  notes?: string;
}

export type EscalationGate =
  | { allowed: true; toLevel: Level; reason: EscalationReason }
  /** Refused for a missing field: a 400 naming `field`. */
  | { allowed: false; field: 'notes'; message: string };

/**
 * The L2→L3 gate for a fault: console software failure → allowed at once, else notes required. Every
 * other escalation is allowed here (`manual`, or `request` for a request); whether the move itself is
 * legal (one level up, not resolved) is lifecycle.escalate's, and who may do it is assertMayAct's.
 */
export function escalationGate(ask: EscalationAsk): EscalationGate {
  const toLevel = ask.toLevel ?? nextLevel(ask.level);
  if (ask.type === 'request') return { allowed: true, toLevel, reason: 'request' };
  if (!(ask.level === 2 && toLevel === 3)) return { allowed: true, toLevel, reason: 'manual' };
  if (ask.consoleShowsSoftwareFailure) return { allowed: true, toLevel, reason: 'console-software-failure' };
  if (ask.notes !== undefined && ask.notes.trim() !== '') return { allowed: true, toLevel, reason: 'notes' };
  return {
    allowed: false, field: 'notes',
    message: 'the console shows no software failure on this server: give the reproduction/isolation notes that point at the server',
  };
}

/** The fact the gate needs, read from the server as the daemon knows it: is any software component failed? */
export function consoleShowsSoftwareFailure(server: ServerState | undefined): boolean {
  return server !== undefined && Object.values(server.components).some((c) => c.kind === 'software' && c.status === 'failed');
}

/** The level above `level`; L4 has none, so it stays 4 (and lifecycle.escalate refuses it with a 409). */
export function nextLevel(level: Level): Level {
  return level < 4 ? ((level + 1) as Level) : 4;
}

export type RequestAuthority = { allowed: true } | { allowed: false; neededLevel: number; message: string };

/**
 * Who may action (resolve) or escalate a request: a role at the request catalogue's level and at the
 * level the incident is held at, or above (DESIGN §1: an actor below it gets 403). An unknown request
 * type (the catalogue changed since it was logged) is held to the incident's level.
 */
export function requestAuthority(role: Role, request: { requestType: string | null; level: Level; catalogueLevel: number | null }, what: 'action' | 'escalate'): RequestAuthority {
  const neededLevel = Math.max(request.level, request.catalogueLevel ?? request.level);
  if (roleLevel(role) >= neededLevel) return { allowed: true };
  return { allowed: false, neededLevel, message: `request "${request.requestType ?? 'unknown'}" may only be ${what === 'action' ? 'actioned' : 'escalated'} at level ${neededLevel} or above` };
}

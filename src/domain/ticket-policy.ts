// Whether and when an incident has a ticket in the vendor's system (DESIGN §5, §6), one rule for every
// path: an incident held at L3/L4 — the vendor's Support Team — has one. Monitoring opens software
// failures there directly, L1 logs L3-only requests there, and L2 escalates there; each asks ticketAction.
// Follow-up calls on the ticket (comments, resolve) wait for a creation that is pending or failed
// instead of being dead-lettered: commentDisposition.
import type { Actor, IncidentSource, IncidentStatus, Level, TicketRef } from './types.js';

/** True for the levels the vendor's Support Team holds (L3, L4): an incident there has a vendor ticket. */
export function heldByVendor(level: Level): boolean {
  return level >= 3;
}

/** The moment the ticket question is asked: the incident was just opened (monitoring or L1), or just escalated. */
export type TicketMoment = 'opened' | 'escalated';

export type TicketAction =
  /** Enqueue the creation (ticket → pending). `refreshDiagnostics`: fetch them again for the ticket rather than reuse stored ones. */
  | { action: 'create-ticket'; refreshDiagnostics: boolean }
  /** The previous creation failed for good: create it again (ticket → pending), with fresh diagnostics. */
  | { action: 'retry-failed-creation'; refreshDiagnostics: true }
  /** A ticket exists or is on its way: comment on it and fetch fresh diagnostics (added to the incident and the ticket). */
  | { action: 'comment-on-existing-ticket'; fetchDiagnostics: true }
  /**
   * No vendor ticket at this level (L1/L2). `fetchDiagnostics`: fresh diagnostics onto the incident — on
   * every escalation and every incident monitoring opens; a report a person logs brings none until escalated.
   */
  | { action: 'none'; fetchDiagnostics: boolean };

/** What the incident's vendor ticket needs at `moment`, from the level it is now held at, its ticket and its source. */
export function ticketAction(incident: { level: Level; ticket: Pick<TicketRef, 'state'> | null; source: IncidentSource }, moment: TicketMoment): TicketAction {
  const { level, ticket } = incident;
  if (!heldByVendor(level)) return { action: 'none', fetchDiagnostics: moment === 'escalated' || incident.source !== 'manual' };
  if (ticket === null) return { action: 'create-ticket', refreshDiagnostics: moment === 'escalated' };
  if (isLive(ticket.state)) return { action: 'comment-on-existing-ticket', fetchDiagnostics: true };
  // failed, or any state in which the vendor's system holds no ticket for us (e.g. one it has lost): create it again.
  return { action: 'retry-failed-creation', refreshDiagnostics: true };
}

/** A ticket that exists in the vendor's system (created, resolved) or is on its way there (pending). */
function isLive(state: string): boolean {
  return state === 'pending' || state === 'created' || state === 'resolved';
}

/** What to do with a comment or resolve call for the ticket: send it now, keep it waiting for the ticket, or drop it. */
export type CommentDisposition = 'send' | 'wait' | 'drop';

/**
 * A call needs a ticket id. Pending or failed creation: wait (a failed one can still be retried) — except
 * that a failed ticket of a resolved incident will never be retried, so its calls are dropped. No ticket
 * at all, or one the vendor's system no longer knows: drop (do not enqueue).
 */
export function commentDisposition(ticket: Pick<TicketRef, 'id' | 'state'> | null, incidentStatus: IncidentStatus): CommentDisposition {
  if (ticket === null) return 'drop';
  switch (ticket.state) {
    case 'created':
    case 'resolved':
      return ticket.id !== null ? 'send' : 'wait';
    case 'pending':
      return 'wait';
    case 'failed':
      return incidentStatus === 'resolved' ? 'drop' : 'wait';
    default:
      return 'drop'; // a ticket the vendor's system no longer knows takes nothing
  }
}

/**
 * Whether a resolution is sent to the ticket: as any other call (commentDisposition), except that a
 * resolution the vendor made in its own system is never told back to it — that would be an echo.
 */
export function resolveDisposition(by: Actor['kind'], ticket: Pick<TicketRef, 'id' | 'state'> | null, incidentStatus: IncidentStatus): CommentDisposition {
  return by === 'vendor' ? 'drop' : commentDisposition(ticket, incidentStatus);
}

export type TicketRetry = { allowed: true } | { allowed: false; message: string };

/** `POST /incidents/{id}/ticket/retry`: only a failed (or lost) ticket of an incident still open can be created again (409 otherwise). */
export function ticketRetry(incident: { id: string; status: IncidentStatus; ticket: Pick<TicketRef, 'state'> | null }): TicketRetry {
  if (incident.status === 'resolved') return { allowed: false, message: `incident ${incident.id} is resolved; its ticket is not retried` };
  if (incident.ticket === null) return { allowed: false, message: `incident ${incident.id} has no vendor ticket to retry` };
  if (isLive(incident.ticket.state)) return { allowed: false, message: `the ticket of incident ${incident.id} is ${incident.ticket.state}, not failed` };
  return { allowed: true };
}

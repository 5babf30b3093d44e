// When the SLA scheduler must next wake an incident (DESIGN §7: timers exact at the due instant, rebuilt
// from the store at start-up): the earliest of its next SLA warning or breach and its next management
// action. Everything it needs is stored on the incident, so timers are rebuilt from the store alone.
import { nextManagementAction, type ManagementPolicy } from './management.js';
import { nextDeadlines } from './sla.js';
import type { Incident } from './types.js';

/** The next instant to wake `incident` for (possibly already past: wake at once), or null when nothing is scheduled. */
export function nextWake(incident: Pick<Incident, 'status' | 'sla' | 'management' | 'lastProgressAt'>, management: ManagementPolicy): Date | null {
  if (incident.status === 'resolved' || incident.sla === null) return null;
  const deadline = nextDeadlines(incident.sla)[0]?.at ?? null;
  const action = nextManagementAction(incident.management, incident.lastProgressAt ? new Date(incident.lastProgressAt) : null, management)?.at ?? null;
  if (deadline === null) return action;
  if (action === null) return deadline;
  return deadline <= action ? deadline : action;
}

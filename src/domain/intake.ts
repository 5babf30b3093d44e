// How L1 logs a fault or an admin request (DESIGN §1, seed "First Level Support"): the reporter's
// authority is checked against the customer's authorised contacts; a fault on a server that already has
// an open fault joins it ("a transient issue already being addressed") instead of opening a duplicate;
// a fault starts at L1, a request at the level its catalogue entry names.
import type { Incident, IncidentType, Level, Priority } from './types.js';

/** True when `email` is one of the customer's authorised contacts (e-mail addresses compare case-insensitively). */
export function isAuthorisedReporter(contacts: ReadonlyArray<{ email: string }>, email: string): boolean {
  const wanted = email.trim().toLowerCase();
  return contacts.some((c) => c.email.trim().toLowerCase() === wanted);
}

/** The level a logged incident starts at: L1 for a fault, the catalogue's level for a request. */
export function intakeLevel(type: IncidentType, catalogueLevel: Level | null): Level {
  return type === 'request' && catalogueLevel !== null ? catalogueLevel : 1;
}

/** The priority of a logged incident when the reporter gives none: P3 for a fault, P4 for a request. */
export function defaultIntakePriority(type: IncidentType): Priority {
  return type === 'request' ? 'P4' : 'P3';
}

/**
 * The open incident a newly reported fault joins instead of opening a duplicate: the newest open fault
 * on the same server. None for a request, or when L1 asks for a new incident explicitly.
 */
export function linkTarget<T extends Pick<Incident, 'id' | 'type' | 'serverId' | 'status' | 'createdAt'>>(
  report: { type: IncidentType; serverId: string; newIncident?: boolean },
  open: readonly T[],
): T | null {
  if (report.type !== 'fault' || report.newIncident) return null;
  let newest: T | null = null;
  for (const i of open) {
    if (i.type !== 'fault' || i.serverId !== report.serverId || i.status === 'resolved') continue;
    if (newest === null || i.createdAt > newest.createdAt || (i.createdAt === newest.createdAt && i.id > newest.id)) newest = i;
  }
  return newest;
}

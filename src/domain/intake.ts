// How L1 logs a fault or an admin request (DESIGN §1, seed "First Level Support"): the reporter's
// authority is checked against the customer's authorised contacts; a fault on a server that already has
// an open fault joins it ("a transient issue already being addressed") instead of opening a duplicate;
// a fault starts at L1, a request at the level its catalogue entry names.
import type { FieldProblem } from './errors.js';
import type { Incident, IncidentType, Level, Priority } from './types.js';

/** What L1 says about a report: the fields the rules read. */
export interface IntakeReport {
  type: IncidentType;
  customerId: string;
  serverId: string;
  symptoms?: readonly string[];
  requestType?: string;
  component?: string;
}

/** What the daemon knows that a report is checked against. */
export interface IntakeFacts {
  /** The customer named, if configured. */
  customer: { id: string } | undefined;
  /** The request types of the catalogue. */
  requestTypes: readonly string[];
  /** The server as a console reported it, if any console did. */
  server: { customerId: string; components: Readonly<Record<string, unknown>> } | undefined;
  /** True when the customer's configuration lists the server (a server no console has reported yet). */
  configuredServer: boolean;
}

/**
 * Every problem of a report at once (400, each naming its field): an unknown customer, a fault without
 * symptoms, a request type the catalogue lacks, a server nobody knows or that belongs to another
 * customer (its console id, not its display name), a component the server does not have.
 */
export function intakeProblems(report: IntakeReport, facts: IntakeFacts): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!facts.customer) problems.push({ field: 'customerId', message: `unknown customer "${report.customerId}"` });
  if (report.type === 'fault' && (report.symptoms ?? []).length === 0) problems.push({ field: 'symptoms', message: 'a fault needs at least one symptom' });
  if (report.type === 'request' && !facts.requestTypes.includes(report.requestType ?? '')) {
    problems.push({ field: 'requestType', message: `unknown request type; known: ${facts.requestTypes.join(', ') || 'none configured'}` });
  }
  if (!facts.server && !facts.configuredServer) {
    problems.push({ field: 'serverId', message: `unknown server "${report.serverId}": give the server's id as the Monitoring Console lists it (GET /api/v1/servers?customerId=${report.customerId})` });
  } else if (facts.server && facts.customer && facts.server.customerId !== facts.customer.id) {
    problems.push({ field: 'serverId', message: `server ${report.serverId} belongs to another customer` });
  }
  if (report.component !== undefined && facts.server && !Object.hasOwn(facts.server.components, report.component)) {
    problems.push({ field: 'component', message: `server ${report.serverId} has no component "${report.component}"` });
  }
  return problems;
}

/** The title of a logged incident when L1 gives none: the request and customer, or the first symptom. */
export function intakeTitle(report: { type: IncidentType; title?: string; requestType?: string; symptoms?: readonly string[] }, customerName: string): string {
  if (report.title !== undefined) return report.title;
  return report.type === 'request' ? `${report.requestType} for ${customerName}` : report.symptoms?.[0] ?? 'reported fault';
}

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

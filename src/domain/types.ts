// Shared vocabulary of the daemon. Everything here is plain data: no I/O, no classes with behaviour.
// Records (servers, incidents) are deep read-only values: a change is a new record, never an edit in place.

export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends ReadonlyArray<infer U>
    ? ReadonlyArray<DeepReadonly<U>>
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

export type ComponentKind = 'software' | 'hardware';
export type ComponentStatus = 'ok' | 'degraded' | 'failed' | 'unknown';
export const COMPONENT_KINDS: readonly ComponentKind[] = ['software', 'hardware'];
export const COMPONENT_STATUSES: readonly ComponentStatus[] = ['ok', 'degraded', 'failed', 'unknown'];

/** One component as a Monitoring Console reports it (DESIGN §3). */
export interface ReportedComponent {
  name: string;
  kind: ComponentKind;
  status: ComponentStatus;
  message?: string;
  since?: string;
}

/** A StatusReport (DESIGN §3). A webhook report may be partial; a polled one is the whole server. */
export interface StatusReport {
  serverId: string;
  observedAt: string;
  reachable: boolean;
  components: ReportedComponent[];
  /** Optional extras a console may send; kept when known. */
  name?: string;
  customerId?: string;
}

/** What the daemon believes about one component, with the instant it entered this status. */
export type ComponentState = DeepReadonly<ComponentStateFields>;

export interface ComponentStateFields {
  name: string;
  kind: ComponentKind;
  status: ComponentStatus;
  message?: string;
  since: string;
  observedAt: string;
}

export type ServerState = DeepReadonly<ServerStateFields>;

export interface ServerStateFields {
  id: string;
  name: string;
  customerId: string;
  consoleId?: string;
  reachable: boolean;
  reachableSince: string;
  observedAt: string;
  components: Record<string, ComponentState>;
}

export type Priority = 'P1' | 'P2' | 'P3' | 'P4';
export const PRIORITIES: readonly Priority[] = ['P1', 'P2', 'P3', 'P4'];
export type Level = 1 | 2 | 3 | 4;
export const LEVELS: readonly Level[] = [1, 2, 3, 4];
export type IncidentType = 'fault' | 'request';
export type IncidentStatus = 'open' | 'acknowledged' | 'in-progress' | 'awaiting-customer' | 'resolved';
export const INCIDENT_STATUSES: readonly IncidentStatus[] = ['open', 'acknowledged', 'in-progress', 'awaiting-customer', 'resolved'];
export type IncidentSource = 'console' | 'alertmanager' | 'poll' | 'manual';
export type RootCause =
  | 'server' | 'client-device' | 'client-application' | 'lan'
  | 'internet-connection' | 'internet-service' | 'configuration' | 'other';
export const ROOT_CAUSES: readonly RootCause[] = [
  'server', 'client-device', 'client-application', 'lan', 'internet-connection', 'internet-service', 'configuration', 'other',
];

export type Role = 'viewer' | 'l1' | 'l2' | 'l3' | 'admin' | 'ingest';
export const ROLES: readonly Role[] = ['viewer', 'l1', 'l2', 'l3', 'admin', 'ingest'];

/** Who did something: an authenticated token holder, the daemon itself, or the vendor's ticketing system. */
export interface Actor {
  kind: 'user' | 'system' | 'vendor';
  name: string;
  role?: Role;
}

export type TimelineEntry = DeepReadonly<TimelineEntryFields>;

export interface TimelineEntryFields {
  at: string;
  actor: Actor;
  action: string;
  note?: string;
  data?: Record<string, unknown>;
}

export type ClockName = 'response' | 'progress' | 'resolution';
export const CLOCK_NAMES: readonly ClockName[] = ['response', 'progress', 'resolution'];
export type ClockState = 'running' | 'paused' | 'at-risk' | 'breached' | 'met' | 'stopped';

export type SlaClock = DeepReadonly<SlaClockFields>;

export interface SlaClockFields {
  /** Instant the clock comes due; null while paused or stopped. */
  dueAt: string | null;
  state: ClockState;
  warnedAt: string | null;
  breachedAt: string | null;
  /** Instant the current run started (for pauses and progress resets). */
  startedAt: string;
  /** Working milliseconds still owed when paused; lets a pause resume with the same budget. */
  remainingMs?: number | null;
  /** Instant the clock's obligation was satisfied: state `met` when on time; a late one stays `breached`. */
  metAt?: string | null;
  /** Instant the warning comes due (warnAt × the working budget, on the calendar); null when not running. */
  warnAt?: string | null;
  /** Working milliseconds the current run was given; lets a pause or a priority change keep the warning fraction. */
  budgetMs?: number | null;
}

export type IncidentSla = DeepReadonly<IncidentSlaFields>;

export interface IncidentSlaFields {
  response: SlaClock;
  progress: SlaClock;
  resolution: SlaClock;
}

export type ManagementStepRecord = DeepReadonly<ManagementStepRecordFields>;

export interface ManagementStepRecordFields {
  step: number;
  at: string;
  reason: 'sla-breach' | 'complaint' | 'no-progress' | 'unacknowledged';
  acknowledgedAt: string | null;
  acknowledgedBy?: string;
  attempts: number;
}

export type IncidentManagement = DeepReadonly<IncidentManagementFields>;

export interface IncidentManagementFields {
  step: number; // 1 = support team (the default), 2..4 management
  history: ManagementStepRecord[];
}

export type TicketRef = DeepReadonly<TicketRefFields>;

export interface TicketRefFields {
  adapter: string;
  id: string | null;
  url: string | null;
  /** The reference a person reads, when it is not `id` (ServiceNow's INC0010001); the vendor may name the ticket by it. */
  number?: string;
  /** `missing`: the ticketing system no longer knows the ticket (a call on it answered 404). */
  state: 'pending' | 'created' | 'failed' | 'resolved' | 'missing';
  /** Why the creation failed, or why the ticket is missing. */
  error?: string;
}

export type Reporter = DeepReadonly<ReporterFields>;

export interface ReporterFields {
  name: string;
  email: string;
}

export type Incident = DeepReadonly<IncidentFields>;

export interface IncidentFields {
  id: string;
  type: IncidentType;
  title: string;
  serverId: string;
  customerId: string;
  component: string | null;
  componentKind: ComponentKind | null;
  source: IncidentSource;
  priority: Priority;
  level: Level;
  status: IncidentStatus;
  createdAt: string;
  updatedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  detectedAt: string | null;
  reporter: Reporter | null;
  symptoms: string[];
  requestType: string | null;
  diagnostics: Diagnostics | null;
  ticket: TicketRef | null;
  sla: IncidentSla | null;
  management: IncidentManagement;
  rootCause: RootCause | null;
  recoveredAt: string | null;
  lastProgressAt: string | null;
  timeline: TimelineEntry[];
}

export type Diagnostics = DeepReadonly<DiagnosticsFields>;

export interface DiagnosticsFields {
  fetchedAt: string;
  truncated: boolean;
  data: unknown;
  error?: string;
}

export type EventType =
  | 'component.changed' | 'incident.created' | 'incident.escalated' | 'incident.updated'
  | 'incident.resolved' | 'ticket.created' | 'ticket.failed' | 'sla.warning' | 'sla.breached'
  | 'management.escalated' | 'console.down' | 'console.up';
export const EVENT_TYPES: readonly EventType[] = [
  'component.changed', 'incident.created', 'incident.escalated', 'incident.updated', 'incident.resolved',
  'ticket.created', 'ticket.failed', 'sla.warning', 'sla.breached', 'management.escalated', 'console.down', 'console.up',
];

/** A domain event before it is sequenced. `scope` carries the filterable facts for live subscriptions. */
export interface DomainEvent {
  type: EventType;
  data: Record<string, unknown>;
  /** `fromLevel`: the level an incident left (an escalation), so subscribers of that level hear it go. */
  scope?: { level?: Level; fromLevel?: Level; customerId?: string; serverId?: string };
}

/** A domain event once it is in the event log. */
export interface LoggedEvent extends DomainEvent {
  seq: number;
  at: string;
}

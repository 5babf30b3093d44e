// One source for every enumeration of the contract. The arrays of domain/types.ts are re-exported here
// with the ones it does not declare, so config/, metrics, the live snapshot and the dashboard read the
// values from one place instead of restating them.
import type { IncidentSource, IncidentType, Level, TicketRef } from './types.js';

export {
  CLOCK_NAMES, COMPONENT_KINDS, COMPONENT_STATUSES, EVENT_TYPES, INCIDENT_STATUSES, LEVELS, PRIORITIES, ROLES, ROOT_CAUSES,
} from './types.js';

export const INCIDENT_TYPES: readonly IncidentType[] = ['fault', 'request'];
export const INCIDENT_SOURCES: readonly IncidentSource[] = ['console', 'alertmanager', 'poll', 'manual'];

/** The sources through which monitoring (not a person) detects a fault. */
export type MonitoringSource = Exclude<IncidentSource, 'manual'>;
export const MONITORING_SOURCES: readonly MonitoringSource[] = ['console', 'alertmanager', 'poll'];

export type TicketState = TicketRef['state'];
export const TICKET_STATES: readonly TicketState[] = ['pending', 'created', 'failed', 'resolved', 'missing'];

/** The levels a request catalogue entry may name: L1, L2 or L3-only (DESIGN §1). */
export type RequestLevel = Extract<Level, 1 | 2 | 3>;
export const REQUEST_LEVELS: readonly RequestLevel[] = [1, 2, 3];

/** The levels held by the vendor's Support Team: an incident here has a ticket in the vendor's system. */
export const VENDOR_LEVELS: readonly Level[] = [3, 4];

/** Weekday keys of a calendar's working hours, Sunday first (the index is JavaScript's getUTCDay()). */
export type Weekday = 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';
export const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

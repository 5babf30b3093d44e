// The write operations of a unit of work, as data: applied to the in-memory tables, undone on a throw or
// a failed write, and appended as one journal line per commit by the file engine. Replaying an op that
// is already applied is harmless, so a journal can be replayed over a snapshot that already holds it.
import type { LoggedEvent } from '../../domain/types.js';
import type { AuditEntry, DeadLetter, MaintenanceWindow, OutboxItem, Server, StoredIncident } from '../port.js';

export type Op =
  | ['server.put', Server]
  | ['server.del', string]
  | ['incident.put', StoredIncident]
  | ['incident.del', string]
  | ['outbox.put', OutboxItem & { seq: number }]
  | ['outbox.del', string]
  | ['dead.add', DeadLetter]
  | ['event', LoggedEvent]
  /** Drops events with seq ≤ the given one. */
  | ['events.trim', number]
  | ['dedup.put', string, string]
  | ['dedup.del', string]
  | ['mw.put', MaintenanceWindow]
  | ['mw.del', string]
  | ['meta.put', string, unknown]
  | ['audit', AuditEntry]
  /** Drops audit entries with id ≤ the given one. */
  | ['audit.trim', number]
  | ['counter', 'incident' | 'outbox', number];

/** Engine-private access to a unit of work's raw op writer (housekeeping only). */
export const RAW = Symbol('raw-op');

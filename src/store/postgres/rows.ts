// Records to query parameters and rows back to records. A record is kept whole in a jsonb column and
// read back from it, so it returns as it was written; the indexed columns beside it are copies of the
// fields the queries filter and order on.
import type { LoggedEvent } from '../../domain/types.js';
import type { AuditEntry, DeadLetter, MaintenanceWindow, OutboxItem, StoredIncident } from '../port.js';
import { deepFreeze } from '../memory/tables.js';

/**
 * PostgreSQL text and jsonb cannot hold U+0000; outside input can. It becomes U+FFFD (the replacement
 * character) instead of failing the whole commit, on every engine-written string.
 */
export function text(value: string): string;
export function text(value: string | null | undefined): string | null;
export function text(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

/** A value as a jsonb parameter (pg would turn a bare array into a PostgreSQL array literal). */
export function json(value: unknown): string {
  const s = JSON.stringify(value ?? null);
  // JSON.stringify writes U+0000 as the escape \u0000; an escaped backslash before it is not one.
  return s.includes('\\u0000') ? s.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd') : s;
}

export interface Freezer {
  <T>(value: T): T;
}

export const freezer = (freeze: boolean): Freezer => (freeze ? deepFreeze : <T>(v: T) => v);

// ---- incidents -------------------------------------------------------------------------------------

export const INCIDENT_COLUMNS = 'id, status, level, priority, type, source, server_id, customer_id, component, ticket_id, created_at, resolved_at, data';

export function incidentParams(i: StoredIncident): unknown[] {
  const resolved = i.status === 'resolved';
  return [
    text(i.id), i.status, i.level, i.priority, i.type, i.source, text(i.serverId), text(i.customerId ?? ''), text(i.component),
    text(i.ticket?.id ?? null), text(i.createdAt ?? ''), resolved ? text(i.resolvedAt ?? i.updatedAt ?? '') : null, json(i),
  ];
}


// ---- outbox ----------------------------------------------------------------------------------------

export interface OutboxRowData {
  id: string;
  lane: string;
  kind: string;
  incident_id: string;
  next_attempt_at: string;
  attempts: number;
  data: OutboxItem;
}

/** The record without the engine's own ordering column. */
export function outboxItem(row: { data: OutboxItem }): OutboxItem {
  return row.data;
}

export function deadLetter(row: { data: DeadLetter }): DeadLetter {
  return row.data;
}

// ---- events ----------------------------------------------------------------------------------------

export interface EventRow {
  seq: string | number;
  type: LoggedEvent['type'];
  data: Record<string, unknown>;
  scope: LoggedEvent['scope'] | null;
  at: string;
}

export function loggedEvent(row: EventRow): LoggedEvent {
  const e: LoggedEvent = { type: row.type, data: row.data, seq: Number(row.seq), at: row.at };
  if (row.scope !== null && row.scope !== undefined) e.scope = row.scope;
  return e;
}

// ---- audit -----------------------------------------------------------------------------------------

export interface AuditRow {
  id: string | number;
  at: string;
  incident_id: string | null;
  actor: AuditEntry['actor'];
  action: string;
  note: string | null;
  data: AuditEntry['data'] | null;
}

export function auditEntry(row: AuditRow): AuditEntry {
  const e: { -readonly [K in keyof AuditEntry]: AuditEntry[K] } = { id: Number(row.id), at: row.at, actor: row.actor, action: row.action };
  if (row.incident_id !== null) e.incidentId = row.incident_id;
  if (row.note !== null) e.note = row.note;
  if (row.data !== null) e.data = row.data;
  return e;
}

export type { MaintenanceWindow };

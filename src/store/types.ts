// The persisted shape of the daemon's state and the port every store implements.
import type { Incident, LoggedEvent, ServerState } from '../domain/types.js';

export const SCHEMA_VERSION = 1;

/** Work that must reach the outside world, written in the same commit as the change that caused it. */
export interface OutboxItem {
  id: string;
  kind: 'ticket.create' | 'ticket.comment' | 'ticket.resolve' | 'notify' | 'diagnostics.fetch';
  incidentId: string;
  /** ticket.comment: {body, kind}; ticket.resolve: {note, rootCause}; notify: {channelId, message, step?}; diagnostics.fetch: {reason}. */
  payload: Record<string, unknown>;
  attempts: number;
  nextAttemptAt: string;
  createdAt: string;
  lastError?: string;
}

export interface DeadLetter extends OutboxItem {
  failedAt: string;
  reason: string;
  status?: number;
}

export interface MaintenanceWindow {
  id: string;
  serverId: string | null;
  customerId: string | null;
  component: string | null;
  startsAt: string;
  endsAt: string;
  reason: string;
  createdBy: string;
  createdAt: string;
  /** Failures seen during the window: recorded, not escalated. */
  suppressed?: Array<{ at: string; what: string }>;
}

export interface StoreData {
  schemaVersion: number;
  servers: Record<string, ServerState>;
  incidents: Record<string, Incident>;
  /** Open incident per `serverId/component` (component `_reachability` for connectivity). */
  openIndex: Record<string, string>;
  outbox: OutboxItem[];
  deadLetters: DeadLetter[];
  /** Ticket id → incident id, for vendor callbacks. */
  ticketIndex: Record<string, string>;
  events: LoggedEvent[];
  lastSeq: number;
  /** Idempotency keys already applied (webhook-id, alert dedup keys) → first seen. */
  dedup: Record<string, string>;
  maintenance: MaintenanceWindow[];
  /** Counters for stable ids. */
  counters: { incident: number; outbox: number };
  /** Anything the daemon must remember across restarts that fits nowhere else (e.g. console health). */
  meta: Record<string, unknown>;
}

export function emptyStoreData(): StoreData {
  return {
    schemaVersion: SCHEMA_VERSION,
    servers: {},
    incidents: {},
    openIndex: {},
    outbox: [],
    deadLetters: [],
    ticketIndex: {},
    events: [],
    lastSeq: 0,
    dedup: {},
    maintenance: [],
    counters: { incident: 0, outbox: 0 },
    meta: {},
  };
}

/**
 * The storage port. Mutations run synchronously against the in-memory state inside `commit`, so a
 * change and everything it implies (incident, outbox item, event) land in one write. The returned
 * promise resolves only once that state is durable; concurrent commits share one write (group commit).
 */
export interface Store {
  open(): Promise<void>;
  close(): Promise<void>;
  readonly data: Readonly<StoreData>;
  commit<T>(mutate: (data: StoreData) => T): Promise<T>;
  /** Resolves when everything committed so far is durable. */
  flush(): Promise<void>;
  /** False after a failed write until a later write succeeds. */
  readonly healthy: boolean;
}

// The storage port (DESIGN §11–12): named operations over servers, incidents, the outbox, the event log,
// dedup keys, maintenance windows, the audit trail and meta, and one unit of work per commit. Every
// engine (memory, file, postgres) implements it and passes one conformance suite
// (test/helpers/store-conformance.ts).
//
// Contract of a unit of work (`Store.transaction`):
// - all its writes land together or not at all; a function that throws leaves nothing behind, in memory
//   or on disk, and the promise rejects with what it threw;
// - the promise resolves only once the commit is durable (file: fsync'd journal line; postgres: COMMIT);
// - reads inside it see its own writes; writes are buffered calls (no await), reads are async;
// - events appended inside it get their sequence numbers at commit, in commit order, and reach the
//   `onEvents` listeners of every instance after the commit is durable;
// - no I/O other than the store's happens inside it (a unit of work may be retried by the engine).
// Records handed out are deep read-only values: a change is a new record written with `put`.
import type { MaintenanceScope } from '../domain/maintenance-window.js';
import type {
  DeepReadonly, DomainEvent, Incident, IncidentStatus, IncidentType, Level, LoggedEvent, Priority, ServerState,
} from '../domain/types.js';


export type StoreEngine = 'memory' | 'file' | 'postgres';

/** Work that must reach the outside world, written in the same commit as the change that caused it. */
export interface OutboxItem {
  readonly id: string;
  readonly kind: 'ticket.create' | 'ticket.comment' | 'ticket.resolve' | 'notify' | 'diagnostics.fetch';
  readonly incidentId: string;
  /** Items of one lane are sent one at a time, in the order they were added. */
  readonly lane: string;
  /** ticket.comment: {body, kind}; ticket.resolve: {note, rootCause}; notify: {channelId, message, ...}; diagnostics.fetch: {reason}. */
  readonly payload: DeepReadonly<Record<string, unknown>>;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly createdAt: string;
  readonly lastError?: string;
}

export type NewOutboxItem = Pick<OutboxItem, 'kind' | 'incidentId' | 'payload'> & { nextAttemptAt: string };

export interface DeadLetter extends OutboxItem {
  readonly failedAt: string;
  readonly reason: string;
  readonly status?: number;
}

/** A stored window: the scope and times the domain rule reads (domain/maintenance-window.ts), and who made it. */
export interface MaintenanceWindow extends MaintenanceScope {
  readonly id: string;
  readonly reason: string;
  readonly createdBy: string;
  readonly createdAt: string;
  /** Failures seen during the window: recorded, not escalated (last 100). */
  readonly suppressed?: ReadonlyArray<{ readonly at: string; readonly what: string }>;
}

/** One change, as the audit export lists it: of one incident, or a staff change of no incident (a maintenance window). */
export interface AuditEntry {
  /** Engine-assigned, increasing in commit order; the export's cursor. */
  readonly id: number;
  readonly at: string;
  /** The incident changed; absent for a change that concerns none. */
  readonly incidentId?: string;
  readonly actor: { readonly kind: string; readonly name: string; readonly role?: string };
  readonly action: string;
  readonly note?: string;
  readonly data?: DeepReadonly<Record<string, unknown>>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export type Server = DeepReadonly<ServerState>;
export type StoredIncident = DeepReadonly<Incident>;

export interface IncidentQuery {
  status?: 'open' | 'resolved' | 'all';
  level?: Level;
  /** Only incidents at one of these levels (e.g. the vendor sees levels 3–4). */
  levels?: readonly Level[];
  priority?: Priority;
  serverId?: string;
  customerId?: string;
  type?: IncidentType;
  statusIn?: readonly IncidentStatus[];
  /** Newest first; only ids strictly before this one (the list cursor). */
  beforeId?: string;
  limit: number;
}

export interface ServerQuery {
  customerId?: string;
  /** Ordered by id; only ids strictly after this one. */
  afterId?: string;
  limit: number;
}

export interface ServerReads {
  get(id: string): Promise<Server | undefined>;
  getMany(ids: readonly string[]): Promise<Map<string, Server>>;
  /**
   * The servers as last committed, without taking their locks inside a unit (where `get` and `getMany`
   * take them on postgres): enough to find that a report changes nothing. A unit that writes a server
   * reads it with `get` or `getMany` first.
   */
  peekMany(ids: readonly string[]): Promise<Map<string, Server>>;
  list(q: ServerQuery): Promise<Server[]>;
  /** Every server: the inventory is bounded (consoles' lists, `ingest.maxServers`). */
  all(): Promise<Server[]>;
  count(): Promise<number>;
}

export interface IncidentReads {
  get(id: string): Promise<StoredIncident | undefined>;
  /** The open monitoring incident of a server's component (`null`: the server's reachability). */
  openFor(serverId: string, component: string | null): Promise<StoredIncident | undefined>;
  /** Every unresolved incident on one server, oldest first. */
  openOn(serverId: string): Promise<StoredIncident[]>;
  /** `openOn` of several servers in one read (inside a unit, locked as `openOn` locks). Servers without any are absent. */
  openOnMany(serverIds: readonly string[]): Promise<Map<string, StoredIncident[]>>;
  /** The incident whose ticket has this id or this number (`ticket.number`, the reference a person reads). */
  byTicket(ticketId: string): Promise<StoredIncident | undefined>;
  list(q: IncidentQuery): Promise<StoredIncident[]>;
  /** Every unresolved incident, oldest first (bounded by what is open). */
  open(): Promise<StoredIncident[]>;
  /** Resolved incidents whose resolvedAt is before `cutoff`, oldest resolution first. */
  resolvedBefore(cutoff: string, limit: number): Promise<StoredIncident[]>;
  count(): Promise<number>;
}

export interface OutboxReads {
  get(id: string): Promise<OutboxItem | undefined>;
  /** The first item of every lane whose head is due at `nowIso`, earliest due first, skipping `busyLanes`. */
  due(nowIso: string, limit: number, busyLanes?: ReadonlySet<string>): Promise<OutboxItem[]>;
  /** The earliest nextAttemptAt among lane heads not in `busyLanes`, or null when nothing is waiting. */
  nextDueAt(busyLanes?: ReadonlySet<string>): Promise<string | null>;
  /** Items waiting for one incident, in order. */
  forIncident(incidentId: string): Promise<OutboxItem[]>;
  pending(): Promise<number>;
  deadLetters(limit: number): Promise<DeadLetter[]>;
}

export interface EventReads {
  latestSeq(): Promise<number>;
  /** Events with seq > fromSeq in order (at most `limit`); null when the log no longer holds all of them. */
  since(fromSeq: number, limit: number): Promise<LoggedEvent[] | null>;
}

export interface AuditQuery {
  since: string;
  until: string;
  /** Only entries with id > afterId (paging while streaming). */
  afterId?: number;
  limit: number;
}

export interface StoreReader {
  readonly servers: ServerReads;
  readonly incidents: IncidentReads;
  readonly outbox: OutboxReads;
  readonly events: EventReads;
  readonly dedup: { has(key: string): Promise<boolean>; count(): Promise<number> };
  readonly maintenance: { list(): Promise<MaintenanceWindow[]>; get(id: string): Promise<MaintenanceWindow | undefined> };
  readonly meta: { get<T>(key: string): Promise<DeepReadonly<T> | undefined> };
  readonly audit: { range(q: AuditQuery): Promise<AuditEntry[]> };
}

export interface UnitOfWork extends StoreReader {
  readonly servers: ServerReads & {
    put(server: Server): void;
    delete(id: string): void;
  };
  readonly incidents: IncidentReads & {
    /** `INC-000042`: unique across instances. */
    nextId(): Promise<string>;
    /** Saves the record; the open index and the ticket index follow its status and ticket. */
    put(incident: StoredIncident): void;
    delete(id: string): void;
  };
  readonly outbox: OutboxReads & {
    add(item: NewOutboxItem): OutboxItem;
    /** Replaces one item (one attempt writes one item). */
    update(item: OutboxItem): void;
    remove(id: string): void;
    /** Moves an item to the dead letters (the newest 1,000 are kept). */
    deadLetter(item: DeadLetter): void;
  };
  readonly events: EventReads & {
    /** Sequenced at commit. */
    append(event: DomainEvent): void;
  };
  readonly dedup: StoreReader['dedup'] & {
    /** Records `key` until `expiresAt`; false when it is already there (someone applied it first). */
    claim(key: string, expiresAt: string): Promise<boolean>;
    /**
     * `claim` for many keys at once (one statement on postgres): the keys this unit recorded, each
     * once however often it is listed. Ingest claims the keys of a whole batch of deliveries with it.
     */
    claimMany(keys: readonly string[], expiresAt: string): Promise<Set<string>>;
  };
  readonly maintenance: StoreReader['maintenance'] & {
    put(window: MaintenanceWindow): void;
    delete(id: string): void;
  };
  readonly meta: StoreReader['meta'] & { put(key: string, value: unknown): void };
  readonly audit: StoreReader['audit'] & { append(entry: NewAuditEntry): void };
}

export interface HousekeepingResult {
  dedupExpired: number;
  eventsTrimmed: number;
  auditExpired: number;
}

export interface TransactionOptions {
  /**
   * Default true: the promise resolves once this instance's listeners have heard the unit's events. A
   * caller that answers nothing from them (ingest: its 202 says the reports are durable) may resolve at
   * COMMIT instead; the events follow as always, in order. On the embedded engines both are one moment.
   */
  awaitListeners?: boolean;
}

export interface Store {
  readonly engine: StoreEngine;
  open(): Promise<void>;
  /** Flushes and releases; safe to call twice. */
  close(): Promise<void>;
  /** False after a failed write until a later write succeeds. */
  readonly healthy: boolean;
  /** Reads of the latest committed state, outside any unit of work. */
  readonly read: StoreReader;
  /** Runs `work` as one unit of work; see the contract at the top of this file. */
  transaction<T>(work: (uow: UnitOfWork) => Promise<T> | T, options?: TransactionOptions): Promise<T>;
  /** Listeners hear every committed event (from every instance) in seq order, after it is durable. */
  onEvents(listener: (events: LoggedEvent[]) => void): void;
  /**
   * Listeners hear, on this instance, that a unit which added outbox items is durable — as soon as it
   * is, before its events are numbered (on postgres a numbering pass later): the dispatcher starts a new
   * ticket at once instead of after that pass.
   */
  onOutboxAdded(listener: () => void): void;
  /**
   * Expiry by index, never by a scan of what is still live: dedup keys whose expiry is before `now`,
   * events beyond the newest `keepEvents`, audit entries before `auditBefore` — at most `limit` each.
   */
  housekeeping(now: Date, opts: { keepEvents: number; auditBefore: string; limit: number }): Promise<HousekeepingResult>;
}

export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';
}

/** The open-index key of a server's component; a tuple, so no two (server, component) pairs share one. */
export function openKey(serverId: string, component: string | null): string {
  return JSON.stringify([serverId, component]);
}

/**
 * The dispatch lane of an outbox item. Ticket calls of an incident go in order in one lane; diagnostics
 * fetches and notifications have lanes of their own, so a failing console or mail server never holds
 * back the incident's ticket.
 */
export function laneOf(kind: OutboxItem['kind'], incidentId: string): string {
  if (kind === 'diagnostics.fetch') return `${incidentId}#diagnostics`;
  if (kind === 'notify') return `${incidentId}#notify`;
  return incidentId;
}

export type { DeepReadonly };

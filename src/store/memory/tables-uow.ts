// Reads and the unit of work over the in-memory tables. A unit of work applies each write at once (so
// its own reads see it) and keeps the function that undoes it; `commit` sequences its events and audit
// entries and hands back the ops to make durable, `rollback` undoes everything it did.
import type { DomainEvent, LoggedEvent } from '../../domain/types.js';
import {
  laneOf, type AuditEntry, type DeadLetter, type MaintenanceWindow, type NewAuditEntry, type NewOutboxItem, type OutboxItem,
  type Server, type StoreReader, type StoredIncident, type UnitOfWork,
} from '../port.js';
import { RAW, type Op } from './ops.js';
import type { OutboxRow, Tables } from './tables.js';

export function tablesReader(source: Tables | (() => Tables)): StoreReader {
  const current = typeof source === 'function' ? source : () => source;
  // Given a getter, each operation looks the tables up when called (an engine may load new ones).
  const t = typeof source !== 'function' ? source : new Proxy({} as Tables, {
    get: (_target, prop) => {
      const tables = current();
      const value = Reflect.get(tables, prop, tables) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(tables) : value;
    },
  });
  return {
    servers: {
      get: async (id) => t.servers.get(id),
      getMany: async (ids) => serversOf(t, ids),
      // One unit at a time: nothing here takes locks.
      peekMany: async (ids) => serversOf(t, ids),
      list: async (q) => t.listServers(q),
      all: async () => [...t.servers.values()],
      count: async () => t.servers.size,
    },
    incidents: {
      get: async (id) => t.incidents.get(id),
      openFor: async (serverId, component) => t.openFor(serverId, component),
      openOn: async (serverId) => t.openOn(serverId),
      openOnMany: async (serverIds) => {
        const out = new Map<string, StoredIncident[]>();
        for (const id of serverIds) {
          const open = t.openOn(id);
          if (open.length > 0) out.set(id, open);
        }
        return out;
      },
      byTicket: async (ticketId) => {
        const id = t.ticketIndex.get(ticketId);
        return id === undefined ? undefined : t.incidents.get(id);
      },
      list: async (q) => t.listIncidents(q),
      open: async () => t.openIncidents(),
      resolvedBefore: async (cutoff, limit) => t.resolvedBefore(cutoff, limit),
      count: async () => t.incidents.size,
    },
    outbox: {
      get: async (id) => t.outbox.get(id),
      due: async (nowIso, limit, busy) => t.dueOutbox(nowIso, limit, busy),
      nextDueAt: async (busy) => t.nextDueAt(busy),
      forIncident: async (incidentId) => t.outboxFor(incidentId),
      pending: async () => t.outbox.size,
      deadLetters: async (limit) => t.deadLetters.slice(-limit),
    },
    events: {
      latestSeq: async () => t.lastSeq,
      since: async (fromSeq, limit) => t.eventsSince(fromSeq, limit),
    },
    dedup: {
      has: async (key) => t.dedup.has(key),
      count: async () => t.dedup.size,
    },
    maintenance: {
      list: async () => [...t.maintenance.values()],
      get: async (id) => t.maintenance.get(id),
    },
    meta: {
      get: async <T>(key: string) => t.meta.get(key) as never as T,
    },
    audit: {
      range: async (q) => t.auditRange(q),
    },
  } as StoreReader;
}

/** The reads over a set of tables hold no state of their own: one reader per tables, shared by every unit. */
const readers = new WeakMap<Tables, StoreReader>();
function readerOf(t: Tables): StoreReader {
  let r = readers.get(t);
  if (!r) readers.set(t, (r = tablesReader(t)));
  return r;
}

export interface Committed {
  ops: Op[];
  undos: Array<() => void>;
  events: LoggedEvent[];
  /** Whether the unit added an outbox item (its store tells the dispatcher once it is durable). */
  addedOutbox: boolean;
}

/** The unit a namespace object of a unit of work writes to. */
const UNIT = Symbol('unit');
interface Bound {
  readonly [UNIT]: TablesUnitOfWork;
}

/**
 * The write half of the unit-of-work namespaces, built once per tables: each unit gets objects whose
 * prototype is one of these (reads come from the shared reader below them), so starting a unit costs
 * nine small objects rather than ~40 closures — ingest runs one unit per report.
 */
interface Namespaces {
  servers: object;
  incidents: object;
  outbox: object;
  events: object;
  dedup: object;
  maintenance: object;
  meta: object;
  audit: object;
}
const namespaces = new WeakMap<Tables, Namespaces>();
function namespacesOf(t: Tables): Namespaces {
  let n = namespaces.get(t);
  if (n) return n;
  const r = readerOf(t);
  const ns = <T extends object>(reads: object, writes: T): T => Object.assign(Object.create(reads) as object, writes) as T;
  n = {
    servers: ns(r.servers, {
      put(this: Bound, s: Server) { this[UNIT].write(['server.put', s]); },
      delete(this: Bound, id: string) { this[UNIT].write(['server.del', id]); },
    }),
    incidents: ns(r.incidents, {
      async nextId(this: Bound) {
        const n = t.counters.incident + 1;
        this[UNIT].write(['counter', 'incident', n]);
        return `INC-${String(n).padStart(6, '0')}`;
      },
      put(this: Bound, i: StoredIncident) { this[UNIT].write(['incident.put', i]); },
      delete(this: Bound, id: string) { this[UNIT].write(['incident.del', id]); },
    }),
    outbox: ns(r.outbox, {
      add(this: Bound, item: NewOutboxItem): OutboxItem {
        const seq = t.counters.outbox + 1;
        const row: OutboxRow = {
          id: `ob-${seq}`, seq, kind: item.kind, incidentId: item.incidentId, lane: laneOf(item.kind, item.incidentId),
          payload: item.payload, attempts: 0, nextAttemptAt: item.nextAttemptAt, createdAt: this[UNIT].now().toISOString(),
        };
        this[UNIT].write(['outbox.put', row]);
        this[UNIT].addedOutbox = true;
        return row;
      },
      update(this: Bound, item: OutboxItem) {
        const existing = t.outbox.get(item.id);
        if (!existing) return;
        this[UNIT].write(['outbox.put', { ...item, lane: existing.lane, seq: existing.seq }]);
      },
      remove(this: Bound, id: string) {
        if (t.outbox.has(id)) this[UNIT].write(['outbox.del', id]);
      },
      deadLetter(this: Bound, item: DeadLetter) {
        if (t.outbox.has(item.id)) this[UNIT].write(['outbox.del', item.id]);
        const { seq: _seq, ...rest } = item as DeadLetter & { seq?: number };
        this[UNIT].write(['dead.add', rest]);
      },
    }),
    events: ns(r.events, { append(this: Bound, e: DomainEvent) { this[UNIT].newEvents.push(e); } }),
    dedup: ns(r.dedup, {
      async claim(this: Bound, key: string, expiresAt: string) {
        if (t.dedup.has(key)) return false;
        this[UNIT].write(['dedup.put', key, expiresAt]);
        return true;
      },
      async claimMany(this: Bound, keys: readonly string[], expiresAt: string) {
        const claimed = new Set<string>();
        for (const key of keys) {
          if (t.dedup.has(key)) continue;
          this[UNIT].write(['dedup.put', key, expiresAt]);
          claimed.add(key);
        }
        return claimed;
      },
    }),
    maintenance: ns(r.maintenance, {
      put(this: Bound, w: MaintenanceWindow) { this[UNIT].write(['mw.put', w]); },
      delete(this: Bound, id: string) { this[UNIT].write(['mw.del', id]); },
    }),
    meta: ns(r.meta, { put(this: Bound, key: string, value: unknown) { this[UNIT].write(['meta.put', key, structuredClone(value)]); } }),
    audit: ns(r.audit, { append(this: Bound, e: NewAuditEntry) { this[UNIT].newAudit.push(e); } }),
  };
  namespaces.set(t, n);
  return n;
}

export class TablesUnitOfWork {
  private readonly ops: Op[] = [];
  private readonly undos: Array<() => void> = [];
  readonly newEvents: DomainEvent[] = [];
  readonly newAudit: NewAuditEntry[] = [];
  addedOutbox = false;
  readonly uow: UnitOfWork;

  constructor(private readonly t: Tables, readonly now: () => Date) {
    const n = namespacesOf(t);
    const bind = (proto: object): never => {
      const o = Object.create(proto) as { [UNIT]: TablesUnitOfWork };
      o[UNIT] = this;
      return o as never;
    };
    this.uow = {
      servers: bind(n.servers),
      incidents: bind(n.incidents),
      outbox: bind(n.outbox),
      events: bind(n.events),
      dedup: bind(n.dedup),
      maintenance: bind(n.maintenance),
      meta: bind(n.meta),
      audit: bind(n.audit),
      [RAW]: (op: Op) => this.write(op),
    } as UnitOfWork;
  }

  /** Sequences the events and audit entries (the caller holds the engine's lock: commit order). */
  commit(now: Date): Committed {
    const at = now.toISOString();
    const events: LoggedEvent[] = [];
    for (const e of this.newEvents) {
      const logged: LoggedEvent = { ...e, seq: this.t.lastSeq + 1, at };
      this.write(['event', logged]);
      events.push(logged);
    }
    for (const a of this.newAudit) this.write(['audit', { ...a, id: this.t.lastAuditId + 1 } as AuditEntry]);
    return { ops: this.ops, undos: this.undos, events, addedOutbox: this.addedOutbox };
  }

  rollback(): void {
    for (let i = this.undos.length - 1; i >= 0; i--) this.undos[i]();
  }

  write(op: Op): void {
    this.undos.push(this.t.apply(op));
    this.ops.push(op);
  }
}

function serversOf(t: Tables, ids: readonly string[]): Map<string, Server> {
  const out = new Map<string, Server>();
  for (const id of ids) {
    const s = t.servers.get(id);
    if (s) out.set(id, s);
  }
  return out;
}

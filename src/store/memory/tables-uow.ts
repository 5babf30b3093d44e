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
      getMany: async (ids) => {
        const out = new Map<string, Server>();
        for (const id of ids) {
          const s = t.servers.get(id);
          if (s) out.set(id, s);
        }
        return out;
      },
      list: async (q) => t.listServers(q),
      all: async () => [...t.servers.values()],
      count: async () => t.servers.size,
    },
    incidents: {
      get: async (id) => t.incidents.get(id),
      openFor: async (serverId, component) => t.openFor(serverId, component),
      openOn: async (serverId) => t.openOn(serverId),
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
}

export class TablesUnitOfWork {
  private readonly ops: Op[] = [];
  private readonly undos: Array<() => void> = [];
  private readonly newEvents: DomainEvent[] = [];
  private readonly newAudit: NewAuditEntry[] = [];
  readonly uow: UnitOfWork;

  constructor(private readonly t: Tables, now: () => Date) {
    const r = readerOf(t);
    const write = (op: Op) => this.write(op);
    this.uow = {
      servers: { ...r.servers, put: (s) => write(['server.put', s]), delete: (id) => write(['server.del', id]) },
      incidents: {
        ...r.incidents,
        nextId: async () => {
          const n = t.counters.incident + 1;
          write(['counter', 'incident', n]);
          return `INC-${String(n).padStart(6, '0')}`;
        },
        put: (i: StoredIncident) => write(['incident.put', i]),
        delete: (id) => write(['incident.del', id]),
      },
      outbox: {
        ...r.outbox,
        add: (item: NewOutboxItem): OutboxItem => {
          const seq = t.counters.outbox + 1;
          const row: OutboxRow = {
            id: `ob-${seq}`, seq, kind: item.kind, incidentId: item.incidentId, lane: laneOf(item.kind, item.incidentId),
            payload: item.payload, attempts: 0, nextAttemptAt: item.nextAttemptAt, createdAt: now().toISOString(),
          };
          write(['outbox.put', row]);
          return row;
        },
        update: (item: OutboxItem) => {
          const existing = t.outbox.get(item.id);
          if (!existing) return;
          write(['outbox.put', { ...item, lane: existing.lane, seq: existing.seq }]);
        },
        remove: (id) => {
          if (t.outbox.has(id)) write(['outbox.del', id]);
        },
        deadLetter: (item: DeadLetter) => {
          if (t.outbox.has(item.id)) write(['outbox.del', item.id]);
          const { seq: _seq, ...rest } = item as DeadLetter & { seq?: number };
          write(['dead.add', rest]);
        },
      },
      events: { ...r.events, append: (e) => void this.newEvents.push(e) },
      dedup: {
        ...r.dedup,
        claim: async (key, expiresAt) => {
          if (t.dedup.has(key)) return false;
          write(['dedup.put', key, expiresAt]);
          return true;
        },
      },
      maintenance: { ...r.maintenance, put: (w: MaintenanceWindow) => write(['mw.put', w]), delete: (id) => write(['mw.del', id]) },
      meta: { ...r.meta, put: (key, value) => write(['meta.put', key, structuredClone(value)]) },
      audit: { ...r.audit, append: (e) => void this.newAudit.push(e) },
      [RAW]: write,
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
    return { ops: this.ops, undos: this.undos, events };
  }

  rollback(): void {
    for (let i = this.undos.length - 1; i >= 0; i--) this.undos[i]();
  }

  private write(op: Op): void {
    this.undos.push(this.t.apply(op));
    this.ops.push(op);
  }
}

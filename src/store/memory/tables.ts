// The in-memory state of the memory and file engines: one Map per collection plus the indexes the named
// operations need (open incidents by server and component, tickets, resolution order, outbox lanes, dedup
// keys in expiry order), so no operation scans a whole collection to find a few records.
// Every change goes through `apply`, which returns the function that undoes it.
import type { LoggedEvent } from '../../domain/types.js';
import {
  openKey, type AuditEntry, type AuditQuery, type DeadLetter, type IncidentQuery, type MaintenanceWindow, type OutboxItem,
  type Server, type ServerQuery, type StoredIncident,
} from '../port.js';
import type { Op } from './ops.js';

export const DEAD_LETTERS_KEPT = 1000;

type Undo = () => void;
export type OutboxRow = OutboxItem & { seq: number };

export class Tables {
  readonly servers = new Map<string, Server>();
  /** Insertion order is id order: ids come from a counter. */
  readonly incidents = new Map<string, StoredIncident>();
  readonly openIndex = new Map<string, string>();
  /** Unresolved incident ids per server. */
  readonly openByServer = new Map<string, Set<string>>();
  readonly openIds = new Set<string>();
  readonly ticketIndex = new Map<string, string>();
  /** Resolved incident id → resolvedAt, in the order they were resolved. */
  readonly resolvedOrder = new Map<string, string>();
  readonly outbox = new Map<string, OutboxRow>();
  /** Lane → item ids in seq order. */
  readonly lanes = new Map<string, string[]>();
  deadLetters: DeadLetter[] = [];
  events: LoggedEvent[] = [];
  lastSeq = 0;
  /** key → expiresAt; insertion order is (nearly) expiry order, since the retention is one setting. */
  readonly dedup = new Map<string, string>();
  readonly maintenance = new Map<string, MaintenanceWindow>();
  readonly meta = new Map<string, unknown>();
  audit: AuditEntry[] = [];
  lastAuditId = 0;
  readonly counters = { incident: 0, outbox: 0 };

  constructor(private readonly freeze = false) {}

  apply(op: Op): Undo {
    switch (op[0]) {
      case 'server.put': {
        const value = this.frozen(op[1]);
        return restore(this.servers, value.id, () => this.servers.set(value.id, value));
      }
      case 'server.del':
        return restore(this.servers, op[1], () => this.servers.delete(op[1]));
      case 'incident.put':
        return this.putIncident(this.frozen(op[1]));
      case 'incident.del': {
        const before = this.incidents.get(op[1]);
        if (!before) return noop;
        this.unindex(before);
        this.incidents.delete(op[1]);
        // Re-inserting at the end is fine: a deleted incident is archived, and undo only follows a failed commit.
        return () => {
          this.incidents.set(before.id, before);
          this.index(before);
        };
      }
      case 'outbox.put':
        return this.putOutbox(this.frozen(op[1]));
      case 'outbox.del':
        return this.deleteOutbox(op[1]);
      case 'dead.add': {
        const before = this.deadLetters;
        if (before.some((d) => d.id === op[1].id && d.failedAt === op[1].failedAt)) return noop; // replayed
        const next = [...before, this.frozen(op[1])];
        this.deadLetters = next.length > DEAD_LETTERS_KEPT ? next.slice(next.length - DEAD_LETTERS_KEPT) : next;
        return () => void (this.deadLetters = before);
      }
      case 'event': {
        const e = op[1];
        if (e.seq <= this.lastSeq) return noop; // replayed over a snapshot that has it
        const before = this.lastSeq;
        this.events.push(e);
        this.lastSeq = e.seq;
        return () => {
          this.events.pop();
          this.lastSeq = before;
        };
      }
      case 'events.trim': {
        let n = 0;
        while (n < this.events.length && this.events[n].seq <= op[1]) n++;
        if (n === 0) return noop;
        const removed = this.events.splice(0, n);
        return () => void this.events.unshift(...removed);
      }
      case 'dedup.put': {
        const [, key, expiresAt] = op;
        return restore(this.dedup, key, () => {
          this.dedup.delete(key); // re-inserted at the end: expiry order
          this.dedup.set(key, expiresAt);
        });
      }
      case 'dedup.del':
        return restore(this.dedup, op[1], () => this.dedup.delete(op[1]));
      case 'mw.put': {
        const w = this.frozen(op[1]);
        return restore(this.maintenance, w.id, () => this.maintenance.set(w.id, w));
      }
      case 'mw.del':
        return restore(this.maintenance, op[1], () => this.maintenance.delete(op[1]));
      case 'meta.put': {
        const [, key, value] = op;
        return restore(this.meta, key, () => this.meta.set(key, this.frozen(value)));
      }
      case 'audit': {
        const e = op[1];
        if (e.id <= this.lastAuditId) return noop;
        const before = this.lastAuditId;
        this.audit.push(this.frozen(e));
        this.lastAuditId = e.id;
        return () => {
          this.audit.pop();
          this.lastAuditId = before;
        };
      }
      case 'audit.trim': {
        let n = 0;
        while (n < this.audit.length && this.audit[n].id <= op[1]) n++;
        if (n === 0) return noop;
        const removed = this.audit.splice(0, n);
        return () => void this.audit.unshift(...removed);
      }
      case 'counter': {
        const [, name, value] = op;
        const before = this.counters[name];
        this.counters[name] = Math.max(before, value);
        return () => void (this.counters[name] = before);
      }
    }
  }

  // ---- reads -------------------------------------------------------------------------------------

  listServers(q: ServerQuery): Server[] {
    const ids = [...this.servers.keys()].sort();
    const out: Server[] = [];
    for (const id of ids) {
      if (q.afterId !== undefined && id <= q.afterId) continue;
      const s = this.servers.get(id)!;
      if (q.customerId !== undefined && s.customerId !== q.customerId) continue;
      out.push(s);
      if (out.length >= q.limit) break;
    }
    return out;
  }

  openFor(serverId: string, component: string | null): StoredIncident | undefined {
    const id = this.openIndex.get(openKey(serverId, component));
    return id === undefined ? undefined : this.incidents.get(id);
  }

  openOn(serverId: string): StoredIncident[] {
    const ids = this.openByServer.get(serverId);
    return ids ? [...ids].sort().map((id) => this.incidents.get(id)!) : [];
  }

  listIncidents(q: IncidentQuery): StoredIncident[] {
    const out: StoredIncident[] = [];
    // Open incidents are few; walk only them when that is all the query can match.
    const source = q.status === 'open' ? [...this.openIds].sort().reverse() : [...this.incidents.keys()].reverse();
    for (const id of source) {
      if (q.beforeId !== undefined && id >= q.beforeId) continue;
      const i = this.incidents.get(id)!;
      if (q.status === 'resolved' && i.status !== 'resolved') continue;
      if (q.level !== undefined && i.level !== q.level) continue;
      if (q.levels !== undefined && !q.levels.includes(i.level)) continue;
      if (q.priority !== undefined && i.priority !== q.priority) continue;
      if (q.serverId !== undefined && i.serverId !== q.serverId) continue;
      if (q.customerId !== undefined && i.customerId !== q.customerId) continue;
      if (q.type !== undefined && i.type !== q.type) continue;
      if (q.statusIn !== undefined && !q.statusIn.includes(i.status)) continue;
      out.push(i);
      if (out.length >= q.limit) break;
    }
    return out;
  }

  openIncidents(): StoredIncident[] {
    return [...this.openIds].sort().map((id) => this.incidents.get(id)!);
  }

  resolvedBefore(cutoff: string, limit: number): StoredIncident[] {
    const out: StoredIncident[] = [];
    for (const [id, at] of this.resolvedOrder) {
      if (at >= cutoff) continue;
      out.push(this.incidents.get(id)!);
      if (out.length >= limit) break;
    }
    return out;
  }

  dueOutbox(nowIso: string, limit: number, busy: ReadonlySet<string> = EMPTY): OutboxItem[] {
    const heads: OutboxRow[] = [];
    for (const [lane, ids] of this.lanes) {
      if (busy.has(lane)) continue;
      const head = this.outbox.get(ids[0])!;
      if (head.nextAttemptAt <= nowIso) heads.push(head);
    }
    heads.sort((a, b) => (a.nextAttemptAt === b.nextAttemptAt ? a.seq - b.seq : a.nextAttemptAt < b.nextAttemptAt ? -1 : 1));
    return heads.slice(0, limit);
  }

  nextDueAt(busy: ReadonlySet<string> = EMPTY): string | null {
    let earliest: string | null = null;
    for (const [lane, ids] of this.lanes) {
      if (busy.has(lane)) continue;
      const at = this.outbox.get(ids[0])!.nextAttemptAt;
      if (earliest === null || at < earliest) earliest = at;
    }
    return earliest;
  }

  outboxFor(incidentId: string): OutboxItem[] {
    const out: OutboxRow[] = [];
    for (const lane of [incidentId, `${incidentId}#diagnostics`, `${incidentId}#notify`]) for (const id of this.lanes.get(lane) ?? []) out.push(this.outbox.get(id)!);
    return out.sort((a, b) => a.seq - b.seq);
  }

  eventsSince(fromSeq: number, limit: number): LoggedEvent[] | null {
    if (fromSeq >= this.lastSeq) return [];
    const oldest = this.events.length > 0 ? this.events[0].seq : this.lastSeq + 1;
    if (fromSeq < oldest - 1) return null;
    const start = fromSeq - oldest + 1; // seqs are contiguous within the log
    return this.events.slice(start, start + limit);
  }

  auditRange(q: AuditQuery): AuditEntry[] {
    const out: AuditEntry[] = [];
    // Entries are appended in commit order, which is (nearly) time order: a binary search finds the start.
    let lo = 0;
    let hi = this.audit.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.audit[mid].id <= (q.afterId ?? 0)) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.audit.length && out.length < q.limit; i++) {
      const e = this.audit[i];
      if (e.at >= q.since && e.at < q.until) out.push(e);
    }
    return out;
  }

  // ---- snapshot ----------------------------------------------------------------------------------

  toDocument(schemaVersion: number): Record<string, unknown> {
    return {
      schemaVersion,
      servers: [...this.servers.values()],
      incidents: [...this.incidents.values()],
      outbox: [...this.outbox.values()],
      deadLetters: this.deadLetters,
      events: this.events,
      lastSeq: this.lastSeq,
      dedup: [...this.dedup],
      maintenance: [...this.maintenance.values()],
      meta: [...this.meta],
      audit: this.audit,
      lastAuditId: this.lastAuditId,
      counters: this.counters,
    };
  }

  loadDocument(doc: DocumentV2): void {
    for (const s of doc.servers) this.apply(['server.put', s]);
    for (const i of doc.incidents) this.apply(['incident.put', i]);
    for (const o of doc.outbox) this.apply(['outbox.put', o]);
    this.deadLetters = doc.deadLetters.slice(-DEAD_LETTERS_KEPT);
    this.events = doc.events.slice();
    this.lastSeq = doc.lastSeq;
    for (const [k, v] of doc.dedup) this.dedup.set(k, v);
    for (const w of doc.maintenance) this.apply(['mw.put', w]);
    for (const [k, v] of doc.meta) this.meta.set(k, v);
    this.audit = doc.audit.slice();
    this.lastAuditId = doc.lastAuditId;
    this.counters.incident = doc.counters.incident;
    this.counters.outbox = doc.counters.outbox;
  }

  // ---- internals ---------------------------------------------------------------------------------

  private putIncident(next: StoredIncident): Undo {
    const before = this.incidents.get(next.id);
    if (before) this.unindex(before);
    this.incidents.set(next.id, next);
    this.index(next);
    return () => {
      this.unindex(next);
      if (before) {
        this.incidents.set(before.id, before);
        this.index(before);
      } else this.incidents.delete(next.id);
    };
  }

  /** Monitoring incidents (and manual ones on a component) hold the open key of their server+component. */
  private index(i: StoredIncident): void {
    if (i.status === 'resolved') {
      this.resolvedOrder.set(i.id, i.resolvedAt ?? i.updatedAt);
    } else {
      this.openIds.add(i.id);
      let set = this.openByServer.get(i.serverId);
      if (!set) this.openByServer.set(i.serverId, (set = new Set()));
      set.add(i.id);
      if (i.source !== 'manual') this.openIndex.set(openKey(i.serverId, i.component), i.id);
    }
    for (const ref of [i.ticket?.id, i.ticket?.number]) if (ref) this.ticketIndex.set(ref, i.id);
  }

  private unindex(i: StoredIncident): void {
    this.resolvedOrder.delete(i.id);
    this.openIds.delete(i.id);
    const set = this.openByServer.get(i.serverId);
    if (set) {
      set.delete(i.id);
      if (set.size === 0) this.openByServer.delete(i.serverId);
    }
    const key = openKey(i.serverId, i.component);
    if (this.openIndex.get(key) === i.id) this.openIndex.delete(key);
    for (const ref of [i.ticket?.id, i.ticket?.number]) if (ref && this.ticketIndex.get(ref) === i.id) this.ticketIndex.delete(ref);
  }

  private putOutbox(row: OutboxRow): Undo {
    const before = this.outbox.get(row.id);
    this.outbox.set(row.id, row);
    if (!before) {
      const ids = this.lanes.get(row.lane);
      if (ids) ids.push(row.id);
      else this.lanes.set(row.lane, [row.id]);
      if (row.seq > this.counters.outbox) this.counters.outbox = row.seq;
    }
    return () => {
      if (before) this.outbox.set(row.id, before);
      else this.deleteOutbox(row.id);
    };
  }

  private deleteOutbox(id: string): Undo {
    const row = this.outbox.get(id);
    if (!row) return noop;
    this.outbox.delete(id);
    const ids = this.lanes.get(row.lane)!;
    const at = ids.indexOf(id);
    ids.splice(at, 1);
    if (ids.length === 0) this.lanes.delete(row.lane);
    return () => {
      this.outbox.set(id, row);
      const lane = this.lanes.get(row.lane);
      if (!lane) this.lanes.set(row.lane, [id]);
      else lane.splice(at, 0, id);
    };
  }

  private frozen<T>(value: T): T {
    return this.freeze ? deepFreeze(value) : value;
  }
}

export interface DocumentV2 {
  schemaVersion: 2;
  servers: Server[];
  incidents: StoredIncident[];
  outbox: OutboxRow[];
  deadLetters: DeadLetter[];
  events: LoggedEvent[];
  lastSeq: number;
  dedup: Array<[string, string]>;
  maintenance: MaintenanceWindow[];
  meta: Array<[string, unknown]>;
  audit: AuditEntry[];
  lastAuditId: number;
  counters: { incident: number; outbox: number };
}

const EMPTY: ReadonlySet<string> = new Set();
const noop: Undo = () => undefined;

function restore<K, V>(map: Map<K, V>, key: K, change: () => void): Undo {
  const had = map.has(key);
  const before = map.get(key);
  change();
  return () => {
    if (had) map.set(key, before as V);
    else map.delete(key);
  };
}

export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const v of Object.values(value as object)) deepFreeze(v);
  return Object.freeze(value);
}

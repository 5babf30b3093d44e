// The reads of the port in SQL, shared by `store.read` (the pool, latest committed state) and a unit of
// work (its own session, after its buffered writes). Inside a unit, reads of what the unit may write
// lock it, so that units on several instances touching one server or incident take turns instead of
// overwriting each other:
// - a server, and the open incidents of a server (`openFor`, `openOn`), by a transaction advisory lock
//   on the server id — an open incident that does not exist yet has no row to lock, and this is what
//   makes two instances receiving the same failure see each other's incident instead of racing to
//   insert one (the constraint incidents_open_key is the backstop);
// - an incident or an outbox item read by id, by SELECT … FOR UPDATE.
// Lists, counts, the event log and `servers.peekMany` (a look at what is committed, for deciding that a
// report changes nothing) are never locked. Under READ COMMITTED each statement sees what was
// committed before it started, so a read made after a lock sees the writes of the unit that held it.
import type { LoggedEvent } from '../../domain/types.js';
import type {
  AuditEntry, DeadLetter, IncidentQuery, MaintenanceWindow, OutboxItem, Server, ServerQuery, StoreReader, StoredIncident,
} from '../port.js';
import { RECORD_LOCK_NAMESPACE } from './locks.js';
import { auditEntry, loggedEvent, text, type AuditRow, type EventRow, type Freezer } from './rows.js';
import type { Remembered, ServerVersions } from './server-versions.js';

export interface Runner {
  query<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** True inside a unit of work: reads lock what they return (see above). */
  readonly locking: boolean;
  /** The servers this unit holds the lock of already (a lock is held until the unit ends): not asked again. */
  readonly lockedServers?: Set<string>;
  /** The servers this instance has read, by row version (one per store, shared by its units). */
  readonly versions: ServerVersions;
  readonly freeze: Freezer;
}

type DataRow<T> = { data: T };

const EMPTY: ReadonlySet<string> = new Set();

/** Locks the servers in one order (by lock key), so two units locking the same servers cannot deadlock. */
export async function lockServers(r: Runner, wanted: readonly string[]): Promise<void> {
  const held = r.lockedServers;
  const ids = held ? wanted.filter((id) => !held.has(id)) : wanted;
  if (ids.length === 0) return;
  await takeLocks(r, ids);
  // Only once taken: a failed statement aborts the unit, and nothing of it is asked again.
  if (held) for (const id of ids) held.add(id);
}

async function takeLocks(r: Runner, ids: readonly string[]): Promise<void> {
  if (ids.length === 1) {
    await r.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [RECORD_LOCK_NAMESPACE.server, text(ids[0])]);
    return;
  }
  await r.query(
    `SELECT count(pg_advisory_xact_lock($1, h)) FROM (SELECT DISTINCT hashtext(id) AS h FROM unnest($2::text[]) AS t(id) ORDER BY h) k`,
    [RECORD_LOCK_NAMESPACE.server, ids.map((id) => text(id))],
  );
}

/**
 * The servers by id as they are now, where this instance has read most of them before: only those that
 * are no longer the version it knows come back as rows (a steady fleet's read returns none, and costs the
 * daemon nothing to parse); a server that is gone comes back with no version, and is forgotten.
 */
async function readVersioned(r: Runner, ids: readonly string[]): Promise<Map<string, Server>> {
  // Each stored id once, with what is remembered of it. One pass: a unit of ingest asks for hundreds.
  const known = new Map<string, Remembered | undefined>();
  const asked: string[] = [];
  for (const id of ids) {
    const t = text(id);
    if (known.has(t)) continue;
    const k = r.versions.get(t);
    known.set(t, k);
    // As JSON, not two text[] (quoted element by element): a known server's part is written once per version.
    asked.push(k?.asked ?? JSON.stringify({ id: t, v: '' }));
  }
  const rows = await r.query<{ id: string; v: string | null; data: Server | null }>(
    `SELECT k.id, s.xmin::text || ':' || s.ctid::text AS v, s.data
     FROM json_to_recordset($1::json) AS k(id text, v text) LEFT JOIN servers s ON s.id = k.id
     WHERE s.id IS NULL OR s.xmin::text || ':' || s.ctid::text <> k.v`,
    [`[${asked.join(',')}]`],
  );
  const changed = new Map<string, Server | null>();
  for (const row of rows) {
    if (row.v === null || row.data === null) {
      changed.set(row.id, null);
      r.versions.forget(row.id);
    } else {
      const s = r.freeze(row.data);
      changed.set(row.id, s);
      r.versions.remember(row.id, row.v, s);
    }
  }
  const out = new Map<string, Server>();
  for (const id of ids) {
    const t = text(id);
    // Not among the rows: the version sent is current, and known holds what it stands for.
    const s = changed.has(t) ? changed.get(t) : known.get(t)?.server;
    if (s) out.set(id, s);
  }
  return out;
}

export function pgReader(r: Runner): StoreReader {
  const f = r.freeze;
  const forUpdate = r.locking ? ' FOR UPDATE' : '';
  const one = async <T>(sql: string, params: unknown[]): Promise<T | undefined> => {
    const rows = await r.query<DataRow<T>>(sql, params);
    return rows.length > 0 ? f(rows[0].data) : undefined;
  };
  const many = async <T>(sql: string, params: unknown[]): Promise<T[]> => {
    const rows = await r.query<DataRow<T>>(sql, params);
    return rows.map((row) => f(row.data));
  };
  const count = async (table: string): Promise<number> => {
    const rows = await r.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    return Number(rows[0].n);
  };
  const openKeyWhere = `server_id = $1 AND (component IS NULL) = $2 AND coalesce(component, '') = $3 AND status <> 'resolved' AND source <> 'manual'`;

  return {
    servers: {
      get: async (id) => {
        if (r.locking) await lockServers(r, [id]);
        return one<Server>('SELECT data FROM servers WHERE id = $1', [text(id)]);
      },
      getMany: async (ids) => {
        if (r.locking) await lockServers(r, ids);
        return readVersioned(r, ids);
      },
      // Only servers this instance has not read as they are now come back: a steady fleet's peek returns
      // no rows. A server that is gone comes back with no version, and is forgotten.
      // A server read before comes back only if it is no longer that version; under the lock (getMany)
      // the version read is the current one, as the row itself would be.
      peekMany: (ids) => readVersioned(r, ids),
      list: async (q: ServerQuery) => {
        const where: string[] = [];
        const params: unknown[] = [];
        if (q.customerId !== undefined) where.push(`customer_id = $${params.push(text(q.customerId))}`);
        if (q.afterId !== undefined) where.push(`id > $${params.push(text(q.afterId))}`);
        const sql = `SELECT data FROM servers${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT $${params.push(q.limit)}`;
        return many<Server>(sql, params);
      },
      all: () => many<Server>('SELECT data FROM servers ORDER BY id', []),
      count: () => count('servers'),
    },

    incidents: {
      get: (id) => one<StoredIncident>(`SELECT data FROM incidents WHERE id = $1${forUpdate}`, [text(id)]),
      openFor: async (serverId, component) => {
        if (r.locking) await lockServers(r, [serverId]);
        return one<StoredIncident>(`SELECT data FROM incidents WHERE ${openKeyWhere}${forUpdate}`, [text(serverId), component === null, text(component ?? '')]);
      },
      openOn: async (serverId) => {
        if (r.locking) await lockServers(r, [serverId]);
        return many<StoredIncident>(`SELECT data FROM incidents WHERE server_id = $1 AND status <> 'resolved' ORDER BY id${forUpdate}`, [text(serverId)]);
      },
      openOnMany: async (serverIds) => {
        if (r.locking) await lockServers(r, serverIds);
        const rows = await many<StoredIncident>(
          `SELECT data FROM incidents WHERE server_id = ANY($1::text[]) AND status <> 'resolved' ORDER BY id${forUpdate}`,
          [serverIds.map((id) => text(id))],
        );
        const wanted = new Map(serverIds.map((id) => [text(id), id]));
        const out = new Map<string, StoredIncident[]>();
        for (const i of rows) {
          const id = wanted.get(i.serverId) ?? i.serverId;
          const list = out.get(id);
          if (list) list.push(i);
          else out.set(id, [i]);
        }
        return out;
      },
      byTicket: (ticketId) => one<StoredIncident>(`SELECT data FROM incidents WHERE ticket_id = $1 OR (data->'ticket'->>'number') = $1 ORDER BY id DESC LIMIT 1${forUpdate}`, [text(ticketId)]),
      list: (q: IncidentQuery) => {
        const where: string[] = [];
        const params: unknown[] = [];
        const p = (v: unknown) => `$${params.push(v)}`;
        if (q.status === 'open') where.push(`status <> 'resolved'`);
        else if (q.status === 'resolved') where.push(`status = 'resolved'`);
        if (q.level !== undefined) where.push(`level = ${p(q.level)}`);
        if (q.levels !== undefined) where.push(`level = ANY(${p(q.levels)}::smallint[])`);
        if (q.priority !== undefined) where.push(`priority = ${p(q.priority)}`);
        if (q.serverId !== undefined) where.push(`server_id = ${p(text(q.serverId))}`);
        if (q.customerId !== undefined) where.push(`customer_id = ${p(text(q.customerId))}`);
        if (q.type !== undefined) where.push(`type = ${p(q.type)}`);
        if (q.statusIn !== undefined) where.push(`status = ANY(${p(q.statusIn)}::text[])`);
        if (q.beforeId !== undefined) where.push(`id < ${p(text(q.beforeId))}`);
        const sql = `SELECT data FROM incidents${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${p(q.limit)}`;
        return many<StoredIncident>(sql, params);
      },
      open: () => many<StoredIncident>(`SELECT data FROM incidents WHERE status <> 'resolved' ORDER BY id`, []),
      resolvedBefore: (cutoff, limit) =>
        many<StoredIncident>(`SELECT data FROM incidents WHERE status = 'resolved' AND resolved_at < $1 ORDER BY resolved_at, id LIMIT $2`, [text(cutoff), limit]),
      count: () => count('incidents'),
    },

    outbox: {
      get: (id) => one<OutboxItem>(`SELECT data FROM outbox WHERE id = $1${forUpdate}`, [text(id)]),
      // Walks the due-time index from the earliest item and keeps lane heads only: the items behind a
      // head are passed over, never the whole outbox.
      due: (nowIso, limit, busyLanes = EMPTY) =>
        many<OutboxItem>(
          `SELECT o.data FROM outbox o
           WHERE o.next_attempt_at <= $1 AND NOT (o.lane = ANY($2::text[]))
             AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.lane = o.lane AND p.seq < o.seq)
           ORDER BY o.next_attempt_at, o.seq LIMIT $3`,
          [text(nowIso), [...busyLanes].map((l) => text(l)), limit],
        ),
      nextDueAt: async (busyLanes = EMPTY) => {
        const rows = await r.query<{ at: string }>(
          `SELECT o.next_attempt_at AS at FROM outbox o
           WHERE NOT (o.lane = ANY($1::text[]))
             AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.lane = o.lane AND p.seq < o.seq)
           ORDER BY o.next_attempt_at, o.seq LIMIT 1`,
          [[...busyLanes].map((l) => text(l))],
        );
        return rows.length > 0 ? rows[0].at : null;
      },
      forIncident: (incidentId) =>
        many<OutboxItem>('SELECT data FROM outbox WHERE lane = ANY($1::text[]) ORDER BY seq', [[text(incidentId), text(`${incidentId}#diagnostics`), text(`${incidentId}#notify`)]]),
      pending: () => count('outbox'),
      deadLetters: (limit) =>
        many<DeadLetter>('SELECT data FROM (SELECT n, data FROM dead_letters ORDER BY n DESC LIMIT $1) d ORDER BY n', [limit]),
    },

    events: {
      latestSeq: async () => {
        const rows = await r.query<{ value: string }>(`SELECT value FROM counters WHERE name = 'events'`);
        return Number(rows[0].value);
      },
      since: async (fromSeq, limit) => {
        // One statement, so the bounds and the rows come from one snapshot even while housekeeping trims.
        const rows = await r.query<EventRow & { last: string; oldest: string | null; seq: string | null }>(
          `WITH b AS (SELECT (SELECT value FROM counters WHERE name = 'events') AS last, (SELECT min(seq) FROM events) AS oldest)
           SELECT b.last, b.oldest, e.seq, e.type, e.data, e.scope, e.at
           FROM b LEFT JOIN LATERAL (SELECT * FROM events WHERE seq > $1 ORDER BY seq LIMIT $2) e ON true`,
          [fromSeq, limit],
        );
        const last = Number(rows[0].last);
        if (fromSeq >= last) return [];
        const oldest = rows[0].oldest === null ? last + 1 : Number(rows[0].oldest);
        if (fromSeq < oldest - 1) return null;
        const out: LoggedEvent[] = [];
        for (const row of rows) if (row.seq !== null) out.push(loggedEvent(row));
        return out;
      },
    },

    dedup: {
      has: async (key) => (await r.query('SELECT 1 FROM dedup WHERE key = $1', [text(key)])).length > 0,
      count: () => count('dedup'),
    },

    maintenance: {
      list: () => many<MaintenanceWindow>('SELECT data FROM maintenance ORDER BY n', []),
      get: (id) => one<MaintenanceWindow>('SELECT data FROM maintenance WHERE id = $1', [text(id)]),
    },

    meta: {
      get: async <T>(key: string) => {
        const rows = await r.query<{ value: T }>('SELECT value FROM meta WHERE key = $1', [text(key)]);
        return rows.length > 0 ? (f(rows[0].value) as never) : undefined;
      },
    },

    audit: {
      range: async (q) => {
        const rows = await r.query<AuditRow>(
          'SELECT id, at, incident_id, actor, action, note, data FROM audit WHERE at >= $1 AND at < $2 AND id > $3 ORDER BY id LIMIT $4',
          [text(q.since), text(q.until), q.afterId ?? 0, q.limit],
        );
        return rows.map((row) => f(auditEntry(row)) as AuditEntry);
      },
    },
  } as StoreReader;
}

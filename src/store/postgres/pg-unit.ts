// One unit of work on the postgres engine: a transaction (BEGIN … COMMIT) on one pooled session.
// The port's writes are synchronous calls, so they are buffered in order and sent before the next read
// of the unit and at commit: the unit reads its own writes, and a unit that only writes costs one trip
// per statement at commit. Events and audit entries are queued in the unit's transaction and numbered
// after it commits, by a sequencing pass (sequencer.ts): units never wait for one another to commit.
import { randomUUID } from 'node:crypto';
import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import type { DomainEvent } from '../../domain/types.js';
import {
  laneOf, type DeadLetter, type MaintenanceWindow, type NewAuditEntry, type NewOutboxItem, type OutboxItem, type Server,
  type StoreReader, type StoredIncident, type UnitOfWork,
} from '../port.js';
import { pgReader, type Runner } from './pg-reader.js';
import { prepared } from './prepared.js';
import type { ServerVersions } from './server-versions.js';
import { INCIDENT_COLUMNS, incidentParams, json, text, type Freezer } from './rows.js';

export const DEAD_LETTERS_KEPT = 1000;

interface Write {
  sql: string;
  params: unknown[];
  /** Writes of one record: only the last one of a batch is sent. */
  key?: string;
  /** A server upsert (SERVERS_UPSERT) of this record, as JSON: those of one batch go as one statement. */
  server?: string;
  /** The servers the upsert writes, whose new row versions it returns (ServerVersions). */
  records?: Server[];
}

// The records as one JSON array rather than a jsonb[] parameter: pg would quote every character of every
// record into an array literal, and the id and customer columns are copies of the record's fields.
const SERVERS_UPSERT = `INSERT INTO servers (id, customer_id, data)
  SELECT s->>'id', coalesce(s->>'customerId', ''), s FROM jsonb_array_elements($1::jsonb) AS s
  ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id, data = EXCLUDED.data
  RETURNING id, xmin::text || ':' || ctid::text AS v`;

export class UnitOverError extends Error {
  readonly code = 'unit_over';
}

export class PgUnit {
  private writes: Write[] = [];
  private readonly newEvents: DomainEvent[] = [];
  private readonly newAudit: NewAuditEntry[] = [];
  private over = false;
  /** Whether the unit added an outbox item (its store tells the dispatcher once it commits). */
  addedOutbox = false;
  private tail: Promise<unknown> = Promise.resolve();
  /** The first error a statement of this unit met: the transaction is aborted, COMMIT would roll back. */
  failure: unknown;
  readonly uow: UnitOfWork;

  constructor(
    private readonly client: PoolClient,
    private readonly opts: { now: () => Date; freeze: Freezer; versions: ServerVersions; wrapError: (err: unknown) => unknown },
  ) {
    const runner: Runner = { query: (sql, params) => this.read(sql, params), locking: true, lockedServers: new Set(), versions: opts.versions, freeze: opts.freeze };
    const r: StoreReader = pgReader(runner);
    const write = (w: Write) => this.write(w);
    this.uow = {
      ...r,
      servers: {
        ...r.servers,
        put: (s: Server) => {
          const record = json(s);
          // A record whose text had to change (U+0000, see json()) is not what is stored: it is read back.
          const records = record.includes('\\ufffd') ? [] : [s];
          write({ key: `s:${s.id}`, server: record, records, sql: SERVERS_UPSERT, params: [`[${record}]`] });
        },
        delete: (id) => write({ key: `s:${id}`, sql: 'DELETE FROM servers WHERE id = $1', params: [text(id)] }),
      },
      incidents: {
        ...r.incidents,
        nextId: async () => {
          const rows = await this.read<{ n: string }>(`SELECT nextval('incident_number') AS n`, []);
          return `INC-${rows[0].n.padStart(6, '0')}`;
        },
        put: (i: StoredIncident) =>
          write({
            key: `i:${i.id}`,
            sql: `INSERT INTO incidents (${INCIDENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                  ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, level = EXCLUDED.level, priority = EXCLUDED.priority,
                    type = EXCLUDED.type, source = EXCLUDED.source, server_id = EXCLUDED.server_id, customer_id = EXCLUDED.customer_id,
                    component = EXCLUDED.component, ticket_id = EXCLUDED.ticket_id, created_at = EXCLUDED.created_at,
                    resolved_at = EXCLUDED.resolved_at, data = EXCLUDED.data`,
            params: incidentParams(i),
          }),
        delete: (id) => write({ key: `i:${id}`, sql: 'DELETE FROM incidents WHERE id = $1', params: [text(id)] }),
      },
      outbox: {
        ...r.outbox,
        add: (item: NewOutboxItem): OutboxItem => {
          this.addedOutbox = true;
          const row: OutboxItem = {
            id: `ob-${randomUUID()}`, kind: item.kind, incidentId: item.incidentId, lane: laneOf(item.kind, item.incidentId),
            payload: item.payload, attempts: 0, nextAttemptAt: item.nextAttemptAt, createdAt: opts.now().toISOString(),
          };
          write({
            sql: 'INSERT INTO outbox (id, lane, kind, incident_id, next_attempt_at, attempts, data) VALUES ($1, $2, $3, $4, $5, $6, $7)',
            params: [text(row.id), text(row.lane), row.kind, text(row.incidentId), text(row.nextAttemptAt), row.attempts, json(row)],
          });
          return opts.freeze(row);
        },
        // The lane stays the one the item was added to (as the memory engine keeps it).
        update: (item: OutboxItem) =>
          write({
            sql: `UPDATE outbox SET kind = $2, incident_id = $3, next_attempt_at = $4, attempts = $5, data = jsonb_set($6::jsonb, '{lane}', to_jsonb(lane)) WHERE id = $1`,
            params: [text(item.id), item.kind, text(item.incidentId), text(item.nextAttemptAt), item.attempts, json(withoutSeq(item))],
          }),
        remove: (id) => write({ sql: 'DELETE FROM outbox WHERE id = $1', params: [text(id)] }),
        deadLetter: (item: DeadLetter) => {
          const dead = withoutSeq(item);
          write({ sql: 'DELETE FROM outbox WHERE id = $1', params: [text(item.id)] });
          write({
            sql: 'INSERT INTO dead_letters (id, failed_at, data) VALUES ($1, $2, $3) ON CONFLICT (id, failed_at) DO NOTHING',
            params: [text(dead.id), text(dead.failedAt), json(dead)],
          });
          write({ sql: `DELETE FROM dead_letters WHERE n <= (SELECT max(n) FROM dead_letters) - ${DEAD_LETTERS_KEPT}`, params: [] });
        },
      },
      events: { ...r.events, append: (e: DomainEvent) => void this.guard().newEvents.push(e) },
      dedup: {
        ...r.dedup,
        // Sent at once: a second unit claiming the same key waits on this row until this one ends, then
        // finds it taken (committed) or free (rolled back) — eight concurrent claims, one winner.
        claim: async (key, expiresAt) => {
          const rows = await this.read('INSERT INTO dedup (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING 1', [text(key), text(expiresAt)]);
          return rows.length > 0;
        },
        claimMany: async (keys: readonly string[], expiresAt: string) => {
          const claimed = new Set<string>();
          if (keys.length === 0) return claimed;
          // Stored text differs from the key only where the key holds NUL characters (see text()).
          const byText = new Map<string, string[]>();
          for (const key of keys) {
            const list = byText.get(text(key));
            if (list) list.push(key);
            else byText.set(text(key), [key]);
          }
          const rows = await this.read<{ key: string }>(
            // In key order: two units claiming overlapping keys wait for each other in one order, never in a cycle.
            'INSERT INTO dedup (key, expires_at) SELECT k, $2 FROM (SELECT DISTINCT k FROM unnest($1::text[]) AS k ORDER BY k) d ON CONFLICT (key) DO NOTHING RETURNING key',
            [[...byText.keys()], text(expiresAt)],
          );
          for (const row of rows) for (const key of byText.get(row.key) ?? []) claimed.add(key);
          return claimed;
        },
      },
      maintenance: {
        ...r.maintenance,
        put: (w: MaintenanceWindow) =>
          write({ key: `m:${w.id}`, sql: 'INSERT INTO maintenance (id, data) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data', params: [text(w.id), json(w)] }),
        delete: (id) => write({ key: `m:${id}`, sql: 'DELETE FROM maintenance WHERE id = $1', params: [text(id)] }),
      },
      meta: {
        ...r.meta,
        put: (key: string, value: unknown) =>
          write({ key: `k:${key}`, sql: 'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', params: [text(key), json(value)] }),
      },
      audit: { ...r.audit, append: (e: NewAuditEntry) => void this.guard().newAudit.push(e) },
    } as UnitOfWork;
  }

  /**
   * Sends what is buffered, queues the events and audit entries, and commits. Returns whether anything
   * was queued (a sequencing pass then numbers it). Throws if anything in the unit failed (the caller
   * then rolls the transaction back).
   */
  async commit(): Promise<boolean> {
    const pending = this.flush();
    const entries = [
      ...this.newEvents.map((e) => ({ kind: 'event', body: { ...e, at: '' } })),
      ...this.newAudit.map((a) => ({ kind: 'audit', body: a })),
    ];
    let queued: Promise<unknown> | undefined;
    if (entries.length > 0) {
      const at = this.opts.now().toISOString();
      for (const e of entries) if (e.kind === 'event') (e.body as { at: string }).at = at;
      // One unit number for the whole unit, so its entries stay together and in order when sequenced.
      queued = this.send(
        `INSERT INTO log_queue (unit, ord, kind, body)
         SELECT u.id, e.ord, e.v->>'kind', e.v->'body' FROM (SELECT nextval('log_unit') AS id) u, jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(v, ord)`,
        [json(entries)],
      );
    }
    const commit = this.send('COMMIT');
    this.over = true;
    // Queued behind the writes on one session: they run in order; the first failure aborts the rest.
    const results = await Promise.allSettled([pending, queued, commit]);
    // The first statement that failed says why (a deadlock, a lost session); the rest only followed it.
    if (this.failure !== undefined) throw this.opts.wrapError(this.failure);
    for (const r of results) if (r.status === 'rejected') throw this.opts.wrapError(r.reason);
    const done = (results[2] as PromiseFulfilledResult<{ command: string }>).value;
    // COMMIT of an aborted transaction answers ROLLBACK, not an error.
    if (done.command !== 'COMMIT') throw new Error('the transaction was rolled back');
    return entries.length > 0;
  }

  async begin(): Promise<void> {
    await this.send('BEGIN');
  }

  /** Ends the unit without committing anything (after whatever it still had on the session). */
  async rollback(): Promise<void> {
    this.over = true;
    await this.send('ROLLBACK');
  }

  /** Ends the unit: a write or read after this throws. */
  end(): void {
    this.over = true;
  }

  private guard(): this {
    if (this.over) throw new UnitOverError('this unit of work has ended');
    return this;
  }

  private write(w: Write): void {
    this.guard().writes.push(w);
  }

  private async read<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    this.guard();
    const pending = this.flush();
    const result = this.send(sql, params);
    const [flushed, res] = await Promise.allSettled([pending, result]);
    if (flushed.status === 'rejected') throw this.opts.wrapError(flushed.reason);
    if (res.status === 'rejected') {
      this.failure ??= res.reason;
      throw this.opts.wrapError(res.reason);
    }
    return res.value.rows as R[];
  }

  /**
   * Statements of the unit, one after another on its session, without waiting for the caller between
   * them (pg deprecates queueing on a busy client; this is the queue).
   */
  private send<R extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
    const next = this.tail.then(() => this.client.query<R>(prepared(sql, params)));
    this.tail = next.catch(() => undefined);
    return next;
  }

  /**
   * The row versions the unit's server upserts made, so that the next read of those servers by this
   * instance finds them current instead of reading them back (a version written by a unit that then
   * rolls back is never current again: harmless).
   */
  private learn(records: readonly Server[], rows: ReadonlyArray<{ id: string; v: string }>): void {
    const byId = new Map(records.map((r) => [r.id, r]));
    for (const row of rows) {
      const record = byId.get(row.id);
      if (record) this.opts.versions.remember(row.id, row.v, this.opts.freeze(record));
    }
  }

  /** Queues the buffered writes on the session. */
  private flush(): Promise<unknown> {
    if (this.writes.length === 0) return Promise.resolve();
    const batch = ordered(this.writes);
    this.writes = [];
    return Promise.all(batch.map((w) => (w.records ? this.send<{ id: string; v: string }>(w.sql, w.params).then((res) => this.learn(w.records!, res.rows)) : this.send(w.sql, w.params)))).catch((err: unknown) => {
      this.failure ??= err;
      throw err;
    });
  }
}

/**
 * One batch of writes as it is sent: only the last write of each record. No read came between them, so
 * nothing could see the others, and no constraint is checked before COMMIT that the order of rows of
 * different records could trip (no foreign keys; the open-incident key is deferred) — which also lets
 * the server upserts go together.
 */
function ordered(writes: Write[]): Write[] {
  const lastOf = new Map<string, number>();
  writes.forEach((w, i) => {
    if (w.key !== undefined) lastOf.set(w.key, i);
  });
  const last = writes.filter((w, i) => w.key === undefined || lastOf.get(w.key) === i);
  return mergeServers(last);
}

/**
 * The server upserts of a batch as one statement, where the first of them was: a report of many servers
 * changes many at once, and one statement each was a round trip each. Each server appears once (above).
 */
function mergeServers(writes: Write[]): Write[] {
  const servers = writes.filter((w) => w.server);
  if (servers.length < 2) return writes;
  const merged: Write = { sql: SERVERS_UPSERT, params: [`[${servers.map((w) => w.server).join(',')}]`], records: servers.flatMap((w) => w.records ?? []) };
  const first = writes.indexOf(servers[0]);
  return writes.flatMap((w, i) => (i === first ? [merged] : w.server ? [] : [w]));
}

function withoutSeq<T extends object>(item: T): T {
  if (!('seq' in item)) return item;
  const { seq: _seq, ...rest } = item as T & { seq?: unknown };
  return rest as T;
}

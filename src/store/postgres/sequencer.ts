// Numbers the events and audit entries that units of work have committed to log_queue. A pass runs in
// a transaction of its own under one advisory lock (one pass at a time across every instance): it
// takes every queued entry it can see — exactly those of units committed before it started — and moves
// them to `events` (seq = the counter + 1, 2, … in unit order) and `audit` (ids in the same order), then
// NOTIFYs the last seq. Because passes take turns and each commits before the next can start, a reader
// never sees seq N+1 before seq N, and audit ids only ever appear in increasing order.
// Why not number at the unit's commit: holding a counter lock through COMMIT makes every unit that logs
// an event wait for the previous one's WAL flush — one flush per unit, a few hundred units a second at
// best. Units now commit side by side, sharing flushes, and a pass numbers whatever a whole wave of them
// queued in one short transaction.
// A unit waits for a pass that started after it committed (so its listeners hear its events before its
// promise resolves, as with the embedded engines). Entries whose pass never ran (the instance died
// between the two) are numbered by the next pass of any instance: every instance sweeps once a second.
import type pg from 'pg';
import type { LoggedEvent } from '../../domain/types.js';
import { LOCKS } from './locks.js';
import { loggedEvent, type EventRow } from './rows.js';

export const EVENTS_CHANNEL = 'escalatord_events';
/** Entries moved per statement; a pass repeats until the queue is empty. */
const BATCH = 5000;

export const SEQUENCE_SQL = `
WITH q AS (
  DELETE FROM log_queue WHERE (unit, ord) IN (SELECT unit, ord FROM log_queue ORDER BY unit, ord LIMIT $1)
  RETURNING unit, ord, kind, body
),
ev AS (SELECT row_number() OVER (ORDER BY unit, ord) AS k, body FROM q WHERE kind = 'event'),
n AS (SELECT count(*) AS c FROM ev),
c AS (UPDATE counters SET value = value + n.c FROM n WHERE name = 'events' AND n.c > 0 RETURNING value),
ins AS (
  INSERT INTO events (seq, type, data, scope, at)
  SELECT c.value - n.c + ev.k, ev.body->>'type', ev.body->'data', nullif(ev.body->'scope', 'null'::jsonb), ev.body->>'at'
  FROM ev, c, n
  RETURNING seq, type, data, scope, at
),
au AS (
  INSERT INTO audit (at, incident_id, actor, action, note, data)
  SELECT q.body->>'at', q.body->>'incidentId', q.body->'actor', q.body->>'action', q.body->>'note', nullif(q.body->'data', 'null'::jsonb)
  FROM q WHERE q.kind = 'audit' ORDER BY q.unit, q.ord
)
SELECT (SELECT count(*) FROM q) AS moved,
       coalesce((SELECT value FROM c), (SELECT value FROM counters WHERE name = 'events')) AS last,
       ins.seq, ins.type, ins.data, ins.scope, ins.at
FROM (SELECT 1) one LEFT JOIN ins ON true ORDER BY ins.seq`;

export interface SequencerDeps {
  connect: () => Promise<{ client: pg.PoolClient; release(broken?: Error): void }>;
  /** Events numbered by a pass of this instance, in order (contiguous). */
  onSequenced: (events: LoggedEvent[]) => Promise<void> | void;
}

export class Sequencer {
  private running: Promise<number> | null = null;
  private next: Promise<number> | null = null;

  constructor(private readonly deps: SequencerDeps) {}

  /**
   * Resolves once a pass that started after this call has finished: everything committed before the
   * call is numbered (by this pass, or by another instance's), and the last seq in the log is the
   * number it resolves with. Callers in the meantime share one pass.
   */
  request(): Promise<number> {
    if (!this.running) {
      this.running = this.run().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    // The pass running now may have started before the caller's commit: wait for the next one.
    this.next ??= this.running.catch(() => 0).then(() => {
      this.next = null;
      return this.request();
    });
    return this.next;
  }

  /** Runs a pass if anything is queued (entries left by an instance that died before its pass). */
  async sweep(query: (sql: string) => Promise<unknown[]>): Promise<void> {
    const rows = await query('SELECT 1 FROM log_queue LIMIT 1');
    if (rows.length > 0) await this.request();
  }

  private async run(): Promise<number> {
    for (;;) {
      const { moved, last } = await this.pass();
      if (moved < BATCH) return last;
    }
  }

  /** One transaction: the lock, the move, the notification. */
  private async pass(): Promise<{ moved: number; last: number }> {
    const session = await this.deps.connect();
    const c = session.client;
    let events: LoggedEvent[] = [];
    let moved = 0;
    let last = 0;
    try {
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.sequencer]);
      const { rows } = await c.query<EventRow & { moved: string; last: string; seq: string | null }>(SEQUENCE_SQL, [BATCH]);
      moved = Number(rows[0].moved);
      last = Number(rows[0].last);
      events = rows.filter((r) => r.seq !== null).map(loggedEvent);
      if (events.length > 0) await c.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, String(events[events.length - 1].seq)]);
      await c.query('COMMIT');
      session.release();
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      session.release(err as Error);
      throw err;
    }
    if (events.length > 0) await this.deps.onSequenced(events);
    return { moved, last };
  }
}

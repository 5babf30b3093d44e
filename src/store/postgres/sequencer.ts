// Numbers the events and audit entries that units of work have committed to log_queue. A pass runs in
// a transaction of its own (one call of a function, migration 4) under one advisory lock (one pass at
// a time across every instance): it takes every queued entry it can see — exactly those of units
// committed before it started — and moves them to `events` (seq = the counter + 1, 2, … in unit
// order) and `audit` (ids in the same order), then NOTIFYs the last seq. Because passes take turns and each commits before the next can start, a reader
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
import { prepared } from './prepared.js';
import { loggedEvent, type EventRow } from './rows.js';

export const EVENTS_CHANNEL = 'escalatord_events';
/** Entries moved per statement; a pass repeats until the queue is empty. */
const BATCH = 5000;

/** One pass (migration 4's function, see there): the lock, the move and the NOTIFY, in one round trip. */
export const SEQUENCE_SQL = 'SELECT moved, last, seq, type, data, scope, at FROM escalatord_sequence_pass($1)';

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

  /** The pass running or asked for now, if any (it resolves once its events are handed over). */
  inFlight(): Promise<unknown> | undefined {
    return this.next ?? this.running ?? undefined;
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
      // Outside a transaction: the function's statement is one, committed when it returns.
      const { rows } = await c.query<EventRow & { moved: string; last: string; seq: string | null }>(prepared(SEQUENCE_SQL, [BATCH]));
      moved = Number(rows[0].moved);
      last = Number(rows[0].last);
      events = rows.filter((r) => r.seq !== null).map(loggedEvent);
      session.release();
    } catch (err) {
      session.release(err as Error);
      throw err;
    }
    if (events.length > 0) await this.deps.onSequenced(events);
    return { moved, last };
  }
}

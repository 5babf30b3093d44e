// The postgres engine (DESIGN §12): the storage port over a PostgreSQL database that several instances
// share. A unit of work is one transaction on one pooled session (see pg-unit.ts), its promise resolves
// after COMMIT, and a unit that lost a race to another instance — a deadlock, a serialization failure,
// the same monitoring incident opened at once — runs again from the start (the port allows it: a unit
// does no I/O but the store's). Events reach the listeners of every instance through the event feed.
import type pg from 'pg';
import type { LoggedEvent } from '../../domain/types.js';
import {
  StoreUnavailableError, type HousekeepingResult, type Store, type StoreReader, type TransactionOptions, type UnitOfWork,
} from '../port.js';
import { isRetryable, isUnavailable } from './errors.js';
import { EventFeed } from './event-feed.js';
import { migrate } from './migrations.js';
import { pgReader } from './pg-reader.js';
import { PgUnit } from './pg-unit.js';
import { prepared } from './prepared.js';
import { ServerVersions } from './server-versions.js';
import { Sequencer } from './sequencer.js';
import { throttleErrors } from './throttle.js';
import { freezer, loggedEvent, text, type EventRow, type Freezer } from './rows.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/db` (also any libpq parameter pg accepts). */
  url: string;
  /** Sessions in the pool (default 10). A unit of work holds one from BEGIN to COMMIT. */
  poolSize?: number;
  /**
   * Sessions kept apart for work that must not queue behind units of work (default 3): reads outside a
   * unit (the dispatcher's, the API's), the event feed and the numbering of events. Under a burst of
   * ingest every unit session is busy; a new ticket then waited behind the burst at each of its reads.
   */
  servicePoolSize?: number;
  now?: () => Date;
  /** Freeze every record handed out, so a change in place throws (tests). Default: under vitest. */
  freezeRecords?: boolean;
  /** How often the event feed reads the log without a notification, and retries LISTEN (default 1000 ms). */
  pollMs?: number;
  /** Dedup keys kept at most: housekeeping drops the oldest beyond it, expired or not (default: no cap). */
  maxDedupKeys?: number;
  /** Runs of a unit that lost a race before its error is passed on (default 8). */
  maxAttempts?: number;
  /** Shown in pg_stat_activity (default `escalatord`). */
  applicationName?: string;
  /** A session waiting longer than this for a lock or a statement gives up (default 30 s): 503, not a hang. */
  statementTimeoutMs?: number;
  onWrite?: (seconds: number) => void;
  onWriteError?: (err: unknown) => void;
  /**
   * Errors that are nobody's request: the LISTEN session, a listener, an idle pooled session, the
   * background numbering of events. Each kind is reported at most once every 30 s while it repeats.
   */
  onError?: (err: unknown, what: string) => void;
}

/** Expiry walks an index from its oldest end and stops at `limit`: what is still live is never read. */
export const HOUSEKEEPING_SQL = {
  dedup: 'DELETE FROM dedup WHERE key IN (SELECT key FROM dedup WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)',
  // Over the cap the oldest go, live or not: an exact count, paid only where a cap is set.
  dedupOverCap: `DELETE FROM dedup WHERE key IN (SELECT key FROM dedup ORDER BY expires_at
    LIMIT greatest(0, least($1::bigint, (SELECT count(*) FROM dedup) - $2::bigint)))`,
  // Seqs are contiguous, so the newest $1 are the seqs above last − $1.
  events: `DELETE FROM events WHERE seq <= (SELECT least(c.value - $1::bigint, (SELECT min(seq) FROM events) + $2::bigint - 1)
    FROM counters c WHERE c.name = 'events')`,
  audit: 'DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < $1 ORDER BY at, id LIMIT $2)',
} as const;

interface Session {
  readonly client: pg.PoolClient;
  /** Set when the connection failed while the session was checked out. */
  lost: Error | undefined;
  release(broken?: Error): void;
}

export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  private pool: pg.Pool | undefined;
  private servicePool: pg.Pool | undefined;
  private feed: EventFeed | undefined;
  private sequencer: Sequencer | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(events: LoggedEvent[]) => void> = [];
  private readonly outboxListeners: Array<() => void> = [];
  /** Built at once (the composition root hands its parts out before open); it answers once the pool is open. */
  private readonly reader: StoreReader;
  private up = true;
  private opened = false;
  private closed = false;
  /** Set once close has waited for what was running: no session is handed out after it. */
  private ended = false;
  private closing: Promise<void> | undefined;
  /** Units running and numbering passes they asked for: close waits for them before ending the sessions. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly now: () => Date;
  private readonly freeze: Freezer;
  private readonly versions = new ServerVersions();
  private readonly reportError: (err: unknown, what: string) => void;

  constructor(private readonly options: PostgresStoreOptions) {
    this.reportError = throttleErrors((err, what) => options.onError?.(err, what));
    this.now = options.now ?? (() => new Date());
    this.freeze = freezer(options.freezeRecords ?? process.env.VITEST !== undefined);
    this.reader = pgReader({ query: (sql, params) => this.poolQuery(sql, params), locking: false, versions: this.versions, freeze: this.freeze });
  }

  /** False while the database cannot be reached (the last attempt to use it failed for that reason). */
  get healthy(): boolean {
    return this.opened && !this.closed && this.up;
  }

  get read(): StoreReader {
    return this.reader;
  }

  async open(): Promise<void> {
    if (this.opened) return;
    if (this.closed) throw new StoreUnavailableError('the store is closed');
    const o = this.options;
    // Loaded here, not at import: a daemon on the file engine never pays for the driver.
    const { default: driver } = await import('pg');
    const poolOptions = (max: number, name: string): pg.PoolConfig => ({
      connectionString: o.url,
      max,
      application_name: name,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      statement_timeout: o.statementTimeoutMs ?? 30_000,
      lock_timeout: o.statementTimeoutMs ?? 30_000,
      // A session left inside a transaction (a frozen instance) must not hold its locks for ever.
      idle_in_transaction_session_timeout: 60_000,
    });
    const pool = new driver.Pool(poolOptions(o.poolSize ?? 10, o.applicationName ?? 'escalatord'));
    const servicePool = new driver.Pool(poolOptions(o.servicePoolSize ?? 3, `${o.applicationName ?? 'escalatord'} service`));
    // An idle session that dies (a restarted server) is dropped by the pool; the next use reconnects.
    for (const p of [pool, servicePool]) {
      p.on('error', (err) => {
        this.up = false;
        this.reportError(err, 'an idle database session');
      });
    }
    const endBoth = () => Promise.all([pool.end(), servicePool.end()]).catch(() => undefined);
    const client = await pool.connect().catch(async (err: unknown) => {
      await endBoth();
      throw new StoreUnavailableError(`cannot connect to the database: ${(err as Error).message}`, { cause: err });
    });
    try {
      await migrate(client);
    } catch (err) {
      client.release();
      await endBoth();
      throw err;
    }
    client.release();
    this.pool = pool;
    this.servicePool = servicePool;
    const feed = new EventFeed({
      connect: async () => {
        const c = new driver.Client({ connectionString: o.url, application_name: `${o.applicationName ?? 'escalatord'} listen`, keepAlive: true, connectionTimeoutMillis: 5_000 });
        await c.connect();
        return c;
      },
      read: async (fromSeq, limit) => {
        const rows = await this.poolQuery<EventRow>('SELECT seq, type, data, scope, at FROM events WHERE seq > $1 ORDER BY seq LIMIT $2', [fromSeq, limit]);
        return rows.map(loggedEvent);
      },
      pollMs: o.pollMs ?? 1000,
      onError: (err, what) => this.reportError(err, what),
      localPass: () => this.sequencer?.inFlight(),
    });
    for (const l of this.listeners) feed.onEvents(l);
    this.feed = feed;
    this.sequencer = new Sequencer({ connect: () => this.checkout(this.servicePool, { whileClosing: true }), onSequenced: (events) => feed.deliverOwn(events) });
    this.opened = true;
    await feed.start(await this.reader.events.latestSeq());
    this.scheduleSweep();
  }

  /** Entries an instance queued but did not live to number: any instance's next sweep numbers them. */
  private scheduleSweep(): void {
    if (this.closed) return;
    this.sweepTimer = setTimeout(() => {
      void this.sequencer!
        .sweep((sql) => this.poolQuery(sql))
        // Closing meanwhile is not a failure: the next instance's sweep does it.
        .catch((err: unknown) => this.closed || this.reportError(err, 'numbering queued events'))
        .finally(() => this.scheduleSweep());
    }, this.options.pollMs ?? 1000);
    this.sweepTimer.unref();
  }

  /** Stops the feed and closes every session; units still running finish first. Safe to call twice. */
  close(): Promise<void> {
    if (!this.opened) {
      this.closed = true;
      return Promise.resolve();
    }
    this.closing ??= (async () => {
      this.closed = true;
      clearTimeout(this.sweepTimer);
      // Units already running finish, and what they committed is numbered by this instance, rather than
      // failing to reach a closed pool (and being left for another instance's sweep).
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      await this.feed?.stop().catch(() => undefined);
      this.ended = true;
      await Promise.all([this.pool?.end(), this.servicePool?.end()]).catch(() => undefined);
    })();
    return this.closing;
  }

  onEvents(listener: (events: LoggedEvent[]) => void): void {
    this.listeners.push(listener);
    this.feed?.onEvents(listener);
  }

  onOutboxAdded(listener: () => void): void {
    this.outboxListeners.push(listener);
  }

  async transaction<T>(work: (uow: UnitOfWork) => Promise<T> | T, options: TransactionOptions = {}): Promise<T> {
    const running = this.attempts(work, options);
    this.track(running);
    return running;
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    const done = () => void this.inFlight.delete(p);
    p.then(done, done);
  }

  private async attempts<T>(work: (uow: UnitOfWork) => Promise<T> | T, options: TransactionOptions): Promise<T> {
    const maxAttempts = this.options.maxAttempts ?? 8;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(work, options.awaitListeners ?? true);
      } catch (err) {
        if (!isRetryable(err) || attempt >= maxAttempts) throw err;
        // Both sides of a deadlock retry: a little jitter keeps them from meeting again.
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      }
    }
  }

  async housekeeping(now: Date, opts: { keepEvents: number; auditBefore: string; limit: number }): Promise<HousekeepingResult> {
    const session = await this.checkout();
    const client = session.client;
    try {
      await client.query('BEGIN');
      const dedup = await client.query(HOUSEKEEPING_SQL.dedup, [text(now.toISOString()), opts.limit]);
      let dedupExpired = dedup.rowCount ?? 0;
      const cap = this.options.maxDedupKeys;
      if (cap !== undefined && dedupExpired < opts.limit) {
        const over = await client.query(HOUSEKEEPING_SQL.dedupOverCap, [opts.limit - dedupExpired, cap]);
        dedupExpired += over.rowCount ?? 0;
      }
      const events = await client.query(HOUSEKEEPING_SQL.events, [opts.keepEvents, opts.limit]);
      const audit = await client.query(HOUSEKEEPING_SQL.audit, [text(opts.auditBefore), opts.limit]);
      await client.query('COMMIT');
      this.up = true;
      session.release();
      return { dedupExpired, eventsTrimmed: events.rowCount ?? 0, auditExpired: audit.rowCount ?? 0 };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      session.release(isUnavailable(err) ? (err as Error) : undefined);
      throw this.wrap(err);
    }
  }

  private async attempt<T>(work: (uow: UnitOfWork) => Promise<T> | T, awaitListeners: boolean): Promise<T> {
    const session = await this.checkout();
    const unit = new PgUnit(session.client, { now: this.now, freeze: this.freeze, versions: this.versions, wrapError: (err) => this.wrap(err) });
    let result: T;
    let queued: boolean;
    let broken: Error | undefined;
    try {
      await unit.begin().catch((err: unknown) => {
        throw this.wrap(err);
      });
      result = await work(unit.uow);
      const started = process.hrtime.bigint();
      try {
        queued = await unit.commit();
      } finally {
        this.options.onWrite?.(Number(process.hrtime.bigint() - started) / 1e9);
      }
      this.up = true;
    } catch (err) {
      unit.end();
      const cause = err instanceof StoreUnavailableError ? (err.cause ?? err) : err;
      if (isUnavailable(cause)) {
        broken = cause as Error;
        this.options.onWriteError?.(cause);
      } else {
        await unit.rollback().catch((e: unknown) => void (broken = e as Error));
      }
      throw err;
    } finally {
      session.release(broken);
    }
    if (unit.addedOutbox) for (const l of this.outboxListeners) l();
    // Committed. Its events are numbered and heard before the promise resolves, as on the embedded
    // engines; if that fails (the database just went away) the sweep numbers them later.
    if (queued) {
      const heard = this.sequencer
        ?.request()
        .then((last) => this.feed?.deliverUntil(last))
        .catch((err: unknown) => this.reportError(err, 'numbering events'));
      if (heard) this.track(heard);
      if (awaitListeners) await heard;
    }
    return result;
  }

  /**
   * A pooled session for one unit. The pool listens for errors only on idle sessions; a checked-out one
   * that loses its connection between two statements must not become an uncaught 'error' event.
   */
  private async checkout(from: pg.Pool | undefined = this.pool, opts: { whileClosing?: boolean } = {}): Promise<Session> {
    // A numbering pass still runs while the store closes (for the units close waits for).
    const shut = this.closed && !(opts.whileClosing && !this.ended);
    if (!this.opened || shut || !from) throw new StoreUnavailableError('the store is not open');
    let client: pg.PoolClient;
    try {
      client = await from.connect();
    } catch (err) {
      throw this.wrap(err);
    }
    const session: Session = {
      client,
      lost: undefined,
      release: (broken) => {
        client.removeListener('error', onError);
        // A session whose connection failed is closed rather than handed to the next unit.
        client.release(broken ?? session.lost);
      },
    };
    const onError = (err: Error) => {
      session.lost = err;
      this.up = false;
    };
    client.on('error', onError);
    return session;
  }

  private async poolQuery<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    // Until close has ended the sessions: what units still running commit is still read and heard.
    if (!this.servicePool || this.ended) throw new StoreUnavailableError('the store is not open');
    try {
      const res = await this.servicePool.query(prepared(sql, params));
      this.up = true;
      return res.rows as R[];
    } catch (err) {
      throw this.wrap(err);
    }
  }

  /** A lost database becomes StoreUnavailableError (503 at the HTTP layer) and marks the store unhealthy. */
  private wrap(err: unknown): unknown {
    if (err instanceof StoreUnavailableError || !isUnavailable(err)) return err;
    this.up = false;
    return new StoreUnavailableError(`the database cannot be reached: ${(err as Error).message}`, { cause: err });
  }
}

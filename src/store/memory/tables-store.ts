// What the memory and file engines share: units of work run one at a time against the in-memory tables
// (they do no I/O, so this costs nothing), and their ops are made durable by group commit — every commit
// that arrives while a write runs shares the next one. A write that fails undoes, in reverse order, every
// commit not yet durable (they may build on each other) and rejects them all: nothing unacknowledged
// stays visible, and nothing acknowledged was ever at risk.
import type { LoggedEvent } from '../../domain/types.js';
import {
  StoreUnavailableError, type HousekeepingResult, type Store, type StoreEngine, type StoreReader, type TransactionOptions, type UnitOfWork,
} from '../port.js';
import { RAW, type Op } from './ops.js';
import { Tables } from './tables.js';
import { TablesUnitOfWork, tablesReader, type Committed } from './tables-uow.js';

interface Pending extends Committed {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface TablesStoreOptions {
  now?: () => Date;
  /** Freeze every record the store holds, so a change in place throws (tests). Default: under vitest. */
  freezeRecords?: boolean;
  /** Dedup keys kept at most: housekeeping drops the oldest beyond it, expired or not (default: no cap). */
  maxDedupKeys?: number;
  /** After a failed write, how often the engine tries to write again on its own (default 1000 ms). */
  retryWriteMs?: number;
  onWrite?: (seconds: number) => void;
  onWriteError?: (err: unknown) => void;
}

export abstract class TablesStore implements Store {
  abstract readonly engine: StoreEngine;
  protected tables: Tables;
  protected readonly now: () => Date;
  private readonly listeners: Array<(events: LoggedEvent[]) => void> = [];
  private readonly outboxListeners: Array<() => void> = [];
  private lock: Promise<void> = Promise.resolve();
  private queue: Pending[] = [];
  private writing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private writeOk = true;
  protected opened = false;
  protected closed = false;
  private readonly freeze: boolean;
  private reader: StoreReader;

  constructor(protected readonly options: TablesStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.freeze = options.freezeRecords ?? process.env.VITEST !== undefined;
    this.tables = new Tables(this.freeze);
    // One reader for the store's life: callers keep it, and `reset` may swap the tables under it.
    this.reader = tablesReader(() => this.tables);
  }

  get read(): StoreReader {
    return this.reader;
  }

  get healthy(): boolean {
    return this.writeOk;
  }

  abstract open(): Promise<void>;
  abstract close(): Promise<void>;

  /** Makes a batch of commits durable, in order; throws when they are not. */
  protected abstract persist(batch: Op[][]): Promise<void>;
  /**
   * An engine that wants a copy of the state as of the next batch (the file engine's snapshot) answers
   * true: that batch is then taken under the unit-of-work lock and `capture` runs there, while the
   * tables hold exactly the durable state plus that batch — no unit of work half-way, nothing queued.
   */
  protected captureDue(): boolean {
    return false;
  }
  protected capture(): void {}
  /** After a failure: tries to make the current state durable again (e.g. a fresh snapshot). */
  protected abstract recover(): Promise<void>;

  /** Replaces the tables (an engine loading its files). */
  protected reset(tables: Tables): void {
    this.tables = tables;
  }

  protected newTables(): Tables {
    return new Tables(this.freeze);
  }

  onEvents(listener: (events: LoggedEvent[]) => void): void {
    this.listeners.push(listener);
  }

  onOutboxAdded(listener: () => void): void {
    this.outboxListeners.push(listener);
  }

  // Listeners are called as the unit becomes durable, before it resolves: TransactionOptions change nothing here.
  async transaction<T>(work: (uow: UnitOfWork) => Promise<T> | T, _options?: TransactionOptions): Promise<T> {
    if (!this.opened || this.closed) throw new StoreUnavailableError('the store is not open');
    const release = await this.acquire();
    const unit = new TablesUnitOfWork(this.tables, this.now);
    let result: T;
    let committed: Committed;
    try {
      result = await work(unit.uow);
      committed = unit.commit(this.now());
    } catch (err) {
      unit.rollback();
      release();
      throw err;
    }
    release();
    if (committed.ops.length === 0) {
      // Nothing to write, but what this read may have been answered from must be durable first
      // (a duplicate delivery is answered only once the first one is on disk).
      await this.flush();
      return result;
    }
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ ...committed, resolve, reject });
      this.drain();
    });
    if (committed.addedOutbox) for (const l of this.outboxListeners) l();
    if (committed.events.length > 0) for (const l of this.listeners) l(committed.events);
    return result;
  }

  /** Resolves once every commit so far is durable (rejects if the write carrying one failed). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (!this.writeOk) throw new StoreUnavailableError('the store cannot write');
  }

  async housekeeping(now: Date, opts: { keepEvents: number; auditBefore: string; limit: number }): Promise<HousekeepingResult> {
    const t = () => this.tables;
    return this.transaction((uow) => {
      const nowIso = now.toISOString();
      const ops: Op[] = [];
      // Dedup keys sit in (near) expiry order: stop at the first one still live, unless the map holds
      // more than its cap (then the oldest go, live or not).
      const overCap = t().dedup.size - (this.options.maxDedupKeys ?? Infinity);
      for (const [key, expiresAt] of t().dedup) {
        if (ops.length >= opts.limit || (expiresAt > nowIso && ops.length >= overCap)) break;
        ops.push(['dedup.del', key]);
      }
      const dedupExpired = ops.length;
      const events = t().events;
      const excess = events.length - opts.keepEvents;
      let eventsTrimmed = 0;
      if (excess > 0) {
        eventsTrimmed = Math.min(excess, opts.limit);
        ops.push(['events.trim', events[eventsTrimmed - 1].seq]);
      }
      const audit = t().audit;
      let auditExpired = 0;
      while (auditExpired < audit.length && auditExpired < opts.limit && audit[auditExpired].at < opts.auditBefore) auditExpired++;
      if (auditExpired > 0) ops.push(['audit.trim', audit[auditExpired - 1].id]);
      for (const op of ops) this.applyInUnit(uow, op);
      return { dedupExpired, eventsTrimmed, auditExpired };
    });
  }

  /** Housekeeping writes ops the port has no named operation for (they are the engine's own). */
  private applyInUnit(uow: UnitOfWork, op: Op): void {
    (uow as unknown as { [RAW]: (op: Op) => void })[RAW](op);
  }

  private takeBatch(capture: boolean): Pending[] {
    const batch = this.queue;
    this.queue = [];
    if (capture) this.capture();
    return batch;
  }

  /** Runs `fn` with no unit of work half-way (under their lock): the tables hold every commit so far, whole. */
  protected async exclusive<T>(fn: () => T): Promise<T> {
    const release = await this.acquire();
    try {
      return fn();
    } finally {
      release();
    }
  }

  private acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const previous = this.lock;
    this.lock = previous.then(() => next);
    return previous.then(() => release);
  }

  private drain(): void {
    if (this.writing) return;
    const run: Promise<void> = this.writeLoop().finally(() => {
      // A recovery may have chained itself on this run: it is `writing` now, not this run.
      if (this.writing === run) this.writing = null;
    });
    this.writing = run;
  }

  private async writeLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.captureDue() ? await this.exclusive(() => this.takeBatch(true)) : this.takeBatch(false);
      const started = process.hrtime.bigint();
      try {
        await this.persist(batch.map((p) => p.ops));
        this.writeOk = true;
        for (const p of batch) p.resolve();
      } catch (err) {
        this.writeOk = false;
        this.options.onWriteError?.(err);
        // Everything applied after this batch may build on it: undo all of it, newest first.
        const release = await this.acquire();
        const undone = [...batch, ...this.queue];
        this.queue = [];
        for (let i = undone.length - 1; i >= 0; i--) for (let j = undone[i].undos.length - 1; j >= 0; j--) undone[i].undos[j]();
        release();
        const error = new StoreUnavailableError(`the store cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        for (const p of undone) p.reject(error);
        this.scheduleRecovery();
      } finally {
        this.options.onWrite?.(Number(process.hrtime.bigint() - started) / 1e9);
      }
    }
  }

  /**
   * While unhealthy the daemon refuses ingest and may commit nothing, so it would never learn that the
   * disk is writable again: the engine tries by itself.
   */
  private scheduleRecovery(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed || this.writeOk) return;
      // Chained on the running write, and `writing` until it ends: no write starts while it runs
      // (the file engine's recovery appends at the journal's end, as a write does).
      const run: Promise<void> = (this.writing ?? Promise.resolve()).then(() => this.recover()).then(
        () => void (this.writeOk = true),
        (err: unknown) => {
          this.options.onWriteError?.(err);
          this.scheduleRecovery();
        },
      ).finally(() => {
        if (this.writing === run) this.writing = null;
        this.drain();
      });
      this.writing = run;
    }, this.options.retryWriteMs ?? 1000);
    this.retryTimer.unref();
  }

  protected async closeTables(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.flush().catch(() => undefined);
  }
}

// The production store: lowdb holding one JSON document, written through the durable adapter with
// group commit, guarded by a lock file.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Low } from 'lowdb';
import { DurableJsonFile } from './durable-file-adapter.js';
import { GroupCommitter } from './group-commit.js';
import { LockFile } from './lock-file.js';
import { migrate } from './migrations.js';
import { emptyStoreData, type Store, type StoreData } from './types.js';

export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';
}

export interface LowdbStoreDeps {
  path: string;
  /** Observes each write's duration in seconds (store_write_duration_seconds). */
  onWrite?: (seconds: number) => void;
  onWriteError?: (err: unknown) => void;
  /** After a failed write, how often the store tries again on its own (default 1000 ms). */
  retryWriteMs?: number;
}

export class LowdbStore implements Store {
  private readonly adapter: DurableJsonFile<StoreData>;
  private readonly db: Low<StoreData>;
  private readonly lock: LockFile;
  private readonly committer: GroupCommitter;
  private opened = false;
  private closed = false;
  private writeOk = true;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: LowdbStoreDeps) {
    const file = resolve(deps.path);
    this.adapter = new DurableJsonFile<StoreData>(file);
    this.db = new Low<StoreData>(this.adapter, emptyStoreData());
    this.lock = new LockFile(`${file}.lock`);
    this.committer = new GroupCommitter(() => this.writeNow());
  }

  get data(): Readonly<StoreData> {
    return this.db.data;
  }

  get healthy(): boolean {
    return this.writeOk;
  }

  async open(): Promise<void> {
    if (this.opened) return;
    mkdirSync(dirname(resolve(this.deps.path)), { recursive: true });
    this.lock.acquire();
    try {
      const doc = await this.adapter.read();
      if (doc === null) {
        this.db.data = emptyStoreData();
        await this.writeNow();
      } else {
        const { data, migrated } = migrate(doc as unknown as Record<string, unknown>);
        this.db.data = data;
        if (migrated) await this.writeNow();
      }
    } catch (err) {
      this.lock.release();
      throw err;
    }
    this.opened = true;
  }

  commit<T>(mutate: (data: StoreData) => T): Promise<T> {
    if (!this.opened || this.closed) return Promise.reject(new StoreUnavailableError('the store is not open'));
    let result: T;
    try {
      result = mutate(this.db.data);
    } catch (err) {
      // Callers chain `.catch()`; a synchronous throw would escape it.
      return Promise.reject(err);
    }
    return this.committer.request().then(() => result);
  }

  flush(): Promise<void> {
    if (!this.opened || this.closed) return Promise.resolve();
    return this.committer.request();
  }

  async close(): Promise<void> {
    if (!this.opened || this.closed) return;
    try {
      if (!this.committer.idle) await this.committer.request().catch(() => undefined);
      // A clean shutdown leaves everything in the snapshot and an empty journal.
      if (this.writeOk) await this.adapter.snapshot(this.db.data as unknown as Record<string, unknown>).catch(() => undefined);
    } finally {
      this.closed = true;
      clearTimeout(this.retryTimer);
      await this.adapter.close().catch(() => undefined);
      this.lock.release();
    }
  }

  /**
   * While unhealthy the daemon answers ingest 503 and may commit nothing else (no console, empty outbox),
   * so it would never learn that the disk is writable again: the store tries the write again by itself.
   */
  private scheduleRetry(): void {
    if (this.closed || !this.opened || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed || this.writeOk) return;
      this.committer.request().catch(() => undefined);
    }, this.deps.retryWriteMs ?? 1000);
    this.retryTimer.unref();
  }

  private async writeNow(): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      await this.db.write();
      this.writeOk = true;
    } catch (err) {
      this.writeOk = false;
      await this.adapter.discardTemp();
      this.deps.onWriteError?.(err);
      this.scheduleRetry();
      throw new StoreUnavailableError(`the store cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    } finally {
      this.deps.onWrite?.(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}

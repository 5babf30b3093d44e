// The memory engine: the tables without a disk. Unit tests use it as the fake of the port (it passes
// the same conformance suite as the file and postgres engines); `failWrites` plays a full disk.
import type { Op } from './ops.js';
import { TablesStore, type TablesStoreOptions } from './tables-store.js';

export class MemoryStore extends TablesStore {
  readonly engine = 'memory' as const;
  failWrites = false;
  /** Commits made durable so far (batches). */
  writes = 0;

  constructor(options: TablesStoreOptions = {}) {
    super(options);
  }

  async open(): Promise<void> {
    this.opened = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.closeTables();
    this.closed = true;
  }

  protected async persist(_batch: Op[][]): Promise<void> {
    await Promise.resolve();
    if (this.failWrites) throw Object.assign(new Error('simulated write failure'), { code: 'EIO' });
    this.writes += 1;
  }

  protected async recover(): Promise<void> {
    if (this.failWrites) throw Object.assign(new Error('simulated write failure'), { code: 'EIO' });
  }
}

// The engines' writes (persist) and their recovery after a failure (recover) never overlap: the file
// engine appends both at the journal's known-good end, so two at once would write over each other.
import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/store/memory/ops.js';
import { TablesStore } from '../../src/store/memory/tables-store.js';

class SlowDisk extends TablesStore {
  readonly engine = 'memory' as const;
  failWrites = false;
  busy = 0;
  overlaps = 0;
  recoveries = 0;

  async open(): Promise<void> {
    this.opened = true;
  }

  async close(): Promise<void> {
    await this.closeTables();
    this.closed = true;
  }

  private async io(ms: number): Promise<void> {
    if (this.busy > 0) this.overlaps += 1;
    this.busy += 1;
    try {
      await new Promise((r) => setTimeout(r, ms));
    } finally {
      this.busy -= 1;
    }
  }

  protected async persist(_batch: Op[][]): Promise<void> {
    const fail = this.failWrites;
    await this.io(30);
    if (fail) throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
  }

  protected async recover(): Promise<void> {
    this.recoveries += 1;
    await this.io(30);
  }
}

describe('writes and recovery of the tables engines', () => {
  it('never run a recovery and a write at the same time', async () => {
    const store = new SlowDisk({ retryWriteMs: 10 });
    await store.open();
    store.failWrites = true;
    await expect(store.transaction((u) => u.meta.put('a', 1))).rejects.toMatchObject({ code: 'store_unavailable' });
    store.failWrites = false;
    // A write is running when the recovery timer fires; more commits arrive while the recovery runs.
    const b = store.transaction((u) => u.meta.put('b', 1));
    await new Promise((r) => setTimeout(r, 35));
    const later = Array.from({ length: 5 }, (_, i) => store.transaction((u) => u.meta.put(`c${i}`, i)));
    await Promise.all([b, ...later]);
    await store.flush();
    expect(store.recoveries).toBeGreaterThan(0);
    expect(store.overlaps).toBe(0);
    await store.close();
  });
});

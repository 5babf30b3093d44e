// The conformance suite every Store implementation must pass (LowdbStore, MemoryStore, and later a
// PostgreSQL store). Call it inside a test file with a factory that builds a fresh, unopened store.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';

export interface StoreFixture {
  store: Store;
  /** A second store over the same durable state, for implementations that persist (omit for fakes). */
  reopen?: () => Store;
  cleanup?: () => void | Promise<void>;
}

export function describeStoreContract(name: string, make: () => StoreFixture): void {
  describe(`${name} (store contract)`, () => {
    const withStore = (fn: (f: StoreFixture) => Promise<void>) => async () => {
      const f = make();
      try {
        await fn(f);
      } finally {
        await f.store.close();
        await f.cleanup?.();
      }
    };

    it('starts empty at the current schema version', withStore(async ({ store }) => {
      await store.open();
      expect(store.data.schemaVersion).toBe(1);
      expect(store.data.incidents).toEqual({});
      expect(store.data.lastSeq).toBe(0);
    }));

    it('applies a commit and resolves with what the mutation returned', withStore(async ({ store }) => {
      await store.open();
      const result = await store.commit((d) => {
        d.dedup['wh-1'] = '2026-11-25T10:00:00.000Z';
        d.counters.incident += 1;
        return { id: `inc-${d.counters.incident}` };
      });
      expect(result).toEqual({ id: 'inc-1' });
      expect(store.data.dedup['wh-1']).toBe('2026-11-25T10:00:00.000Z');
      expect(store.data.counters.incident).toBe(1);
    }));

    it('resolves every one of many concurrent commits with its own result, and keeps every change', withStore(async ({ store }) => {
      await store.open();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store.commit((d) => {
            d.dedup[`k-${i}`] = String(i);
            d.lastSeq += 1;
            return i;
          }),
        ),
      );
      expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(Object.keys(store.data.dedup)).toHaveLength(50);
      expect(store.data.lastSeq).toBe(50);
    }));

    it('passes an error thrown by the mutation to the caller as a rejected promise', withStore(async ({ store }) => {
      await store.open();
      let outcome: unknown;
      try {
        outcome = store.commit(() => {
          throw new Error('bad mutation');
        });
      } catch {
        outcome = 'threw synchronously';
      }
      expect(outcome).toBeInstanceOf(Promise);
      await expect(outcome).rejects.toThrow('bad mutation');
      // The store still works afterwards.
      await expect(store.commit(() => 'fine')).resolves.toBe('fine');
    }));

    it('flushes, with or without pending commits', withStore(async ({ store }) => {
      await store.open();
      await expect(store.flush()).resolves.toBeUndefined();
      const pending = store.commit((d) => void (d.meta.flushed = true));
      await store.flush();
      expect(store.data.meta.flushed).toBe(true);
      await pending;
    }));

    it('may be opened and closed twice', withStore(async ({ store }) => {
      await store.open();
      await store.open();
      await store.commit((d) => void (d.meta.n = 1));
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
    }));

    it('refuses commits before open and after close with store_unavailable', withStore(async ({ store }) => {
      await expect(store.commit(() => 1)).rejects.toMatchObject({ code: 'store_unavailable' });
      await store.open();
      await store.close();
      await expect(store.commit(() => 1)).rejects.toMatchObject({ code: 'store_unavailable' });
    }));

    it('reports itself healthy after a successful commit', withStore(async ({ store }) => {
      await store.open();
      await store.commit((d) => void (d.meta.x = 1));
      expect(store.healthy).toBe(true);
    }));

    it('hands committed data to a store reopened on the same state', async () => {
      const f = make();
      if (!f.reopen) {
        // Fakes keep nothing across instances; nothing to check for them.
        await f.cleanup?.();
        return;
      }
      try {
        await f.store.open();
        await Promise.all([1, 2, 3].map((i) => f.store.commit((d) => void (d.dedup[`r-${i}`] = 'x'))));
        await f.store.close();
        const again = f.reopen();
        await again.open();
        try {
          expect(Object.keys(again.data.dedup).sort()).toEqual(['r-1', 'r-2', 'r-3']);
        } finally {
          await again.close();
        }
      } finally {
        await f.cleanup?.();
      }
    });
  });
}

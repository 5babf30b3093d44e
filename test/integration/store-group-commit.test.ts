// Group commit: many concurrent commits share few writes, yet none is acknowledged before its change
// is in the file on disk.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LowdbStore } from '../../src/store/lowdb-store.js';
import { readStoreDocumentSync } from '../../src/store/durable-file-adapter.js';
import type { StoreData } from '../../src/store/types.js';
import { useTempDir } from '../helpers/tmp.js';

describe('LowdbStore group commit', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('writes 500 concurrent commits in far fewer than 500 writes, each on disk before it resolves', async () => {
    const path = tmp().file('store.json');
    let writes = 0;
    const store = new LowdbStore({ path, onWrite: () => void (writes += 1) });
    await store.open();
    writes = 0;

    const notOnDiskAtResolution: string[] = [];
    const commits = Array.from({ length: 500 }, (_, i) => {
      const key = `rec-${i}`;
      return store
        .commit((d) => {
          d.dedup[key] = new Date(0).toISOString();
          return key;
        })
        .then((k) => {
          // Read the file the moment the promise resolves: the change must already be there.
          const onDisk = readStoreDocumentSync<StoreData>(path);
          if (!(k in onDisk.dedup)) notOnDiskAtResolution.push(k);
          return k;
        });
    });
    const keys = await Promise.all(commits);
    await store.close();

    expect(keys).toHaveLength(500);
    expect(notOnDiskAtResolution).toEqual([]);
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThan(20);
  });

  it('carries a commit made while a write is running in the next write, not the running one', async () => {
    const path = tmp().file('store.json');
    const store = new LowdbStore({ path });
    await store.open();
    const first = store.commit((d) => void (d.dedup.first = 'x'));
    // The first write has already serialised the state; this change must wait for a second write.
    const second = store.commit((d) => void (d.dedup.second = 'x')).then(() => readStoreDocumentSync<StoreData>(path));
    await first;
    const afterSecond = await second;
    expect(afterSecond.dedup).toMatchObject({ first: 'x', second: 'x' });
    await store.close();
  });
});

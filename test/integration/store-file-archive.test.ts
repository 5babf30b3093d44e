// The file engine's archive: resolved incidents past retention, and the oldest resolved beyond the live
// cap, move to `<path>.archive.jsonl`, written durably before they leave the store.
import { appendFileSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Archive } from '../../src/store/file/archive.js';
import { FileStore } from '../../src/store/file/file-store.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import type { Store } from '../../src/store/port.js';
import { incident } from '../helpers/store-conformance.js';
import { useTempDir } from '../helpers/tmp.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-25T12:00:00.000Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY).toISOString();

function archived(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
}

async function seed(store: Store, resolvedDaysAgo: Array<number | null>): Promise<void> {
  await store.transaction((u) => {
    resolvedDaysAgo.forEach((d, i) => {
      const id = `INC-${String(i + 1).padStart(6, '0')}`;
      u.incidents.put(incident(id, { component: id, ...(d === null ? {} : { status: 'resolved', resolvedAt: daysAgo(d), updatedAt: daysAgo(d) }) }));
    });
  });
}

describe('the archive', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('moves resolved incidents past retention to the archive and leaves the rest', async () => {
    const path = tmp().file('store.json');
    const store = new FileStore({ path });
    await store.open();
    await seed(store, [10, null, 1, 8, null]);
    const archive = new Archive({ store, path: `${path}.archive.jsonl` });
    expect(await archive.archiveResolved(NOW, 7 * DAY)).toBe(2);
    expect(archived(`${path}.archive.jsonl`)).toEqual(['INC-000001', 'INC-000004']);
    expect((await store.read.incidents.list({ status: 'all', limit: 10 })).map((i) => i.id)).toEqual(['INC-000005', 'INC-000003', 'INC-000002']);
    expect(await archive.archiveResolved(NOW, 7 * DAY)).toBe(0);
    await store.close();
    const again = new FileStore({ path });
    await again.open();
    expect(await again.read.incidents.count()).toBe(3);
    await again.close();
  });

  it('moves the oldest resolved incidents beyond the live cap, never an open one', async () => {
    const path = tmp().file('store.json');
    const store = new FileStore({ path });
    await store.open();
    await seed(store, [3, null, 2, null, 1, null]);
    const archive = new Archive({ store, path: `${path}.archive.jsonl`, maxLiveIncidents: 4 });
    expect(await archive.archiveResolved(NOW, 7 * DAY)).toBe(2);
    expect(archived(`${path}.archive.jsonl`)).toEqual(['INC-000001', 'INC-000003']);
    const tight = new Archive({ store, path: `${path}.archive.jsonl`, maxLiveIncidents: 1 });
    expect(await tight.archiveResolved(NOW, 7 * DAY)).toBe(1);
    expect((await store.read.incidents.open()).map((i) => i.id)).toEqual(['INC-000002', 'INC-000004', 'INC-000006']);
    await store.close();
  });

  it('moves at most maxPerPass incidents in one pass', async () => {
    const store = new MemoryStore();
    await store.open();
    await seed(store, [9, 9, 9, 9, 9]);
    const archive = new Archive({ store, path: tmp().file('a.jsonl'), maxPerPass: 2 });
    expect(await archive.archiveResolved(NOW, 7 * DAY)).toBe(2);
    expect(await archive.archiveResolved(NOW, 7 * DAY)).toBe(2);
    expect(await archive.archiveResolved(NOW, 7 * DAY)).toBe(1);
    expect(archived(tmp().file('a.jsonl'))).toHaveLength(5);
  });

  it('leaves an incident in the store, with a copy in the archive, when the commit that would remove it fails', async () => {
    const store = new MemoryStore({ retryWriteMs: 60_000 });
    await store.open();
    await seed(store, [9]);
    const file = tmp().file('a.jsonl');
    const archive = new Archive({ store, path: file });
    store.failWrites = true;
    await expect(archive.archiveResolved(NOW, 7 * DAY)).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(archived(file)).toEqual(['INC-000001']);
    expect(await store.read.incidents.get('INC-000001')).toBeDefined();
    store.failWrites = false;
    // The next pass archives it again: a duplicate in the archive, never a loss.
    expect(await archive.archiveResolved(NOW, 7 * DAY)).toBe(1);
    expect(archived(file)).toEqual(['INC-000001', 'INC-000001']);
    await store.close();
  });

  it('cuts off a torn line a crash left at the end of the archive before appending', async () => {
    const store = new MemoryStore();
    await store.open();
    await seed(store, [9, 9]);
    const file = tmp().file('a.jsonl');
    appendFileSync(file, '{"id":"INC-000000"}\n{"id":"INC-0');
    await new Archive({ store, path: file, maxPerPass: 1 }).archiveResolved(NOW, 7 * DAY);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['INC-000000', 'INC-000001']);
  });

  it('keeps an incident that changed after it was read for the archive', async () => {
    const store = new MemoryStore();
    await store.open();
    await seed(store, [9]);
    const file = tmp().file('a.jsonl');
    const archive = new Archive({ store, path: file });
    // A comment lands between the read and the unit of work: wrap the store so it does.
    const racing: Store = Object.create(store, {
      transaction: {
        value: async <T>(work: Parameters<Store['transaction']>[0]) => {
          await store.transaction(async (u) => u.incidents.put({ ...(await u.incidents.get('INC-000001'))!, updatedAt: NOW.toISOString() }));
          return store.transaction(work) as Promise<T>;
        },
      },
    });
    expect(await new Archive({ store: racing, path: file }).archiveResolved(NOW, 7 * DAY)).toBe(0);
    expect(await store.read.incidents.get('INC-000001')).toBeDefined();
    expect(await archive.archiveResolved(NOW, 7 * DAY)).toBe(1);
  });
});

// A million dedup keys cost nothing at idle: they expire by an index on time in bounded batches, never by a
// scan of all of them, and beyond `maxDedupKeys` the oldest go. The claim is about work, so the test counts
// work — the keys each housekeeping pass looks at — rather than time: a CPU budget fails on a busy machine
// (a GC of the million keys, a shared core) and passes a scan on a fast one.
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyDocument } from '../../src/store/file/document.js';
import { FileStore } from '../../src/store/file/file-store.js';
import { useTempDir } from '../helpers/tmp.js';

const KEYS = 1_000_000;
const NOW = new Date('2026-11-25T12:00:00.000Z');
const HOUSEKEEPING = { keepEvents: 10_000, auditBefore: '2000-01-01T00:00:00.000Z' };

/** A schema-2 snapshot holding KEYS dedup keys that expire from `firstExpiry` on, one millisecond apart. */
function writeSnapshotWithKeys(path: string, firstExpiry: number): void {
  const parts: string[] = [];
  for (let i = 0; i < KEYS; i++) parts.push(`["am:fp-${i.toString(16).padStart(12, '0')}","${new Date(firstExpiry + i).toISOString()}"]`);
  const doc = JSON.stringify(emptyDocument()).replace('"dedup":[]', `"dedup":[${parts.join(',')}]`);
  writeFileSync(path, doc);
}

/**
 * Counts the entries each walk over `map` looks at (one number per walk): the housekeeping pass walks the
 * keys in expiry order and stops at the first it keeps. Installed on the instance, so only this map counts.
 */
function countWalks(map: Map<string, string>): number[] {
  const walks: number[] = [];
  const entries = Map.prototype[Symbol.iterator];
  Object.defineProperty(map, Symbol.iterator, {
    configurable: true,
    value: function* walk(this: Map<string, string>) {
      const n = walks.push(0) - 1;
      for (const entry of entries.call(this)) {
        walks[n]++;
        yield entry;
      }
    },
  });
  return walks;
}

/** The engine's dedup table (internal: the port has no way to see how many keys a pass looked at). */
const dedupTable = (store: FileStore) => (store as unknown as { tables: { dedup: Map<string, string> } }).tables.dedup;

describe('a million dedup keys in the file engine', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('looks at one key per housekeeping pass while they are live, and at one batch (plus one) once they expire', async () => {
    const path = tmp().file('store.json');
    // Keys expire one millisecond apart from NOW on.
    writeSnapshotWithKeys(path, NOW.getTime());
    const store = new FileStore({ path });
    await store.open();
    expect(await store.read.dedup.count()).toBe(KEYS);
    const walks = countWalks(dedupTable(store));

    // Idle, an hour before the first expiry. The sweeper runs every few seconds: 100 passes are minutes of a
    // daemon, and each looks at one key (the oldest, still live) whatever the map holds.
    const before = new Date(NOW.getTime() - 3_600_000);
    for (let i = 0; i < 100; i++) await store.housekeeping(before, { ...HOUSEKEEPING, limit: 10_000 });
    expect(await store.read.dedup.count()).toBe(KEYS);
    expect(walks).toEqual(Array.from({ length: 100 }, () => 1));

    // 100,000 of them have expired: each pass drops its batch and looks at one key more, never at the rest.
    walks.length = 0;
    const later = new Date(NOW.getTime() + 100_000);
    for (let i = 0; i < 5; i++) {
      expect((await store.housekeeping(later, { ...HOUSEKEEPING, limit: 10_000 })).dedupExpired).toBe(10_000);
    }
    expect(walks).toEqual(Array.from({ length: 5 }, () => 10_001));
    expect(await store.read.dedup.count()).toBe(KEYS - 50_000);
    expect(await store.read.dedup.has('am:fp-000000000000')).toBe(false);
    expect(await store.read.dedup.has(`am:fp-${(60_000).toString(16).padStart(12, '0')}`)).toBe(true);
    await store.close();
  }, 180_000);

  it('drops the oldest keys beyond maxDedupKeys even before they expire', async () => {
    const path = tmp().file('store.json');
    const store = new FileStore({ path, maxDedupKeys: 10 });
    await store.open();
    await store.transaction(async (u) => {
      for (let i = 0; i < 15; i++) await u.dedup.claim(`k-${i}`, new Date(NOW.getTime() + 3_600_000 + i).toISOString());
    });
    const result = await store.housekeeping(NOW, { ...HOUSEKEEPING, limit: 100 });
    expect(result.dedupExpired).toBe(5);
    expect(await store.read.dedup.count()).toBe(10);
    expect(await store.read.dedup.has('k-4')).toBe(false);
    expect(await store.read.dedup.has('k-5')).toBe(true);
    expect((await store.housekeeping(NOW, { ...HOUSEKEEPING, limit: 100 })).dedupExpired).toBe(0);
    await store.close();
  });
});

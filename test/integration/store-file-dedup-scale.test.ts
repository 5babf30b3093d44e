// A million dedup keys cost nothing at idle: they expire by an index on time in bounded batches, never by a
// scan of all of them, and beyond `maxDedupKeys` the oldest go. CPU is measured with process.cpuUsage
// around the work itself (no wall-clock race): the budgets are about 20× what this machine needs.
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

function cpuMs<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.cpuUsage();
  return fn().then((value) => {
    const used = process.cpuUsage(start);
    return { ms: (used.user + used.system) / 1000, value };
  });
}

describe('a million dedup keys in the file engine', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('costs next to nothing per housekeeping pass while they are live, and goes in bounded batches once they expire', async () => {
    const path = tmp().file('store.json');
    // Keys expire one millisecond apart from NOW on.
    writeSnapshotWithKeys(path, NOW.getTime());
    const store = new FileStore({ path });
    const load = await cpuMs(() => store.open());
    expect(await store.read.dedup.count()).toBe(KEYS);

    // Idle, an hour before the first expiry. The sweeper runs every few seconds: 100 passes are minutes of a daemon.
    const before = new Date(NOW.getTime() - 3_600_000);
    const idle = await cpuMs(async () => {
      for (let i = 0; i < 100; i++) await store.housekeeping(before, { ...HOUSEKEEPING, limit: 10_000 });
    });
    expect(await store.read.dedup.count()).toBe(KEYS);
    expect(idle.ms / 100).toBeLessThan(2);

    // 100,000 of them have expired: each pass drops its batch, costing what the batch costs.
    const later = new Date(NOW.getTime() + 100_000);
    const passes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { ms, value } = await cpuMs(() => store.housekeeping(later, { ...HOUSEKEEPING, limit: 10_000 }));
      expect(value.dedupExpired).toBe(10_000);
      passes.push(ms);
    }
    expect(await store.read.dedup.count()).toBe(KEYS - 50_000);
    expect(await store.read.dedup.has('am:fp-000000000000')).toBe(false);
    expect(await store.read.dedup.has(`am:fp-${(60_000).toString(16).padStart(12, '0')}`)).toBe(true);
    process.stderr.write(
      `dedup scale: ${KEYS} keys loaded in ${load.ms.toFixed(0)} ms CPU; 100 idle passes ${idle.ms.toFixed(1)} ms CPU; ` +
        `passes of 10,000 expired keys ${passes.map((ms) => ms.toFixed(1)).join(', ')} ms CPU\n`,
    );
    // A scan of the whole map on each pass would cost more than this.
    expect(Math.min(...passes)).toBeLessThan(100);
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

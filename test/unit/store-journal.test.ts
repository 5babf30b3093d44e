// The journal between snapshots: what a commit appends, how a restart replays it, and what it refuses.
import { appendFileSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableJsonFile, StoreCorruptError, readStoreDocument } from '../../src/store/durable-file-adapter.js';
import { applyDelta, DeltaTracker } from '../../src/store/journal.js';
import { LowdbStore } from '../../src/store/lowdb-store.js';
import { emptyStoreData, type StoreData } from '../../src/store/types.js';
import { useTempDir } from '../helpers/tmp.js';

describe('DeltaTracker', () => {
  it('reports only the entries written since the last diff, and deletions', () => {
    const doc = { ...emptyStoreData() } as unknown as Record<string, unknown>;
    const tracker = new DeltaTracker();
    tracker.reset(doc);
    const data = doc as unknown as StoreData;
    data.dedup.a = '1';
    data.dedup.b = '2';
    expect(tracker.diff(doc).set).toEqual({ dedup: { a: '1', b: '2' } });
    delete data.dedup.a;
    data.counters.incident = 3;
    const delta = tracker.diff(doc);
    expect(delta.del).toEqual({ dedup: ['a'] });
    expect(delta.set).toBeUndefined();
    expect(delta.put).toEqual({ counters: { incident: 3, outbox: 0 } });
    expect(tracker.diff(doc)).toEqual({});
  });

  it('journals a keyed map that was replaced wholesale', () => {
    const doc = { ...emptyStoreData() } as unknown as Record<string, unknown>;
    const tracker = new DeltaTracker();
    tracker.reset(doc);
    doc.openIndex = { 'srv/backup': 'INC-1' };
    expect(tracker.diff(doc).put).toEqual({ openIndex: { 'srv/backup': 'INC-1' } });
    (doc.openIndex as Record<string, string>)['srv/email'] = 'INC-2';
    expect(tracker.diff(doc).set).toEqual({ openIndex: { 'srv/email': 'INC-2' } });
  });

  it('carries new events only, and replaying a delta twice changes nothing more', () => {
    const doc = { ...emptyStoreData() } as unknown as Record<string, unknown>;
    const tracker = new DeltaTracker();
    tracker.reset(doc);
    (doc.events as unknown[]).push({ seq: 1, type: 'console.up', at: 'x', data: {} });
    const delta = tracker.diff(doc);
    expect(delta.events).toHaveLength(1);
    const replay = { ...emptyStoreData() } as unknown as Record<string, unknown>;
    applyDelta(replay, delta, 100);
    applyDelta(replay, delta, 100);
    expect(replay.events).toHaveLength(1);
  });
});

describe('the journal on disk', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('appends commits to the journal and replays them on the next open', async () => {
    const path = tmp().file('store.json');
    const store = new LowdbStore({ path });
    await store.open();
    await store.commit((d) => void (d.dedup.one = 'x'));
    await store.commit((d) => void (d.dedup.two = 'y'));
    expect(readFileSync(`${path}.journal`, 'utf8').trim().split('\n')).toHaveLength(2);
    // As after a crash: no clean close, so the snapshot alone lacks the commits.
    const snapshot = JSON.parse(readFileSync(path, 'utf8')) as StoreData;
    expect(snapshot.dedup.one).toBeUndefined();
    const doc = await readStoreDocument<StoreData>(path);
    expect(doc?.dedup).toMatchObject({ one: 'x', two: 'y' });
    await store.close();
    expect(readFileSync(`${path}.journal`, 'utf8')).toBe('');
    expect((JSON.parse(readFileSync(path, 'utf8')) as StoreData).dedup).toMatchObject({ one: 'x', two: 'y' });
  });

  it('ignores a torn last line, which was never acknowledged, and folds the rest into a snapshot', async () => {
    const path = tmp().file('store.json');
    const store = new LowdbStore({ path });
    await store.open();
    await store.commit((d) => void (d.dedup.kept = 'x'));
    appendFileSync(`${path}.journal`, '{"set":{"dedup":{"torn"');
    const reopened = new LowdbStore({ path: `${path}` });
    await reopened.open(); // same pid: the lock is taken over as stale
    expect(reopened.data.dedup.kept).toBe('x');
    expect(reopened.data.dedup.torn).toBeUndefined();
    await reopened.commit((d) => void (d.dedup.after = 'y'));
    await reopened.close();
    const doc = await readStoreDocument<StoreData>(path);
    expect(doc?.dedup).toMatchObject({ kept: 'x', after: 'y' });
  });

  it('refuses a journal with a corrupt line in the middle and changes neither file', async () => {
    const path = tmp().file('store.json');
    writeFileSync(path, JSON.stringify(emptyStoreData()));
    writeFileSync(`${path}.journal`, 'not json\n{"put":{"lastSeq":1}}\n');
    const before = [readFileSync(path, 'utf8'), readFileSync(`${path}.journal`, 'utf8')];
    const store = new LowdbStore({ path });
    await expect(store.open()).rejects.toBeInstanceOf(StoreCorruptError);
    expect([readFileSync(path, 'utf8'), readFileSync(`${path}.journal`, 'utf8')]).toEqual(before);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('writes a new snapshot and empties the journal after the configured number of entries', async () => {
    const path = tmp().file('store.json');
    const adapter = new DurableJsonFile<Record<string, unknown>>(path, { snapshotAfterEntries: 3 });
    const doc = { ...emptyStoreData() } as unknown as Record<string, unknown>;
    await adapter.read();
    await adapter.write(doc); // first write: the snapshot
    for (let i = 0; i < 3; i++) {
      (doc.dedup as Record<string, string>)[`k${i}`] = 'v';
      await adapter.write(doc);
    }
    expect(readFileSync(`${path}.journal`, 'utf8').trim().split('\n')).toHaveLength(3);
    (doc.dedup as Record<string, string>).k3 = 'v';
    await adapter.write(doc);
    expect(readFileSync(`${path}.journal`, 'utf8')).toBe('');
    expect(Object.keys((JSON.parse(readFileSync(path, 'utf8')) as StoreData).dedup)).toEqual(['k0', 'k1', 'k2', 'k3']);
    await adapter.close();
  });
});

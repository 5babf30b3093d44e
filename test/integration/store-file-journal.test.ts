// The file engine's journal and snapshots on real files: one durable line per group commit, replay after a
// crash (a store abandoned without close), a torn last line cut off, corrupt lines refused, snapshots that
// hold exactly what was committed.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore } from '../../src/store/file/file-store.js';
import { StoreCorruptError } from '../../src/store/file/errors.js';
import { parseJournal } from '../../src/store/file/journal-lines.js';
import { useTempDir } from '../helpers/tmp.js';
import { incident } from '../helpers/store-conformance.js';

const FAR = '2100-01-01T00:00:00.000Z';

function journalLines(path: string): unknown[][][] {
  return parseJournal(readFileSync(`${path}.journal`), `${path}.journal`).lines;
}

function snapshotOf(path: string): { dedup: Array<[string, string]>; meta: Array<[string, unknown]>; schemaVersion: number } {
  return JSON.parse(readFileSync(path, 'utf8')) as never;
}

async function opened(path: string, extra: Partial<ConstructorParameters<typeof FileStore>[0]> = {}): Promise<FileStore> {
  const store = new FileStore({ path, ...extra });
  await store.open();
  return store;
}

const abandoned: FileStore[] = [];

/**
 * What a crash leaves: the store is dropped without close (no final snapshot, the lock left behind) and a
 * new one opens the same files. The dropped ones' journal handles are closed after the test.
 */
async function afterCrash(path: string, dropped: FileStore): Promise<FileStore> {
  abandoned.push(dropped);
  return opened(path);
}

afterEach(async () => {
  for (const s of abandoned.splice(0)) await (s as unknown as { journal: { close(): Promise<void> } }).journal.close();
});

describe('the file engine journal', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('appends one line per group commit and has each commit in the journal when it resolves', async () => {
    const path = tmp().file('store.json');
    const store = await opened(path);
    const notOnDisk: string[] = [];
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.transaction((u) => u.dedup.claim(`k-${i}`, FAR)).then(() => {
      // Read the file the moment the promise resolves: the commit must already be there.
      if (!readFileSync(`${path}.journal`, 'utf8').includes(`"k-${i}"`)) notOnDisk.push(`k-${i}`);
    })));
    expect(notOnDisk).toEqual([]);
    const lines = journalLines(path);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThan(100);
    expect(lines.flat()).toHaveLength(300);
    await store.close();
  });

  it('replays the journal over the snapshot after a crash', async () => {
    const path = tmp().file('store.json');
    const store = await opened(path);
    await store.transaction(async (u) => {
      await u.dedup.claim('one', FAR);
      u.incidents.put(incident(await u.incidents.nextId()));
    });
    await store.transaction((u) => u.meta.put('two', { n: 2 }));
    expect(snapshotOf(path).dedup).toEqual([]);
    const again = await afterCrash(path, store);
    expect(await again.read.dedup.has('one')).toBe(true);
    expect(await again.read.meta.get('two')).toEqual({ n: 2 });
    expect((await again.read.incidents.openFor('srv-1', 'backup'))?.id).toBe('INC-000001');
    await again.close();
    // A clean close folds everything into the snapshot and leaves the journal empty.
    expect(readFileSync(`${path}.journal`, 'utf8')).toBe('');
    expect(snapshotOf(path).dedup.map(([k]) => k)).toEqual(['one']);
  });

  it('cuts off a torn last line, which was never acknowledged, and appends the next line after it rather than onto it', async () => {
    const path = tmp().file('store.json');
    const store = await opened(path);
    await store.transaction((u) => u.dedup.claim('kept', FAR));
    appendFileSync(`${path}.journal`, '[["dedup.put","torn","2100-01-01T00:00');
    const again = await afterCrash(path, store);
    expect(await again.read.dedup.has('kept')).toBe(true);
    expect(await again.read.dedup.has('torn')).toBe(false);
    expect(readFileSync(`${path}.journal`, 'utf8').endsWith('\n')).toBe(true);
    await again.transaction((u) => u.dedup.claim('after', FAR));
    expect(journalLines(path).flat().map((op) => op[1])).toEqual(['kept', 'after']);
    const third = await afterCrash(path, again);
    expect(await third.read.dedup.has('after')).toBe(true);
    await third.close();
  });

  for (const [what, line] of [
    ['text that is not JSON', 'not json'],
    ['null', 'null'],
    ['an object (a schema-1 delta)', '{"set":{"dedup":{"a":"b"}}}'],
    ['an op without its record', '[["incident.put",null]]'],
    ['an op with an unknown tag', '[["drop.table","incidents"]]'],
  ]) {
    it(`refuses a complete journal line holding ${what}, names the journal and changes neither file`, async () => {
      const path = tmp().file('store.json');
      const store = await opened(path);
      await store.transaction((u) => u.dedup.claim('kept', FAR));
      abandoned.push(store);
      appendFileSync(`${path}.journal`, `${line}\n[["dedup.put","later","${FAR}"]]\n`);
      const before = [readFileSync(path), readFileSync(`${path}.journal`)];
      const err = await new FileStore({ path }).open().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(StoreCorruptError);
      expect(err).toMatchObject({ code: 'store_corrupt', file: `${path}.journal` });
      expect((err as Error).message).toMatch(/journal line 2 /);
      expect([readFileSync(path), readFileSync(`${path}.journal`)]).toEqual(before);
      // The refused store released the lock it took (the first store's lock was taken over: same process).
      expect(existsSync(`${path}.lock`)).toBe(false);
    });
  }
});

describe('file engine snapshots', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('writes a snapshot and empties the journal once it holds the configured number of lines', async () => {
    const path = tmp().file('store.json');
    let snapshots = 0;
    const store = await opened(path, { snapshotAfterEntries: 3, onSnapshot: () => void (snapshots += 1) });
    snapshots = 0;
    for (let i = 0; i < 3; i++) await store.transaction((u) => u.dedup.claim(`k${i}`, FAR));
    expect(journalLines(path)).toHaveLength(3);
    expect(snapshots).toBe(0);
    await store.transaction((u) => u.dedup.claim('k3', FAR));
    expect(snapshots).toBe(1);
    expect(readFileSync(`${path}.journal`, 'utf8')).toBe('');
    expect(snapshotOf(path).dedup.map(([k]) => k)).toEqual(['k0', 'k1', 'k2', 'k3']);
    await store.close();
  });

  it('writes a snapshot once the journal holds the configured number of bytes', async () => {
    const path = tmp().file('store.json');
    const store = await opened(path, { snapshotAfterBytes: 2_000 });
    for (let i = 0; i < 40; i++) await store.transaction((u) => u.meta.put(`m${i}`, 'x'.repeat(100)));
    expect(readFileSync(`${path}.journal`).length).toBeLessThan(2_000 + 200);
    expect(snapshotOf(path).meta.length).toBeGreaterThan(10);
    const again = await afterCrash(path, store);
    expect(await again.read.meta.get('m39')).toBe('x'.repeat(100));
    await again.close();
  });

  it('never puts the writes of a unit of work still running into a snapshot', async () => {
    const path = tmp().file('store.json');
    const store = await opened(path, { snapshotAfterEntries: 2 });
    // One line in the journal: c1's batch is appended without a snapshot, the batch after it takes one.
    await store.transaction((u) => u.meta.put('c0', 0));
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    const c1 = store.transaction((u) => u.meta.put('c1', 1));
    const c2 = store.transaction((u) => u.meta.put('c2', 2));
    // Writes, then waits half-way while the batches above are written, then throws.
    const halfway = store.transaction(async (u) => {
      u.meta.put('halfway', true);
      await gate;
      throw new Error('boom');
    });
    const thrown = expect(halfway).rejects.toThrow('boom');
    // c2's batch is due for a snapshot: it waits for the unit half-way, which goes on a little later.
    setTimeout(openGate, 30);
    await c1;
    await thrown;
    await c2;
    const meta = new Map(snapshotOf(path).meta);
    expect(meta.has('c2') || journalLines(path).flat().some((op) => op[1] === 'c2')).toBe(true);
    expect(meta.has('halfway')).toBe(false);
    const again = await afterCrash(path, store);
    expect(await again.read.meta.get('halfway')).toBeUndefined();
    expect(await again.read.meta.get('c2')).toBe(2);
    await again.close();
  });

  it('keeps every commit acknowledged while snapshots are being written', async () => {
    const path = tmp().file('store.json');
    let snapshots = 0;
    const store = await opened(path, { snapshotAfterEntries: 2, onSnapshot: () => void (snapshots += 1) });
    const acked: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < 600) {
        const key = `k-${next++}`;
        await store.transaction(async (u) => {
          await u.dedup.claim(key, FAR);
          u.events.append({ type: 'component.changed', data: { key } });
        });
        acked.push(key);
      }
    }));
    expect(snapshots).toBeGreaterThan(5);
    const again = await afterCrash(path, store);
    const missing: string[] = [];
    for (const key of acked) if (!(await again.read.dedup.has(key))) missing.push(key);
    expect(missing).toEqual([]);
    expect(await again.read.events.latestSeq()).toBe(600);
    await again.close();
  });

  it('serialises a snapshot exactly as JSON.stringify would, with records cached between snapshots', async () => {
    const path = tmp().file('store.json');
    const store = await opened(path, { snapshotAfterEntries: 1 });
    await store.transaction((u) => {
      u.incidents.put(incident('INC-000001', { title: 'quote " and \u2028 and é' }));
      u.meta.put('__proto__', { nested: [1, null, 'x'] });
    });
    await store.transaction((u) => u.incidents.put(incident('INC-000002')));
    await store.transaction((u) => u.meta.put('k', 1));
    const text = readFileSync(path, 'utf8');
    expect(JSON.stringify(JSON.parse(text))).toBe(text);
    const doc = JSON.parse(text) as { incidents: Array<{ title: string }>; meta: Array<[string, unknown]> };
    expect(doc.incidents.map((i) => i.title)).toEqual(['quote " and \u2028 and é', 'incident INC-000002']);
    expect(doc.meta).toContainEqual(['__proto__', { nested: [1, null, 'x'] }]);
    await store.close();
  });
});

describe('file engine writes that fail', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('keeps the journal whole when a snapshot cannot be written, and acknowledges the commits it holds', async () => {
    const path = tmp().file('store.json');
    const errors: unknown[] = [];
    const store = await opened(path, { snapshotAfterEntries: 1, snapshotRetryMs: 0, onSnapshotError: (e) => void errors.push(e) });
    await store.transaction((u) => u.meta.put('a', 1));
    // A folder where the temp file should go: the snapshot cannot be written.
    mkdirSync(tmp().file('.store.json.tmp'));
    await store.transaction((u) => u.meta.put('b', 2));
    expect(errors).toHaveLength(1);
    expect(store.healthy).toBe(true);
    expect(journalLines(path).flat().map((op) => op[1])).toEqual(['a', 'b']);
    const again = await afterCrash(path, store);
    expect(await again.read.meta.get('b')).toBe(2);
    await again.close();
  });
});

describe('file engine journal size', () => {
  it('journals one retry of one item of a 2,000-item outbox in under 4 KB', async () => {
    const { journalBytesPerOutboxRetry } = await import('../bench/store-outbox-retry.js');
    const bytes = await journalBytesPerOutboxRetry(2_000);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(4096);
  });
});

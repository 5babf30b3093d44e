// What the store does with the file it finds at start-up: a damaged file is refused and never
// rewritten, a newer schema is refused, an older one is migrated.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreCorruptError } from '../../src/store/durable-file-adapter.js';
import { LowdbStore } from '../../src/store/lowdb-store.js';
import { StoreVersionError } from '../../src/store/migrations.js';
import { SCHEMA_VERSION, type StoreData } from '../../src/store/types.js';
import { sha256File, useTempDir } from '../helpers/tmp.js';

async function openFails(path: string): Promise<unknown> {
  const store = new LowdbStore({ path });
  return store.open().then(
    async () => {
      await store.close();
      return null;
    },
    (err: unknown) => err,
  );
}

async function writeValidStore(path: string): Promise<string> {
  const store = new LowdbStore({ path });
  await store.open();
  await store.commit((d) => {
    for (let i = 0; i < 50; i++) d.dedup[`k-${i}`] = 'x'.repeat(40);
  });
  await store.close();
  return readFileSync(path, 'utf8');
}

describe('the store file at start-up', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('refuses a truncated file, names it, leaves it byte-for-byte unchanged and releases the lock', async () => {
    const path = tmp().file('store.json');
    const text = await writeValidStore(path);
    writeFileSync(path, text.slice(0, Math.floor(text.length / 2)));
    const before = sha256File(path);

    const err = await openFails(path);
    expect(err).toBeInstanceOf(StoreCorruptError);
    expect(err).toMatchObject({ code: 'store_corrupt', file: path });
    expect((err as Error).message).toMatch(/not valid JSON/);
    expect(sha256File(path)).toBe(before);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('refuses an empty file and leaves it as it was', async () => {
    const path = tmp().write('store.json', '');
    const err = await openFails(path);
    expect(err).toBeInstanceOf(StoreCorruptError);
    expect((err as Error).message).toContain('empty');
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('refuses a file written by a newer escalatord and leaves it as it was', async () => {
    const path = tmp().file('store.json');
    await writeValidStore(path);
    const doc = JSON.parse(readFileSync(path, 'utf8')) as StoreData;
    writeFileSync(path, JSON.stringify({ ...doc, schemaVersion: SCHEMA_VERSION + 1 }));
    const before = sha256File(path);

    const err = await openFails(path);
    expect(err).toBeInstanceOf(StoreVersionError);
    expect((err as Error).message).toContain(`schema ${SCHEMA_VERSION + 1}`);
    expect(sha256File(path)).toBe(before);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('migrates a file without schemaVersion, keeping its data and filling what it lacks', async () => {
    const path = tmp().write('store.json', JSON.stringify({ dedup: { 'wh-old': '2025-01-01T00:00:00.000Z' }, lastSeq: 7 }));
    const store = new LowdbStore({ path });
    await store.open();
    expect(store.data.schemaVersion).toBe(SCHEMA_VERSION);
    expect(store.data.dedup).toEqual({ 'wh-old': '2025-01-01T00:00:00.000Z' });
    expect(store.data.lastSeq).toBe(7);
    expect(store.data.incidents).toEqual({});
    expect(store.data.counters).toEqual({ incident: 0, outbox: 0 });
    await store.close();
    // The migration is written back at once, not on the first later commit.
    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as StoreData;
    expect(onDisk.schemaVersion).toBe(SCHEMA_VERSION);
    expect(onDisk.dedup['wh-old']).toBe('2025-01-01T00:00:00.000Z');
  });

  it('creates the file and its folder when neither exists', async () => {
    const path = tmp().file('nested/deeper/store.json');
    const store = new LowdbStore({ path });
    await store.open();
    await store.close();
    expect((JSON.parse(readFileSync(path, 'utf8')) as StoreData).schemaVersion).toBe(SCHEMA_VERSION);
  });
});

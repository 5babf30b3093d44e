// What the file engine does with the files it finds at start-up: a damaged or newer snapshot, or a journal
// without its snapshot, is refused and never rewritten; a schema-1 store (with its journal of deltas) is
// migrated and written back as schema 2; a store held by another process is refused.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore } from '../../src/store/file/file-store.js';
import { StoreCorruptError, StoreVersionError } from '../../src/store/file/errors.js';
import { REPO_ROOT } from '../helpers/daemon-process.js';
import { sha256File, useTempDir } from '../helpers/tmp.js';

async function openFails(path: string): Promise<unknown> {
  const store = new FileStore({ path });
  return store.open().then(
    async () => {
      await store.close();
      return null;
    },
    (err: unknown) => err,
  );
}

async function writeValidStore(path: string): Promise<string> {
  const store = new FileStore({ path });
  await store.open();
  await store.transaction(async (u) => {
    for (let i = 0; i < 50; i++) await u.dedup.claim(`k-${i}`, '2100-01-01T00:00:00.000Z');
  });
  await store.close();
  return readFileSync(path, 'utf8');
}

describe('the file engine at start-up', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('creates the snapshot, an empty journal and their folder when none exists', async () => {
    const path = tmp().file('nested/deeper/store.json');
    const store = new FileStore({ path });
    await store.open();
    expect(existsSync(`${path}.lock`)).toBe(true);
    await store.close();
    expect((JSON.parse(readFileSync(path, 'utf8')) as { schemaVersion: number }).schemaVersion).toBe(2);
    expect(readFileSync(`${path}.journal`, 'utf8')).toBe('');
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('refuses a truncated snapshot, names it, leaves it byte for byte and releases the lock', async () => {
    const path = tmp().file('store.json');
    const text = await writeValidStore(path);
    writeFileSync(path, text.slice(0, Math.floor(text.length / 2)));
    const before = sha256File(path);
    const err = await openFails(path);
    expect(err).toBeInstanceOf(StoreCorruptError);
    expect(err).toMatchObject({ code: 'store_corrupt', file: path });
    expect((err as Error).message).toMatch(/not valid JSON/);
    expect((err as Error).message).toContain(path);
    expect(sha256File(path)).toBe(before);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('refuses an empty snapshot and leaves it as it was', async () => {
    const path = tmp().write('store.json', '');
    const err = await openFails(path);
    expect(err).toBeInstanceOf(StoreCorruptError);
    expect((err as Error).message).toContain('empty');
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  for (const [what, text] of [['null', 'null'], ['an array', '[]'], ['a schema-2 document without its incidents', '{"schemaVersion":2}']]) {
    it(`refuses a snapshot holding ${what}`, async () => {
      const path = tmp().write('store.json', text);
      const err = await openFails(path);
      expect(err).toBeInstanceOf(StoreCorruptError);
      expect(readFileSync(path, 'utf8')).toBe(text);
    });
  }

  it('refuses a snapshot written by a newer escalatord and leaves it as it was', async () => {
    const path = tmp().file('store.json');
    await writeValidStore(path);
    const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...doc, schemaVersion: 3 }));
    const before = sha256File(path);
    const err = await openFails(path);
    expect(err).toBeInstanceOf(StoreVersionError);
    expect(err).toMatchObject({ code: 'store_version', file: path, version: 3 });
    expect((err as Error).message).toContain('schema 3');
    expect(sha256File(path)).toBe(before);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('refuses a journal whose snapshot is missing, and leaves the journal as it was', async () => {
    const path = tmp().file('store.json');
    const journal = tmp().write('store.json.journal', '[["dedup.put","k","2100-01-01T00:00:00.000Z"]]\n');
    const err = await openFails(path);
    expect(err).toBeInstanceOf(StoreCorruptError);
    expect((err as Error).message).toMatch(/missing, but its journal .* holds 47 bytes/);
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(journal, 'utf8')).toBe('[["dedup.put","k","2100-01-01T00:00:00.000Z"]]\n');
  });

  it('starts on an empty journal without a snapshot as a new store', async () => {
    const path = tmp().file('store.json');
    tmp().write('store.json.journal', '');
    const store = new FileStore({ path });
    await store.open();
    expect(await store.read.incidents.count()).toBe(0);
    await store.close();
  });
});

describe('the file engine on a schema-1 store', () => {
  const tmp = useTempDir(beforeEach, afterEach);
  const T0 = '2026-11-25T10:00:00.000Z';
  const incidentV1 = (id: string, extra: Record<string, unknown> = {}) => ({
    id, type: 'fault', title: id, serverId: 'srv-1', customerId: 'acme', component: 'backup', componentKind: 'software', source: 'console',
    priority: 'P2', level: 3, status: 'open', createdAt: T0, updatedAt: T0, acknowledgedAt: null, resolvedAt: null, detectedAt: T0,
    reporter: null, symptoms: [], requestType: null, diagnostics: null, ticket: null, sla: null, management: { step: 1, history: [] },
    rootCause: null, recoveredAt: null, lastProgressAt: null, timeline: [], ...extra,
  });
  const schema1 = () => ({
    schemaVersion: 1,
    servers: { 'srv-1': { id: 'srv-1', name: 'one', customerId: 'acme', reachable: true, reachableSince: T0, observedAt: T0, components: {} } },
    incidents: {
      'INC-000001': incidentV1('INC-000001', { status: 'resolved', resolvedAt: T0, ticket: { adapter: 'generic', id: 'T-1', url: null, state: 'resolved' } }),
      'INC-000002': incidentV1('INC-000002'),
    },
    openIndex: { 'srv-1/backup': 'INC-000002' },
    outbox: [
      { id: 'ob-4', kind: 'ticket.create', incidentId: 'INC-000002', payload: {}, attempts: 2, nextAttemptAt: T0, createdAt: T0, lastError: 'timeout' },
      { id: 'ob-5', kind: 'diagnostics.fetch', incidentId: 'INC-000002', payload: { reason: 'x' }, attempts: 0, nextAttemptAt: T0, createdAt: T0 },
      { id: 'ob-7', kind: 'ticket.comment', incidentId: 'INC-000002', payload: { body: 'hi' }, attempts: 0, nextAttemptAt: T0, createdAt: T0 },
    ],
    deadLetters: [{ id: 'ob-1', kind: 'notify', incidentId: 'INC-000001', payload: {}, attempts: 3, nextAttemptAt: T0, createdAt: T0, failedAt: T0, reason: 'client-error: 400' }],
    ticketIndex: { 'T-1': 'INC-000001' },
    events: [{ seq: 8, at: T0, type: 'incident.created', data: { incidentId: 'INC-000002' } }],
    lastSeq: 8,
    dedup: { 'wh-late': '2026-11-25T09:30:00.000Z', 'wh-early': '2026-11-25T09:00:00.000Z' },
    maintenance: [{ id: 'mw-1', serverId: 'srv-1', customerId: null, component: null, startsAt: T0, endsAt: '2026-11-26T10:00:00.000Z', reason: 'patch', createdBy: 'l2', createdAt: T0 }],
    counters: { incident: 2, outbox: 7 },
    meta: { consoles: { sim: { up: true } } },
  });

  it('migrates it to schema 2, writes it back at once and keeps every record', async () => {
    const path = tmp().write('store.json', JSON.stringify(schema1()));
    const store = new FileStore({ path, dedupRetentionMs: 3_600_000 });
    await store.open();
    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as { schemaVersion: number; dedup: unknown };
    expect(onDisk.schemaVersion).toBe(2);
    // Dedup keys now hold when they expire (first seen + retention), in expiry order.
    expect(onDisk.dedup).toEqual([['wh-early', '2026-11-25T10:00:00.000Z'], ['wh-late', '2026-11-25T10:30:00.000Z']]);
    expect((await store.read.servers.get('srv-1'))?.name).toBe('one');
    expect((await store.read.incidents.openFor('srv-1', 'backup'))?.id).toBe('INC-000002');
    expect((await store.read.incidents.byTicket('T-1'))?.id).toBe('INC-000001');
    expect((await store.read.incidents.resolvedBefore('2027-01-01T00:00:00.000Z', 10)).map((i) => i.id)).toEqual(['INC-000001']);
    // The outbox gains lanes: the diagnostics fetch no longer waits behind the ticket's creation.
    expect((await store.read.outbox.due('2026-11-25T10:00:00.000Z', 10)).map((o) => o.id)).toEqual(['ob-4', 'ob-5']);
    expect((await store.read.outbox.forIncident('INC-000002')).map((o) => [o.id, o.lane, o.attempts])).toEqual([
      ['ob-4', 'INC-000002', 2], ['ob-5', 'INC-000002#diagnostics', 0], ['ob-7', 'INC-000002', 0],
    ]);
    expect((await store.read.outbox.deadLetters(10)).map((d) => d.id)).toEqual(['ob-1']);
    expect(await store.read.events.latestSeq()).toBe(8);
    expect((await store.read.events.since(7, 10))?.map((e) => e.type)).toEqual(['incident.created']);
    expect((await store.read.maintenance.list()).map((w) => w.id)).toEqual(['mw-1']);
    expect(await store.read.meta.get('consoles')).toEqual({ sim: { up: true } });
    // Ids keep counting where schema 1 left off.
    const [incidentId, outboxId] = await store.transaction(async (u) => [await u.incidents.nextId(), u.outbox.add({ kind: 'notify', incidentId: 'INC-000003', payload: {}, nextAttemptAt: T0 }).id]);
    expect([incidentId, outboxId]).toEqual(['INC-000003', 'ob-8']);
    const expired = await store.housekeeping(new Date('2026-11-25T10:15:00.000Z'), { keepEvents: 100, auditBefore: T0, limit: 100 });
    expect(expired.dedupExpired).toBe(1);
    await store.close();
  });

  it('folds the schema-1 journal of deltas in before migrating, dropping its torn last line', async () => {
    const path = tmp().write('store.json', JSON.stringify(schema1()));
    tmp().write('store.json.journal', [
      JSON.stringify({ set: { dedup: { 'wh-journal': '2026-11-25T09:45:00.000Z' }, incidents: { 'INC-000003': incidentV1('INC-000003', { component: 'email' }) } } }),
      JSON.stringify({ del: { dedup: ['wh-late'] }, events: [{ seq: 9, at: T0, type: 'incident.created', data: { incidentId: 'INC-000003' } }], put: { lastSeq: 9, counters: { incident: 3, outbox: 7 } } }),
      '{"set":{"dedup":{"wh-torn"',
    ].join('\n'));
    const store = new FileStore({ path });
    await store.open();
    expect(await store.read.dedup.has('wh-journal')).toBe(true);
    expect(await store.read.dedup.has('wh-late')).toBe(false);
    expect(await store.read.dedup.has('wh-torn')).toBe(false);
    expect((await store.read.incidents.openFor('srv-1', 'email'))?.id).toBe('INC-000003');
    expect(await store.read.events.latestSeq()).toBe(9);
    expect(readFileSync(`${path}.journal`, 'utf8')).toBe('');
    expect(await store.transaction((u) => u.incidents.nextId())).toBe('INC-000004');
    await store.close();
    const again = new FileStore({ path });
    await again.open();
    expect(await again.read.dedup.has('wh-journal')).toBe(true);
    await again.close();
  });

  it('migrates a document without a schemaVersion, filling what it lacks', async () => {
    const path = tmp().write('store.json', JSON.stringify({ dedup: { 'wh-old': '2025-01-01T00:00:00.000Z' }, lastSeq: 7 }));
    const store = new FileStore({ path });
    await store.open();
    expect(await store.read.dedup.has('wh-old')).toBe(true);
    expect(await store.read.events.latestSeq()).toBe(7);
    expect(await store.read.incidents.count()).toBe(0);
    await store.close();
    expect((JSON.parse(readFileSync(path, 'utf8')) as { schemaVersion: number }).schemaVersion).toBe(2);
  });

  it('refuses a schema-1 document whose collections have the wrong shape, and leaves it as it was', async () => {
    const text = JSON.stringify({ ...schema1(), outbox: { not: 'an array' } });
    const path = tmp().write('store.json', text);
    const err = await openFails(path);
    expect(err).toBeInstanceOf(StoreCorruptError);
    expect((err as Error).message).toContain('outbox');
    expect(readFileSync(path, 'utf8')).toBe(text);
  });
});

describe('the file engine lock', () => {
  const tmp = useTempDir(beforeEach, afterEach);
  let holder: ChildProcess | undefined;
  afterEach(() => {
    holder?.kill('SIGKILL');
    holder = undefined;
  });

  it('refuses a store another process has open, and leaves its files and its lock alone', async () => {
    const path = tmp().file('store.json');
    await writeValidStore(path);
    holder = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/file-store-child.ts', path, 'hold'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolveOpen, reject) => {
      holder!.stdout!.setEncoding('utf8').on('data', (s: string) => s.startsWith('open ') && resolveOpen());
      holder!.once('exit', () => reject(new Error('the holder exited')));
    });
    const before = [sha256File(path), readFileSync(`${path}.lock`, 'utf8')];
    const second = new FileStore({ path });
    const err = await second.open().then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'store_locked' });
    expect((err as Error).message).toContain(String(holder.pid));
    expect([sha256File(path), readFileSync(`${path}.lock`, 'utf8')]).toEqual(before);
    await expect(second.transaction(() => 1)).rejects.toMatchObject({ code: 'store_unavailable' });
    await second.close();
    expect(existsSync(`${path}.lock`)).toBe(true);
  });

  it('takes over a lock left by a process that is gone, or holding no pid at all', async () => {
    const path = tmp().file('store.json');
    const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((r) => gone.once('close', r));
    for (const content of [String(gone.pid), 'not a pid\n', '']) {
      writeFileSync(`${path}.lock`, content);
      const store = new FileStore({ path });
      await store.open();
      expect(readFileSync(`${path}.lock`, 'utf8')).toContain(String(process.pid));
      await store.close();
      expect(existsSync(`${path}.lock`)).toBe(false);
    }
  });

  it('refuses units of work before open and after close, and closes twice without complaint', async () => {
    const path = tmp().file('store.json');
    const store = new FileStore({ path });
    await expect(store.transaction(() => 1)).rejects.toMatchObject({ code: 'store_unavailable' });
    await store.open();
    await store.open();
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
    await expect(store.transaction(() => 1)).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});

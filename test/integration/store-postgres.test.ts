// The postgres engine against a real PostgreSQL server: the conformance suite every engine passes, then
// what only a shared database adds — several stores (instances) on one database, a lost connection,
// migrations raced by instances starting together, and expiry by index.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/domain/types.js';
import { StoreUnavailableError, type UnitOfWork } from '../../src/store/port.js';
import { MIGRATIONS, SchemaTooNewError } from '../../src/store/postgres/migrations.js';
import { LOCKS } from '../../src/store/postgres/locks.js';
import { EVENTS_CHANNEL } from '../../src/store/postgres/sequencer.js';
import { HOUSEKEEPING_SQL, PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { waitFor } from '../helpers/net.js';
import { createTestDatabase, findPostgres, type TestDatabase } from '../helpers/postgres.js';
import { describeStoreConformance, incident, server } from '../helpers/store-conformance.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const pg = await findPostgres();
const T0 = '2026-11-25T10:00:00.000Z';

describe.skipIf(!pg.available)('postgres engine', () => {
  describeStoreConformance('postgres engine', async () => {
    const db = await createTestDatabase();
    return {
      store: new PostgresStore({ url: db.url }),
      reopen: () => new PostgresStore({ url: db.url }),
      cleanup: () => db.drop(),
    };
  });

  describe('on a database several instances share', () => {
    let db: TestDatabase;
    const stores: PostgresStore[] = [];
    const open = async (opts: Partial<ConstructorParameters<typeof PostgresStore>[0]> = {}) => {
      const s = new PostgresStore({ url: db.url, ...opts });
      stores.push(s);
      await s.open();
      return s;
    };
    beforeEach(async () => {
      db = await createTestDatabase();
    });
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
      await db.drop();
    });

    it('opens one incident when one failure reaches two instances at once', async () => {
      const [a, b] = [await open(), await open()];
      const report = (u: UnitOfWork) => async () => {
        const srv = await u.servers.get('srv-1');
        u.servers.put(server('srv-1', 'acme', { observedAt: new Date().toISOString(), name: srv ? 'seen' : 'new' }));
        if (await u.incidents.openFor('srv-1', 'backup')) return 'existing';
        const id = await u.incidents.nextId();
        u.incidents.put(incident(id));
        u.events.append({ type: 'incident.created', data: { incidentId: id } });
        return 'created';
      };
      const outcomes = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? a : b).transaction((u) => report(u)())));
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
      expect((await a.read.incidents.open()).map((i) => i.serverId)).toEqual(['srv-1']);
      expect((await b.read.events.since(0, 100))?.map((e) => e.type)).toEqual(['incident.created']);
    });

    it('backs the open-incident key with a constraint, so a unit that skipped the read cannot open a second', async () => {
      const a = await open({ maxAttempts: 2 });
      await a.transaction((u) => u.incidents.put(incident('INC-000001')));
      const second = a.transaction((u) => u.incidents.put(incident('INC-000002')));
      await expect(second).rejects.toMatchObject({ code: '23P01', constraint: 'incidents_open_key' });
      expect(await a.read.incidents.count()).toBe(1);
    });

    it('runs a unit again when PostgreSQL breaks a deadlock between two instances, and both land', async () => {
      const [a, b] = [await open(), await open()];
      await a.transaction((u) => {
        u.incidents.put(incident('INC-000001', { component: 'x' }));
        u.incidents.put(incident('INC-000002', { component: 'y' }));
      });
      let runs = 0;
      let arrived = 0;
      let release!: () => void;
      const bothHoldOne = new Promise<void>((r) => (release = r));
      // Each unit locks one incident, waits until the other holds the other one, then asks for it.
      const crossing = (first: string, second: string) => async (u: UnitOfWork) => {
        runs++;
        const one = await u.incidents.get(first);
        if (runs <= 2 && ++arrived === 2) release();
        if (runs <= 2) await bothHoldOne;
        const two = await u.incidents.get(second);
        u.incidents.put({ ...one!, title: `${one!.title} +` });
        u.incidents.put({ ...two!, title: `${two!.title} +` });
      };
      await Promise.all([a.transaction(crossing('INC-000001', 'INC-000002')), b.transaction(crossing('INC-000002', 'INC-000001'))]);
      // Two first runs, and at least one more for the unit PostgreSQL chose to abort.
      expect(runs).toBeGreaterThanOrEqual(3);
      expect((await a.read.incidents.get('INC-000001'))?.title).toBe('incident INC-000001 + +');
      expect((await a.read.incidents.get('INC-000002'))?.title).toBe('incident INC-000002 + +');
    });

    it('delivers every event to the listeners of every instance, in one order', async () => {
      const [a, b, c] = [await open(), await open(), await open()];
      const heard = new Map<PostgresStore, number[]>([[a, []], [b, []], [c, []]]);
      for (const [s, list] of heard) s.onEvents((events: LoggedEvent[]) => list.push(...events.map((e) => e.seq)));
      const writers = [a, b, c];
      await Promise.all(Array.from({ length: 30 }, (_, i) => writers[i % 3].transaction((u) => {
        u.events.append({ type: 'component.changed', data: { i } });
        if (i % 5 === 0) u.events.append({ type: 'component.changed', data: { i, extra: true } });
      })));
      const all = Array.from({ length: 36 }, (_, i) => i + 1);
      for (const [, list] of heard) await waitFor(() => list.length >= 36, { what: 'every event on every instance' });
      for (const [, list] of heard) expect(list).toEqual(all);
    });

    it('hands out its reader before it opens; the reader answers once the store is open', async () => {
      const s = new PostgresStore({ url: db.url });
      stores.push(s);
      const read = s.read;
      await expect(read.servers.count()).rejects.toBeInstanceOf(StoreUnavailableError);
      await s.open();
      expect(await read.servers.count()).toBe(0);
    });

    it('numbers events that a unit committed but whose instance died before numbering them', async () => {
      const a = await open({ pollMs: 100 });
      const heard: LoggedEvent[] = [];
      a.onEvents((events) => heard.push(...events));
      // What a unit leaves behind when its process is killed between its COMMIT and the sequencing pass.
      await db.query(`INSERT INTO log_queue (unit, ord, kind, body) VALUES
        (nextval('log_unit'), 1, 'event', '{"type":"console.down","data":{"console":"main"},"at":"${T0}"}'),
        (currval('log_unit'), 2, 'audit', '{"at":"${T0}","incidentId":"INC-000001","actor":{"kind":"system","name":"x"},"action":"noted"}')`);
      await waitFor(() => heard.length === 1, { what: 'the orphaned event to be numbered and heard' });
      expect(heard[0]).toMatchObject({ seq: 1, type: 'console.down', data: { console: 'main' }, at: T0 });
      expect((await a.read.audit.range({ since: T0, until: '2100-01-01T00:00:00.000Z', limit: 10 })).map((e) => e.action)).toEqual(['noted']);
      expect(await db.query('SELECT * FROM log_queue')).toEqual([]);
    });

    it('peeks at a server another instance rewrote as rewritten, and without waiting for a unit that holds its lock', async () => {
      const [a, b] = [await open(), await open()];
      await a.transaction((u) => u.servers.put(server('srv-1', 'acme', { name: 'one' })));
      const peekName = async (s: PostgresStore) => s.transaction(async (u) => (await u.servers.peekMany(['srv-1'])).get('srv-1')?.name);
      expect(await peekName(a)).toBe('one');
      await b.transaction((u) => u.servers.put(server('srv-1', 'acme', { name: 'two' })));
      expect(await peekName(a)).toBe('two');
      let release!: () => void;
      const holding = b.transaction(async (u) => {
        await u.servers.getMany(['srv-1']);
        await new Promise<void>((r) => (release = r));
        u.servers.put(server('srv-1', 'acme', { name: 'three' }));
      });
      await waitFor(() => release !== undefined, { what: 'b to hold the lock' });
      // While b holds the server's lock, a unit of a that would lock it waits; a peek does not.
      let locked = false;
      const locking = a.transaction((u) => u.servers.getMany(['srv-1'])).then(() => void (locked = true));
      expect(await peekName(a)).toBe('two');
      expect(locked).toBe(false);
      release();
      await Promise.all([holding, locking]);
      expect(await peekName(a)).toBe('three');
    });

    it('answers a server it wrote or read from what it holds until another instance rewrites it, also under the lock', async () => {
      const [a, b] = [await open(), await open()];
      const written = server('srv-1', 'acme', { name: 'one' });
      await a.transaction((u) => u.servers.put(written));
      // Not read back: the write told a which row version it made, and nothing has changed it since.
      expect((await a.transaction((u) => u.servers.peekMany(['srv-1']))).get('srv-1')).toBe(written);
      expect((await a.transaction((u) => u.servers.getMany(['srv-1']))).get('srv-1')).toBe(written);
      await b.transaction((u) => u.servers.put(server('srv-1', 'acme', { name: 'two' })));
      // The lock is taken before the version is compared: a read under it sees the rewrite.
      const locked = (await a.transaction((u) => u.servers.getMany(['srv-1']))).get('srv-1');
      expect(locked?.name).toBe('two');
      expect((await a.transaction((u) => u.servers.peekMany(['srv-1']))).get('srv-1')).toBe(locked);
    });

    it('reads a server back after a unit that wrote it rolled back, and one whose text the database changed', async () => {
      const a = await open();
      await a.transaction((u) => u.servers.put(server('srv-1', 'acme', { name: 'kept' })));
      await expect(a.transaction(async (u) => {
        u.servers.put(server('srv-1', 'acme', { name: 'rolled back' }));
        // A read sends the write (and learns its version) before the unit fails.
        expect((await u.servers.getMany(['srv-1'])).get('srv-1')?.name).toBe('rolled back');
        throw new Error('the unit fails');
      })).rejects.toThrow('the unit fails');
      expect((await a.transaction((u) => u.servers.peekMany(['srv-1']))).get('srv-1')?.name).toBe('kept');
      await a.transaction((u) => u.servers.put(server('srv-2', 'acme', { name: 'a\u0000b' })));
      expect((await a.transaction((u) => u.servers.getMany(['srv-2']))).get('srv-2')?.name).toBe('a\uFFFDb');
    });

    it('closes while units commit without reporting an error, and numbers what they committed', async () => {
      const errors: string[] = [];
      const a = await open({ onError: (err, what) => errors.push(`${what}: ${(err as Error).message}`) });
      const units = Array.from({ length: 40 }, (_, i) =>
        a.transaction((u) => u.events.append({ type: 'console.down', data: { console: `c${i}` } })).then(() => 'landed', () => 'refused'));
      await new Promise((r) => setTimeout(r, 5));
      await a.close();
      const outcomes = await Promise.all(units);
      expect(errors).toEqual([]);
      // What landed is numbered by the closing instance itself, not left for another one's sweep.
      expect(await db.query('SELECT * FROM log_queue')).toEqual([]);
      const numbered = await db.query<{ n: string }>('SELECT count(*) AS n FROM events');
      expect(Number(numbered[0].n)).toBe(outcomes.filter((o) => o === 'landed').length);
    });

    it('shows a write committed on one instance to a read on another at once', async () => {
      const [a, b] = [await open(), await open()];
      await a.transaction((u) => u.servers.put(server('srv-9', 'globex')));
      expect((await b.read.servers.get('srv-9'))?.customerId).toBe('globex');
    });

    it('does not commit the other writes of a unit that caught a failed statement', async () => {
      const a = await open();
      await expect(a.transaction(async (u) => {
        u.servers.put(server('srv-1'));
        await u.incidents.list({ limit: -1 }).catch(() => 'swallowed');
        u.servers.put(server('srv-2'));
      })).rejects.toThrow(/LIMIT/);
      expect(await a.read.servers.count()).toBe(0);
    });

    it('resolves one incident and opens the next on the same component in one unit, whatever the order of the writes', async () => {
      const a = await open();
      await a.transaction((u) => u.incidents.put(incident('INC-000001')));
      await a.transaction(async (u) => {
        u.incidents.put(incident('INC-000002'));
        u.incidents.put({ ...(await u.incidents.get('INC-000001'))!, status: 'resolved', resolvedAt: T0 });
      });
      // The read above sent the new incident before the resolution; this unit sends both in one batch.
      await a.transaction((u) => {
        u.incidents.put(incident('INC-000003'));
        u.incidents.put(incident('INC-000002', { status: 'resolved', resolvedAt: T0 }));
      });
      expect((await a.read.incidents.openFor('srv-1', 'backup'))?.id).toBe('INC-000003');
    });

    it('stores a string holding U+0000 with the replacement character instead of failing the commit', async () => {
      const a = await open();
      await a.transaction((u) => u.servers.put(server('srv\u00001', 'acme', { name: 'a\u0000b' })));
      expect((await a.read.servers.get('srv\u00001'))?.name).toBe('a\uFFFDb');
    });

    it('keeps the newest 1,000 dead letters', async () => {
      const a = await open();
      await a.transaction((u) => {
        for (let n = 0; n < 1005; n++) {
          u.outbox.deadLetter({
            id: `ob-${n}`, kind: 'notify', incidentId: 'INC-000001', lane: 'INC-000001', payload: {}, attempts: 1,
            nextAttemptAt: T0, createdAt: T0, failedAt: T0, reason: 'client-error',
          });
        }
      });
      const dead = await a.read.outbox.deadLetters(2000);
      expect(dead).toHaveLength(1000);
      expect([dead[0].id, dead[999].id]).toEqual(['ob-5', 'ob-1004']);
    });

    it('writes one row for one attempt on a large outbox', async () => {
      const a = await open();
      await a.transaction((u) => {
        for (let n = 0; n < 2000; n++) u.outbox.add({ kind: 'ticket.create', incidentId: `INC-${n}`, payload: { n }, nextAttemptAt: T0 });
      });
      const versions = async () => new Map((await db.query<{ id: string; xmin: string }>('SELECT id, xmin::text FROM outbox')).map((r) => [r.id, r.xmin]));
      const before = await versions();
      const [item] = await a.read.outbox.due('2026-11-25T10:00:01.000Z', 1);
      await a.transaction((u) => u.outbox.update({ ...item, attempts: 1, nextAttemptAt: '2026-11-25T10:01:00.000Z', lastError: 'timeout' }));
      const after = await versions();
      const changed = [...after].filter(([id, xmin]) => before.get(id) !== xmin).map(([id]) => id);
      expect(changed).toEqual([item.id]);
    });

    it('expires dedup keys through the expiry index, not a scan of the live ones', async () => {
      const a = await open();
      await db.query(`INSERT INTO dedup (key, expires_at) SELECT 'k-' || n, '2027-01-01T00:00:00.000Z' FROM generate_series(1, 50000) n`);
      await db.query(`INSERT INTO dedup (key, expires_at) SELECT 'old-' || n, '2026-01-01T00:00:00.000Z' FROM generate_series(1, 10) n`);
      await db.query('ANALYZE dedup');
      const plan = (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${HOUSEKEEPING_SQL.dedup.replace('$1', `'${T0}'`).replace('$2', '1000')}`))
        .map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toContain('dedup_expiry');
      expect(plan).not.toMatch(/Seq Scan on dedup/);
      expect((await a.housekeeping(new Date(T0), { keepEvents: 10, auditBefore: T0, limit: 1000 })).dedupExpired).toBe(10);
      expect(await a.read.dedup.count()).toBe(50000);
    });

    it('drops the oldest dedup keys beyond a configured cap, live or not', async () => {
      const a = await open({ maxDedupKeys: 3 });
      await a.transaction(async (u) => {
        for (let n = 1; n <= 5; n++) await u.dedup.claim(`k-${n}`, `2027-01-0${n}T00:00:00.000Z`);
      });
      expect((await a.housekeeping(new Date(T0), { keepEvents: 10, auditBefore: T0, limit: 100 })).dedupExpired).toBe(2);
      expect(await a.read.dedup.has('k-2')).toBe(false);
      expect(await a.read.dedup.has('k-3')).toBe(true);
    });

    it('applies the migrations once when several instances start together', async () => {
      await Promise.all(Array.from({ length: 4 }, () => open()));
      const rows = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    });

    it('numbers events with the sequencer lock and notifies the channel the feed listens on', () => {
      const pass = MIGRATIONS.find((m) => m.name === 'a numbering pass in one round trip')!.sql;
      expect(pass).toContain(`pg_advisory_xact_lock(${LOCKS.sequencer})`);
      expect(pass).toContain(`pg_notify('${EVENTS_CHANNEL}'`);
    });

    it('refuses a database that a newer escalatord has migrated', async () => {
      await open();
      await db.query(`INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')`);
      const s = new PostgresStore({ url: db.url });
      await expect(s.open()).rejects.toBeInstanceOf(SchemaTooNewError);
      await s.close();
    });

    it('is unhealthy and answers StoreUnavailableError while the database cannot be reached, then recovers', async () => {
      const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(db.url).port || 5432) });
      try {
        const s = await open({ url: proxy.via(db.url), pollMs: 100 });
        await s.transaction((u) => u.servers.put(server('srv-1')));
        expect(s.healthy).toBe(true);
        proxy.cut();
        await expect(s.transaction((u) => u.servers.put(server('srv-2')))).rejects.toBeInstanceOf(StoreUnavailableError);
        expect(s.healthy).toBe(false);
        await expect(s.read.servers.count()).rejects.toBeInstanceOf(StoreUnavailableError);
        proxy.restore();
        await waitFor(() => s.healthy, { what: 'the store to see the database again' });
        await s.transaction((u) => u.servers.put(server('srv-3')));
        expect((await s.read.servers.all()).map((x) => x.id)).toEqual(['srv-1', 'srv-3']);
      } finally {
        await Promise.all(stores.splice(0).map((x) => x.close()));
        await proxy.close();
      }
    });

    it('delivers the events committed while its LISTEN session was down once it is back', async () => {
      const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(db.url).port || 5432) });
      try {
        const reader = await open({ url: proxy.via(db.url), pollMs: 100 });
        const writer = await open();
        const heard: number[] = [];
        reader.onEvents((events) => heard.push(...events.map((e) => e.seq)));
        proxy.cut();
        for (let i = 0; i < 5; i++) await writer.transaction((u) => u.events.append({ type: 'console.down', data: { i } }));
        proxy.restore();
        await waitFor(() => heard.length >= 5, { what: 'the events written while the reader was cut off' });
        expect(heard).toEqual([1, 2, 3, 4, 5]);
      } finally {
        await Promise.all(stores.splice(0).map((x) => x.close()));
        await proxy.close();
      }
    });
  });
});

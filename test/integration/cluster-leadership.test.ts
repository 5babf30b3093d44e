// Leadership on a real PostgreSQL: one leader among instances on one database, a new one with the next
// term when the leader's session is terminated, cut or goes silent — and the old leader always steps
// down before the new one starts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresLeadership, type PostgresLeadershipOptions } from '../../src/cluster/postgres-leadership.js';
import { LOCKS } from '../../src/store/postgres/locks.js';
import { waitFor } from '../helpers/net.js';
import { createTestDatabase, findPostgres, type TestDatabase } from '../helpers/postgres.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const pg = await findPostgres();

/** What happened, in order, across every instance of a test. */
type Entry = { instance: string; leader: boolean; term: number; at: number };

describe.skipIf(!pg.available)('leadership on PostgreSQL', () => {
  let db: TestDatabase;
  let proxy: TcpProxy | undefined;
  let history: Entry[];
  const instances: PostgresLeadership[] = [];

  const join = async (instanceId: string, opts: Partial<PostgresLeadershipOptions> = {}) => {
    const l = new PostgresLeadership({ url: db.url, instanceId, heartbeatMs: 200, retryMs: 200, ...opts });
    l.onChange((leader, state) => history.push({ instance: instanceId, leader, term: state.term, at: performance.now() }));
    instances.push(l);
    await l.start();
    return l;
  };
  const leaders = () => instances.filter((l) => l.isLeader);
  /** The backend that holds the leader lock, from pg_locks. */
  const lockHolderPid = async () => {
    const key = BigInt(LOCKS.leader);
    const rows = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 1
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [Number(key >> 32n), Number(key & 0xffffffffn)],
    );
    return rows[0]?.pid;
  };

  beforeEach(async () => {
    db = await createTestDatabase();
    history = [];
  });
  afterEach(async () => {
    await Promise.all(instances.splice(0).map((l) => l.stop()));
    await proxy?.close();
    proxy = undefined;
    await db.drop();
  });

  it('elects exactly one leader among instances on one database, and every instance knows which', async () => {
    const [a, b, c] = [await join('a'), await join('b'), await join('c')];
    await waitFor(() => leaders().length === 1, { what: 'a leader' });
    const leader = leaders()[0];
    // A few more heartbeats and retries: still one, the same one.
    await waitFor(() => [a, b, c].every((l) => l.leader === leader.instanceId && l.members().length === 3), { what: 'every instance to see the leader and the members' });
    expect(leaders()).toEqual([leader]);
    expect(new Set([a, b, c].map((l) => l.term))).toEqual(new Set([1]));
    expect(a.members().map((m) => [m.instance, m.role])).toEqual(['a', 'b', 'c'].map((id) => [id, id === leader.instanceId ? 'leader' : 'follower']));
  });

  it('hands the lead to another instance with the next term when the leader\'s backend is terminated', async () => {
    const [a, b] = [await join('a'), await join('b')];
    await waitFor(() => leaders().length === 1, { what: 'a leader' });
    const old = leaders()[0];
    const other = old === a ? b : a;
    const pid = await lockHolderPid();
    expect(pid).toBeDefined();
    await db.query('SELECT pg_terminate_backend($1)', [pid]);
    await waitFor(() => other.isLeader, { timeoutMs: 20_000, what: 'the other instance to lead' });
    expect(old.isLeader).toBe(false);
    expect(other.term).toBe(2);
    const lost = history.find((e) => e.instance === old.instanceId && !e.leader)!;
    const won = history.find((e) => e.instance === other.instanceId && e.leader)!;
    expect(lost.at).toBeLessThan(won.at);
    // The old leader stays in the cluster, as a follower that knows the new term.
    await waitFor(() => old.term === 2 && old.leader === other.instanceId, { what: 'the old leader to learn the new term' });
    expect(leaders()).toEqual([other]);
  });

  it('steps down at once when its connection is reset, and the others take over', async () => {
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(db.url).port || 5432) });
    const a = await join('a', { url: proxy.via(db.url) });
    await waitFor(() => a.isLeader, { what: 'a to lead' });
    const b = await join('b');
    proxy.cut();
    // On the socket's error, before the server has even noticed: what shows it is the order (a stepped
    // down before b led), not a deadline a busy machine could miss.
    await waitFor(() => b.isLeader, { timeoutMs: 20_000, what: 'b to lead' });
    expect(a.isLeader).toBe(false);
    const lost = history.find((e) => e.instance === 'a' && !e.leader)!;
    const won = history.find((e) => e.instance === 'b' && e.leader)!;
    expect(lost.at).toBeLessThan(won.at);
    expect(b.term).toBe(2);
    proxy.restore();
    await waitFor(() => a.leader === 'b' && a.term === 2, { what: 'a to rejoin as a follower' });
    expect(a.isLeader).toBe(false);
  });

  it('steps down on its own clock when the network goes silent, before the server frees the lock for another', async () => {
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(db.url).port || 5432) });
    const a = await join('a', { url: proxy.via(db.url) });
    await waitFor(() => a.isLeader, { what: 'a to lead' });
    const b = await join('b');
    const frozenAt = performance.now();
    proxy.freeze();
    await waitFor(() => b.isLeader, { timeoutMs: 20_000, what: 'b to lead once the server ends the silent session' });
    const lost = history.find((e) => e.instance === 'a' && !e.leader);
    const won = history.find((e) => e.instance === 'b' && e.leader)!;
    expect(lost).toBeDefined();
    expect(lost!.at).toBeLessThan(won.at);
    // The server held the lock until the session had been silent for idle_session_timeout (2.6 s here):
    // nothing but that timeout could have freed it, since no byte got through.
    expect(won.at - frozenAt).toBeGreaterThan(2_000);
    expect(leaders()).toEqual([b]);
  });

  it('releases the lead on stop, so another instance takes it promptly; stop is safe twice', async () => {
    const a = await join('a');
    await waitFor(() => a.isLeader, { what: 'a to lead' });
    const b = await join('b');
    await waitFor(() => b.members().length === 2, { what: 'b to see both members' });
    await a.stop();
    await a.stop();
    expect(history.filter((e) => e.instance === 'a').map((e) => e.leader)).toEqual([true, false]);
    await waitFor(() => b.isLeader, { timeoutMs: 20_000, what: 'b to lead' });
    expect(b.term).toBe(2);
    await waitFor(() => b.members().map((m) => m.instance).join() === 'b', { what: 'a to leave the members' });
    expect(await lockHolderPid()).toBeDefined();
  });
});

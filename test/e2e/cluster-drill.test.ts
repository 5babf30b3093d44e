// The three-instance drill (issue 10, DESIGN §12): three compiled daemons on one PostgreSQL database
// take signed console webhooks at once — some failures reported to all three at the same moment — while
// the leader is SIGKILLed. A follower must lead within 10 s with the next term, every report answered
// 202 must be there afterwards (read through every surviving instance), no failure may have opened two
// incidents or two tickets, and the killed instance must come back as a follower.
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../../src/cluster/cluster-status.js';
import type { Incident } from '../../src/domain/types.js';
import { TicketingSimulator } from '../../src/simulator/ticketing-simulator.js';
import { drillConfig, getJson, postSigned, report, tickets, TOKENS } from '../fixtures/drills/kit.js';
import { killAllDaemons, startDaemonProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { sleep, waitFor } from '../helpers/net.js';
import { createTestDatabase, findPostgres, type TestDatabase } from '../helpers/postgres.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';

const pg = await findPostgres();
const silent = pino({ level: 'silent' });

async function allIncidents(url: string): Promise<Incident[]> {
  const out: Incident[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Incident[]; nextCursor: string | null } = await getJson(`${url}/api/v1/incidents?status=all&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

const cluster = (url: string) => getJson<ClusterStatus>(`${url}/api/v1/cluster`);

describe.skipIf(!pg.available)('three instances on one database', () => {
  let db: TestDatabase;
  const dirs: TempDir[] = [];
  let ticketing: TicketingSimulator;
  let ticketingUrl: string;

  beforeEach(async () => {
    db = await createTestDatabase();
    ticketing = new TicketingSimulator({ logger: silent });
    ticketingUrl = (await ticketing.start()).url;
  });
  afterEach(async () => {
    await killAllDaemons();
    await ticketing.stop();
    await db.drop();
    for (const d of dirs.splice(0)) d.remove();
  });

  const configFor = (n: number, dir: string) =>
    drillConfig(dir, {
      storage: { engine: 'postgres', url: db.url },
      cluster: { instanceId: `inst-${n}`, heartbeat: '1s' },
      ticketing: { adapter: 'generic', url: ticketingUrl, timeout: '30s', backoffBase: '50ms', backoffCap: '500ms', breakerCooldown: '300ms' },
    });
  const start = (n: number, dir: TempDir) => startDaemonProcess({ configYaml: configFor(n, dir.path), dir: dir.path, readyTimeoutMs: 60_000 });

  it('survives a SIGKILL of the leader under load: a new leader within 10 s, nothing acknowledged lost, nothing doubled, the old leader back as a follower', async () => {
    for (let n = 1; n <= 3; n++) dirs.push(makeTempDir('escalatord-cluster-'));
    const daemons: DaemonProcess[] = [];
    for (let n = 1; n <= 3; n++) daemons.push(await start(n, dirs[n - 1]));
    const before = await waitFor(async () => {
      const views = await Promise.all(daemons.map((d) => cluster(d.url)));
      const leaders = views.filter((v) => v.role === 'leader');
      return leaders.length === 1 && views.every((v) => v.leader === leaders[0].instance && v.members.length === 3) ? leaders[0] : null;
    }, { timeoutMs: 20_000, what: 'one leader that every instance knows' });
    const leaderIndex = daemons.findIndex((_, i) => `inst-${i + 1}` === before.instance);

    // Load: reports round-robin over the instances; every 10th failure goes to all three at once.
    const accepted = new Map<string, 'failed' | 'ok'>();
    const shared = new Set<string>();
    let sent = 0;
    let stop = false;
    const alive = new Set(daemons.map((_, i) => i));
    const post = async (i: number, body: unknown) => {
      try {
        const res = await postSigned(daemons[i].url, body, randomUUID());
        await res.body?.cancel();
        return res.status === 202;
      } catch {
        return false; // killed mid-request: unknown outcome, not acknowledged
      }
    };
    const worker = async (w: number) => {
      while (!stop && sent < 3_000) {
        const n = sent++;
        const status = n % 3 === 0 ? 'ok' : 'failed';
        if (n % 10 === 5) {
          const serverId = `srv-shared-${n}`;
          const body = report(serverId, [{ name: 'backup', kind: 'software', status: 'failed' }]);
          const answers = await Promise.all([...alive].map((i) => post(i, body)));
          if (answers.some(Boolean)) {
            accepted.set(serverId, 'failed');
            shared.add(serverId);
          }
          continue;
        }
        const serverId = `srv-${String(n).padStart(5, '0')}`;
        const body = report(serverId, [{ name: 'backup', kind: 'software', status }]);
        // A sender that finds an instance gone tries the next one, as a load balancer would.
        const up = [...alive];
        const first = (n + w) % up.length;
        for (const i of [...up.slice(first), ...up.slice(0, first)]) {
          if (await post(i, body)) {
            accepted.set(serverId, status);
            break;
          }
        }
      }
    };
    const workers = Array.from({ length: 9 }, (_, w) => worker(w));
    await waitFor(() => accepted.size >= 150, { timeoutMs: 60_000, what: '150 accepted reports' });

    const killedAt = performance.now();
    alive.delete(leaderIndex);
    const killed = await daemons[leaderIndex].kill();
    expect(killed.signal).toBe('SIGKILL');
    const acceptedAtKill = accepted.size;
    const survivors = [...alive].map((i) => daemons[i]);

    const after = await waitFor(async () => {
      const views = await Promise.all(survivors.map((d) => cluster(d.url).catch(() => null)));
      return views.find((v) => v?.role === 'leader') ?? null;
    }, { timeoutMs: 10_000, intervalMs: 100, what: 'a new leader within 10 s' });
    const failoverMs = performance.now() - killedAt;
    expect(after.term).toBe(before.term + 1);
    expect(after.instance).not.toBe(before.instance);

    await waitFor(() => accepted.size >= acceptedAtKill + 150, { timeoutMs: 60_000, what: '150 more accepted reports after the kill' });
    stop = true;
    await Promise.all(workers);

    // Every report answered 202, on whichever instance, is there — read through each survivor.
    for (const d of survivors) {
      const missing: string[] = [];
      const entries = [...accepted];
      for (let i = 0; i < entries.length; i += 25) {
        await Promise.all(entries.slice(i, i + 25).map(async ([serverId, status]) => {
          const res = await fetch(`${d.url}/api/v1/servers/${serverId}`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
          const body = res.ok ? ((await res.json()) as { components: Array<{ name: string; status: string }> }) : null;
          if (body?.components.find((c) => c.name === 'backup')?.status !== status) missing.push(`${serverId} (${res.status})`);
        }));
      }
      expect(missing, d.url).toEqual([]);
    }

    // One incident per failed server, shared ones included, each with one ticket sent by a leader.
    const failed = [...accepted].filter(([, s]) => s === 'failed').map(([id]) => id);
    const ticketed = await waitFor(async () => {
      const all = await allIncidents(survivors[0].url);
      return all.length >= failed.length && all.every((i) => i.ticket?.state === 'created') ? all : null;
    }, { timeoutMs: 60_000, what: 'every incident to have its ticket' });
    const perServer = new Map<string, number>();
    for (const i of ticketed) perServer.set(i.serverId, (perServer.get(i.serverId) ?? 0) + 1);
    expect([...perServer].filter(([, n]) => n > 1)).toEqual([]);
    for (const s of failed) expect(perServer.get(s), s).toBe(1);
    expect(ticketed).toHaveLength(failed.length);
    await sleep(500);
    const filed = await tickets(ticketingUrl);
    const perIncident = new Map<string, number>();
    for (const t of filed) perIncident.set(t.externalId, (perIncident.get(t.externalId) ?? 0) + 1);
    expect([...perIncident].filter(([, n]) => n > 1)).toEqual([]);
    expect(filed).toHaveLength(ticketed.length);

    // The killed instance comes back on the same database as a follower of the new leader.
    const back = await start(leaderIndex + 1, dirs[leaderIndex]);
    const view = await waitFor(async () => {
      const v = await cluster(back.url);
      return v.leader === after.instance && v.members.length === 3 ? v : null;
    }, { timeoutMs: 15_000, what: 'the restarted instance to see the new leader' });
    expect(view).toMatchObject({ instance: before.instance, role: 'follower', term: after.term, engine: 'postgres' });

    process.stdout.write(`cluster drill: ${accepted.size} reports acknowledged (${shared.size} sent to every instance at once), `
      + `${ticketed.length} incidents, ${filed.length} tickets, ${ticketing.stats.duplicateCreates} repeated creates answered by Idempotency-Key, `
      + `new leader ${after.instance} (term ${after.term}) ${Math.round(failoverMs)} ms after the SIGKILL\n`);
    await Promise.all([back, ...survivors].map((d) => d.stop()));
  }, 240_000);

  it('steps the leader down when its database session is terminated, before another instance leads, and sends each ticket once', async () => {
    for (let n = 1; n <= 2; n++) dirs.push(makeTempDir('escalatord-cluster-'));
    const daemons = [await start(1, dirs[0]), await start(2, dirs[1])];
    const before = await waitFor(async () => {
      const views = await Promise.all(daemons.map((d) => cluster(d.url)));
      const leaders = views.filter((v) => v.role === 'leader');
      return leaders.length === 1 && views.every((v) => v.leader === leaders[0].instance) ? leaders[0] : null;
    }, { timeoutMs: 20_000, what: 'one leader' });
    const old = daemons[before.instance === 'inst-1' ? 0 : 1];
    const other = daemons[before.instance === 'inst-1' ? 1 : 0];
    expect((await postSigned(old.url, report('srv-before', [{ name: 'backup', kind: 'software', status: 'failed' }]))).status).toBe(202);
    await waitFor(async () => (await allIncidents(other.url)).every((i) => i.ticket?.state === 'created') || null, { what: 'the first ticket' });

    // The backend holding the leader lock (an advisory lock on a session of the leader's own).
    const [holder] = await db.query<{ pid: number }>(
      `SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND (l.classid::bigint << 32 | l.objid::bigint) = $1`,
      ['7310548020002'],
    );
    await db.query('SELECT pg_terminate_backend($1)', [holder.pid]);
    const after = await waitFor(async () => {
      const v = await cluster(other.url);
      return v.role === 'leader' ? v : null;
    }, { timeoutMs: 20_000, what: 'the other instance to lead' });
    expect(after.term).toBe(before.term + 1);
    expect((await cluster(old.url)).role).toBe('follower');

    // The old leader was told (and its leader jobs with it) before the new one took the lock.
    const at = (d: DaemonProcess, msg: string) => d.logs().filter((l) => l.msg === msg).map((l) => Date.parse(l.time as string)).at(-1);
    const stepped = await waitFor(() => at(old, 'this instance follows'), { what: 'the old leader to log its step-down' });
    expect(stepped).toBeLessThanOrEqual(at(other, 'this instance leads')!);

    // A failure reported to the deposed leader is ticketed once, by the new one.
    expect((await postSigned(old.url, report('srv-after', [{ name: 'backup', kind: 'software', status: 'failed' }]))).status).toBe(202);
    const all = await waitFor(async () => {
      const list = await allIncidents(other.url);
      return list.length === 2 && list.every((i) => i.ticket?.state === 'created') ? list : null;
    }, { timeoutMs: 20_000, what: 'both tickets' });
    await sleep(500);
    const filed = await tickets(ticketingUrl);
    expect(filed.map((t) => t.externalId).sort()).toEqual(all.map((i) => i.id).sort());
    expect(ticketing.stats.duplicateCreates).toBe(0);
    await Promise.all(daemons.map((d) => d.stop()));
  }, 120_000);
});

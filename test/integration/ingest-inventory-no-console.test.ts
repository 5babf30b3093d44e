// Without a Monitoring Console (Alertmanager or pushes alone) the store is the inventory: servers are
// known from reports, at most `ingest.maxServers` of them, and one no report has named for
// `ingest.serverExpiry` is forgotten by the sweeper. A refused report is answered 422 naming serverId,
// stores nothing, and is counted as escalatord_ingest_reports_total{outcome="rejected"}. The daemon is
// the real composition root on a clock the test moves.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDaemonInProcess, type InProcessDaemon } from '../helpers/daemon-in-process.js';
import { movableClock, type MovableClock } from '../e2e/fixtures/issue11-kit.js';

const HOUR = 3_600_000;

describe('server inventory without a console', () => {
  let d: InProcessDaemon;
  let clock: MovableClock;
  beforeEach(async () => {
    clock = movableClock();
    d = await startDaemonInProcess({
      now: clock.now,
      config: { simulator: { enabled: false }, ingest: { maxServers: 2, serverExpiry: '1h' } },
    });
  });
  afterEach(() => d.stop());

  const report = (serverId: string) => ({
    serverId, observedAt: clock.now().toISOString(), reachable: true,
    components: [{ name: 'backup', kind: 'software', status: 'ok' }],
  });
  const push = (body: unknown) => d.api('ingest', 'POST', '/api/v1/ingest/console', body);
  const rejected = async () => {
    const text = await (await fetch(`${d.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('escalatord_ingest_reports_total{') && l.includes('source="console"') && l.includes('outcome="rejected"'));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };
  const stored = async () => (await d.daemon.store.read.servers.all()).map((s) => s.id).sort();

  it('refuses a new server beyond ingest.maxServers with 422 naming serverId, stores nothing of it, and counts it', async () => {
    expect((await push(report('am-1'))).status).toBe(202);
    expect((await push(report('am-2'))).status).toBe(202);
    const seq = await d.daemon.store.read.events.latestSeq();

    const res = await push(report('am-3'));
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { errors: Array<{ field: string; message: string }> };
    expect(problem.errors).toEqual([{ field: 'serverId', message: expect.stringMatching(/^am-3: .*ingest\.maxServers = 2/) }]);
    expect(await stored()).toEqual(['am-1', 'am-2']);
    expect(await d.daemon.store.read.events.latestSeq()).toBe(seq);
    expect(await rejected()).toBe(1);

    // A server already known still reports at the cap; in a batch the new ones are listed and counted.
    const batch = await push({ reports: [report('am-1'), report('am-4'), report('am-5')] });
    expect(batch.status).toBe(202);
    const body = (await batch.json()) as { accepted: number; refused: Array<{ serverId: string }> };
    expect(body.accepted).toBe(1);
    expect(body.refused.map((r) => r.serverId).sort()).toEqual(['am-4', 'am-5']);
    expect(await stored()).toEqual(['am-1', 'am-2']);
    expect(await rejected()).toBe(3);
  });

  it('holds the cap under concurrent pushes each naming a new server', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => push(report(`burst-${i}`))));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(2);
    expect(statuses.filter((s) => s === 422)).toHaveLength(18);
    expect(await stored()).toHaveLength(2);
    expect(await rejected()).toBe(18);
  });

  it('forgets a server no report has named for ingest.serverExpiry, which makes room for a new one', async () => {
    expect((await push(report('am-1'))).status).toBe(202);
    clock.jump(HOUR / 2);
    expect((await push(report('am-2'))).status).toBe(202);

    // Just short of am-1's expiry: both kept.
    clock.jump(HOUR / 2 - 1_000);
    await d.daemon.sweeper.sweep();
    expect(await stored()).toEqual(['am-1', 'am-2']);
    expect((await push(report('am-3'))).status).toBe(422);

    // Past it: am-1 goes, am-2 (named half an hour later) stays, and the room is there again.
    clock.jump(2_000);
    await d.daemon.sweeper.sweep();
    expect(await stored()).toEqual(['am-2']);
    expect((await d.api('l2', 'GET', '/api/v1/servers/am-1')).status).toBe(404);
    expect((await push(report('am-3'))).status).toBe(202);
    expect(await stored()).toEqual(['am-2', 'am-3']);
  });
});

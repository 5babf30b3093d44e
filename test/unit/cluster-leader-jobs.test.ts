// LeaderJobs: the leader's tasks start with leadership and stop with it, synchronously on a loss; the
// solo leadership of the embedded engines; the cluster metrics and GET /api/v1/cluster.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerClusterMetrics } from '../../src/cluster/cluster-metrics.js';
import { FakeScheduler } from '../../src/cluster/fake-scheduler.js';
import { LeaderJobs } from '../../src/cluster/leader-jobs.js';
import { tellListeners, type ClusterMember, type Leadership, type LeadershipListener } from '../../src/cluster/leadership.js';
import { SoloLeadership } from '../../src/cluster/solo-leadership.js';
import { createHttpApp } from '../../src/http/app.js';
import { TokenAuthenticator } from '../../src/http/auth.js';
import { createClusterRouter } from '../../src/http/routes/cluster-routes.js';

/** Leadership a test hands over and takes away. */
class ToggleLeadership implements Leadership {
  readonly instanceId = 'test-1';
  isLeader = false;
  term = 0;
  leader: string | null = null;
  private readonly listeners = new Set<LeadershipListener>();
  onChange(l: LeadershipListener) {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  }
  async start() {}
  async stop() {}
  members(): ClusterMember[] {
    return [{ instance: this.instanceId, role: this.isLeader ? 'leader' : 'follower', lastSeen: '2026-01-05T09:00:00.000Z' }];
  }
  set(leader: boolean) {
    this.isLeader = leader;
    if (leader) this.term += 1;
    this.leader = leader ? this.instanceId : 'test-2';
    tellListeners(this.listeners, { isLeader: leader, term: this.term, leader: this.leader });
  }
}

describe('LeaderJobs', () => {
  it('runs the jobs only while this instance leads', async () => {
    const leadership = new ToggleLeadership();
    const scheduler = new FakeScheduler();
    let polls = 0;
    const jobs = new LeaderJobs({ leadership, scheduler }).every('poll', 1_000, () => void polls++);
    jobs.start();
    await scheduler.advance(3_000);
    expect(polls).toBe(0);
    leadership.set(true);
    await jobs.settled();
    await scheduler.advance(3_000);
    expect(polls).toBe(3);
    leadership.set(false);
    await scheduler.advance(3_000);
    expect(polls).toBe(3);
    leadership.set(true);
    await jobs.settled();
    await scheduler.advance(2_000);
    expect(polls).toBe(5);
    await jobs.stop();
  });

  it('cancels every job of the reign and tells every task before the loss listener returns', async () => {
    const leadership = new ToggleLeadership();
    const scheduler = new FakeScheduler();
    const log: string[] = [];
    const jobs = new LeaderJobs({ leadership, scheduler })
      .add({
        name: 'sla',
        start: (s) => {
          s.at('INC-1', new Date(scheduler.now().getTime() + 60_000), () => void log.push('sla fired'));
          s.at('INC-2', new Date(scheduler.now().getTime() + 90_000), () => void log.push('sla fired'));
        },
        stop: () => void log.push('sla stopped'),
      })
      .add({ name: 'dispatcher', start: (s) => s.every('drain', 1_000, () => undefined), stop: () => void log.push('dispatcher stopped') });
    jobs.start();
    leadership.set(true);
    await jobs.settled();
    expect(scheduler.names().sort()).toEqual(['dispatcher:drain', 'sla:INC-1', 'sla:INC-2']);
    leadership.set(false);
    // Synchronously, inside set(false): nothing is scheduled any more, and the tasks stopped in reverse order.
    expect(scheduler.names()).toEqual([]);
    expect(log).toEqual(['dispatcher stopped', 'sla stopped']);
    await scheduler.advance(120_000);
    expect(log).not.toContain('sla fired');
    await jobs.stop();
  });

  it('ignores what a run of the old reign tries to schedule after the loss', async () => {
    const leadership = new ToggleLeadership();
    const scheduler = new FakeScheduler();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const jobs = new LeaderJobs({ leadership, scheduler }).add({
      name: 'sla',
      start: (s) => s.every('scan', 1_000, async () => {
        await held;
        s.at('late-wake', new Date(scheduler.now().getTime() + 1_000), () => undefined);
      }),
    });
    jobs.start();
    leadership.set(true);
    await jobs.settled();
    await scheduler.advance(1_000);
    leadership.set(false);
    release();
    await scheduler.idle();
    expect(scheduler.names()).toEqual([]);
    await jobs.stop();
  });

  it('stops the tasks of a reign that ends while they are still starting, and starts no more of them', async () => {
    const leadership = new ToggleLeadership();
    const scheduler = new FakeScheduler();
    const log: string[] = [];
    let release!: () => void;
    const slowStart = new Promise<void>((r) => (release = r));
    const jobs = new LeaderJobs({ leadership, scheduler })
      .add({ name: 'a', start: async () => { log.push('a started'); await slowStart; }, stop: () => void log.push('a stopped') })
      .add({ name: 'b', start: () => void log.push('b started'), stop: () => void log.push('b stopped') });
    jobs.start();
    leadership.set(true);
    await Promise.resolve();
    leadership.set(false);
    release();
    await jobs.settled();
    expect(log).toEqual(['a started', 'a stopped']);
    await jobs.stop();
  });

  it('starts at once when this instance already leads, and stop() ends the reign', async () => {
    const leadership = new SoloLeadership('solo');
    await leadership.start();
    const scheduler = new FakeScheduler();
    let stopped = 0;
    const jobs = new LeaderJobs({ leadership, scheduler }).add({ name: 'sweeper', start: (s) => s.every('sweep', 1_000, () => undefined), stop: () => void stopped++ });
    jobs.start();
    await jobs.settled();
    expect(jobs.running).toBe(true);
    await jobs.stop();
    await jobs.stop();
    expect(stopped).toBe(1);
    expect(scheduler.names()).toEqual([]);
  });
});

describe('SoloLeadership', () => {
  it('leads from start to stop in term 1, telling its listeners each time', async () => {
    const solo = new SoloLeadership('host-1', () => new Date('2026-01-05T09:00:00.000Z'));
    const heard: boolean[] = [];
    solo.onChange((leader) => heard.push(leader));
    expect(solo.isLeader).toBe(false);
    await solo.start();
    await solo.start();
    expect([solo.isLeader, solo.term, solo.leader]).toEqual([true, 1, 'host-1']);
    expect(solo.members()).toEqual([{ instance: 'host-1', role: 'leader', lastSeen: '2026-01-05T09:00:00.000Z' }]);
    await solo.stop();
    await solo.stop();
    expect(heard).toEqual([true, false]);
  });
});

describe('cluster metrics', () => {
  it('exports 1 on the leader and 0 elsewhere, and counts each change of role', async () => {
    const registry = new Registry();
    const leadership = new ToggleLeadership();
    registerClusterMetrics(registry, leadership);
    const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;
    expect(await value('escalatord_cluster_leader')).toBe(0);
    expect(await value('escalatord_cluster_leader_changes_total')).toBe(0);
    leadership.set(true);
    expect(await value('escalatord_cluster_leader')).toBe(1);
    leadership.set(false);
    expect(await value('escalatord_cluster_leader')).toBe(0);
    expect(await value('escalatord_cluster_leader_changes_total')).toBe(2);
  });
});

describe('GET /api/v1/cluster', () => {
  const tokens = [
    { name: 'viewer', role: 'viewer' as const, token: 'viewer-token-0123456789' },
    { name: 'am', role: 'ingest' as const, token: 'ingest-token-0123456789' },
  ];

  async function serve(leadership: Leadership) {
    const app = createHttpApp({
      logger: pino({ level: 'silent' }),
      isReady: () => true,
      routers: [createClusterRouter({ auth: new TokenAuthenticator(tokens), leadership, engine: 'postgres' })],
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/cluster`;
    return { url, close: () => new Promise((r) => server.close(r)) };
  }

  it('tells a reader this instance, its role, the leader, the term, the engine and the members', async () => {
    const leadership = new ToggleLeadership();
    leadership.set(true);
    const s = await serve(leadership);
    try {
      const res = await fetch(s.url, { headers: { authorization: `Bearer ${tokens[0].token}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        instance: 'test-1', role: 'leader', leader: 'test-1', term: 1, engine: 'postgres',
        members: [{ instance: 'test-1', role: 'leader', lastSeen: '2026-01-05T09:00:00.000Z' }],
      });
    } finally {
      await s.close();
    }
  });

  it('refuses callers without a reading role', async () => {
    const s = await serve(new ToggleLeadership());
    try {
      expect((await fetch(s.url)).status).toBe(401);
      expect((await fetch(s.url, { headers: { authorization: `Bearer ${tokens[1].token}` } })).status).toBe(403);
    } finally {
      await s.close();
    }
  });
});

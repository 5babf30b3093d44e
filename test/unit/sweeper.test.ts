// The Sweeper on the memory engine and a clock the test moves by hand (no timers, no sleeps): reports go
// in through the real ingest commit (ComponentStateService → MonitorHandler), people act through the real
// IncidentCommands, and each test runs sweep() at chosen instants. Covered: degraded past its grace → L2,
// auto-resolve only for incidents no person touched, expiry by index, the archive hand-off, and one pass
// at a time.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { RoutingPolicy } from '../../src/domain/routing.js';
import type { Actor, ComponentStatus, ReportedComponent, Role } from '../../src/domain/types.js';
import { IncidentCommands } from '../../src/escalation/incident-commands.js';
import { NO_HOOKS } from '../../src/escalation/lifecycle-hooks.js';
import { MonitorHandler } from '../../src/escalation/monitor-handler.js';
import { Sweeper, type Archiver } from '../../src/escalation/sweeper.js';
import { ComponentStateService } from '../../src/ingest/component-state.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import type { MaintenanceWindow, Server } from '../../src/store/port.js';
import { Transactor } from '../../src/store/transactor.js';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
const GRACE = 15 * MINUTE;
const STABLE = 10 * MINUTE;
const POLICY: RoutingPolicy = {
  degradedGraceMs: GRACE, softwareFailurePriority: 'P2', multipleSoftwareFailuresPriority: 'P1',
  hardwarePriority: 'P2', unreachablePriority: 'P2', degradedPriority: 'P3',
};
const L2: Actor & { role: Role } = { kind: 'user', name: 'l2-desk', role: 'l2' };

interface WorldOptions {
  autoResolveAfterMs?: number | null;
  archive?: Archiver | null;
  eventLogSize?: number;
  auditRetentionMs?: number;
  forgettable?: (server: Server, now: Date) => boolean;
}

async function world(opts: WorldOptions = {}) {
  const clock = { ms: T0 };
  const now = () => new Date(clock.ms);
  const store = new MemoryStore({ now });
  await store.open();
  const transactor = new Transactor({ store, now });
  const metrics = createMetrics(new Registry(), { consoleIds: [] });
  const monitor = new MonitorHandler({ policy: POLICY, hooks: NO_HOOKS, metrics });
  const components = new ComponentStateService({ transactor, handler: monitor, dedupRetentionMs: 30 * MINUTE });
  const commands = new IncidentCommands({
    transactor, hooks: NO_HOOKS, metrics, dedupRetentionMs: 30 * MINUTE,
    config: { customers: [{ id: 'acme', name: 'Acme Ltd', authorisedContacts: [] }], requests: [] },
  });
  const logged: Array<{ level: number; msg: string }> = [];
  const archiveCalls: Array<{ now: string; retentionMs: number }> = [];
  const archive: Archiver = opts.archive ?? {
    archiveResolved: async (at, retentionMs) => {
      archiveCalls.push({ now: at.toISOString(), retentionMs });
      return 0;
    },
  };
  const sweeper = new Sweeper({
    transactor, monitor, hooks: NO_HOOKS, policy: POLICY, archive, now,
    logger: pino({ level: 'info' }, { write: (l: string) => void logged.push(JSON.parse(l) as { level: number; msg: string }) }),
    autoResolveAfterMs: opts.autoResolveAfterMs === null ? undefined : opts.autoResolveAfterMs ?? STABLE,
    resolvedRetentionMs: 7 * DAY,
    eventLogSize: opts.eventLogSize ?? 10_000,
    auditRetentionMs: opts.auditRetentionMs ?? 400 * DAY,
    forgettable: opts.forgettable,
  });

  /** One polled report of srv-1 (the whole server) at the current instant. */
  const report = (list: ReportedComponent[], reachable = true, serverId = 'srv-1') =>
    components.apply([{ serverId, observedAt: now().toISOString(), reachable, name: `${serverId}-name`, customerId: 'acme', components: list }], { mode: 'full', source: 'poll' });

  return {
    clock, store, sweeper, commands, report, logged, archiveCalls,
    advance: (ms: number) => void (clock.ms += ms),
    incidents: async () => (await store.read.incidents.list({ status: 'all', limit: 1000 })).reverse(),
    only: async () => {
      const all = await store.read.incidents.list({ status: 'all', limit: 1000 });
      expect(all).toHaveLength(1);
      return all[0];
    },
    outboxKinds: async (incidentId: string) => (await store.read.outbox.forIncident(incidentId)).map((o) => o.kind),
  };
}

const healthy = (backup: ComponentStatus = 'ok', disks: ComponentStatus = 'ok'): ReportedComponent[] => [
  { name: 'backup', kind: 'software', status: backup, message: backup === 'ok' ? undefined : `backup ${backup}` },
  { name: 'disks', kind: 'hardware', status: disks, message: disks === 'ok' ? undefined : `disks ${disks}` },
];

describe('Sweeper: degraded components', () => {
  it('opens one L2 P3 incident, dated from when the component degraded, once the grace period has passed', async () => {
    const w = await world();
    await w.report(healthy());
    w.advance(MINUTE);
    const degradedAt = new Date(w.clock.ms).toISOString();
    await w.report(healthy('ok', 'degraded'));

    w.advance(GRACE - 1);
    await w.sweeper.sweep();
    expect(await w.incidents()).toEqual([]);

    w.advance(1);
    await w.sweeper.sweep();
    const incident = await w.only();
    expect(incident).toMatchObject({
      level: 2, priority: 'P3', component: 'disks', componentKind: 'hardware', source: 'poll', status: 'open',
      detectedAt: degradedAt, ticket: null, symptoms: ['disks degraded'],
    });
    expect(await w.outboxKinds(incident.id)).toEqual(['diagnostics.fetch']);

    // Later passes find it open and open nothing more.
    w.advance(GRACE);
    await w.sweeper.sweep();
    expect(await w.incidents()).toHaveLength(1);
  });

  it('opens nothing for a degraded component on an unreachable server or inside a maintenance window', async () => {
    const w = await world();
    await w.report(healthy('ok', 'degraded'), false, 'srv-down');
    await w.report(healthy('degraded'), true, 'srv-maint');
    const window: MaintenanceWindow = {
      id: 'mw-1', serverId: 'srv-maint', customerId: null, component: null, startsAt: new Date(T0).toISOString(),
      endsAt: new Date(T0 + DAY).toISOString(), reason: 'firmware upgrade', createdBy: 'l2-desk', createdAt: new Date(T0).toISOString(),
    };
    await w.store.transaction((u) => u.maintenance.put(window));
    w.advance(GRACE + MINUTE);
    await w.sweeper.sweep();
    // The unreachable server has its own incident; no degraded incident anywhere.
    expect((await w.incidents()).map((i) => [i.serverId, i.component])).toEqual([['srv-down', null]]);

    // Once the window is over the degraded component is escalated.
    w.advance(DAY);
    await w.sweeper.sweep();
    expect((await w.incidents()).map((i) => [i.serverId, i.component])).toEqual([['srv-down', null], ['srv-maint', 'backup']]);
  });
});

describe('Sweeper: auto-resolve', () => {
  it('resolves a recovered incident nobody has touched once it is healthy for the whole stable window, and resolves its ticket', async () => {
    const w = await world();
    await w.report(healthy());
    w.advance(MINUTE);
    await w.report(healthy('failed'));
    const opened = await w.only();
    expect(opened).toMatchObject({ level: 3, ticket: { state: 'pending' } });
    w.advance(MINUTE);
    await w.report(healthy());
    expect((await w.only()).recoveredAt).not.toBeNull();

    w.advance(STABLE - 1);
    await w.sweeper.sweep();
    expect((await w.only()).status).toBe('open');

    w.advance(1);
    await w.sweeper.sweep();
    const resolved = await w.only();
    expect(resolved).toMatchObject({ status: 'resolved', rootCause: 'server', resolvedAt: new Date(w.clock.ms).toISOString() });
    expect(resolved.timeline.at(-1)).toMatchObject({ action: 'resolved', actor: { kind: 'system', name: 'escalatord' } });
    // The ticket is still being created: its resolve waits behind the creation and the recovery comment.
    expect(await w.outboxKinds(resolved.id)).toEqual(['ticket.create', 'ticket.comment', 'ticket.resolve']);
    const events = (await w.store.read.events.since(0, 1000)) ?? [];
    expect(events.filter((e) => e.type === 'incident.resolved').map((e) => e.data.auto)).toEqual([true]);
  });

  it('marks an unreachable-then-recovered incident that L2 escalated to L3 with notes as recovered, and leaves it open for a person', async () => {
    const w = await world();
    await w.report(healthy());
    w.advance(MINUTE);
    await w.report(healthy(), false);
    const { id } = await w.only();
    w.advance(MINUTE);
    await w.commands.escalate(id, L2, { notes: 'needs vendor action: reproduced from two sites' });
    w.advance(MINUTE);
    await w.report(healthy(), true);

    w.advance(STABLE * 10);
    await w.sweeper.sweep();
    const incident = await w.only();
    expect(incident).toMatchObject({ status: 'open', level: 3 });
    expect(incident.recoveredAt).not.toBeNull();
    expect(incident.timeline.map((e) => e.action)).toEqual(['created', 'escalated', 'recovered']);
    // The vendor ticket the escalation asked for is not closed behind the engineer's back.
    expect(await w.outboxKinds(id)).not.toContain('ticket.resolve');
  });

  it('leaves an acknowledged recovered incident open, and every recovered incident when auto-resolve is off', async () => {
    const touched = await world();
    await touched.report(healthy());
    await touched.report(healthy('ok', 'failed'));
    const { id } = await touched.only();
    await touched.commands.acknowledge(id, L2);
    await touched.report(healthy());
    touched.advance(STABLE * 10);
    await touched.sweeper.sweep();
    expect((await touched.only()).status).toBe('acknowledged');

    const off = await world({ autoResolveAfterMs: null });
    await off.report(healthy());
    await off.report(healthy('ok', 'failed'));
    await off.report(healthy());
    off.advance(DAY);
    await off.sweeper.sweep();
    expect((await off.only()).status).toBe('open');
  });
});

describe('Sweeper: forgetting servers', () => {
  it('forgets a server the inventory dropped, keeps one with an open incident, and keeps one named again before the delete', async () => {
    // srv-3 is forgettable when the pass reads the fleet, and no longer once the unit looks again
    // (a report named it in between): the unit decides on the record as it is then.
    const asked = new Map<string, number>();
    const forgettable = (s: Server) => {
      asked.set(s.id, (asked.get(s.id) ?? 0) + 1);
      if (s.id === 'srv-3') return asked.get(s.id) === 1;
      return s.id !== 'srv-4';
    };
    const w = await world({ forgettable });
    await w.report([{ name: 'backup', kind: 'software', status: 'ok' }], true, 'srv-1');
    await w.report([{ name: 'backup', kind: 'software', status: 'failed' }], true, 'srv-2');
    await w.report([{ name: 'backup', kind: 'software', status: 'ok' }], true, 'srv-3');
    await w.report([{ name: 'backup', kind: 'software', status: 'ok' }], true, 'srv-4');
    await w.sweeper.sweep();
    const left = (await w.store.read.servers.all()).map((s) => s.id).sort();
    expect(left).toEqual(['srv-2', 'srv-3', 'srv-4']);
    expect(asked.get('srv-3')).toBe(2);
  });
});

describe('Sweeper: housekeeping', () => {
  it('expires idempotency keys past their expiry, trims the event log to its size and drops audit entries past retention', async () => {
    const w = await world({ eventLogSize: 3, auditRetentionMs: DAY });
    await w.store.transaction(async (u) => {
      await u.dedup.claim('old', new Date(T0 + MINUTE).toISOString());
      await u.dedup.claim('fresh', new Date(T0 + DAY).toISOString());
      u.audit.append({ at: new Date(T0).toISOString(), incidentId: 'INC-000001', actor: { kind: 'system', name: 'escalatord' }, action: 'created' });
      for (let n = 0; n < 5; n++) u.events.append({ type: 'console.down', data: { n } });
    });
    w.advance(2 * MINUTE);
    await w.sweeper.sweep();
    expect(await w.store.read.dedup.has('old')).toBe(false);
    expect(await w.store.read.dedup.has('fresh')).toBe(true);
    expect(await w.store.read.events.since(0, 100)).toBeNull();
    expect((await w.store.read.events.since(2, 100))?.map((e) => e.data.n)).toEqual([2, 3, 4]);
    const audit = () => w.store.read.audit.range({ since: new Date(0).toISOString(), until: new Date(T0 + 10 * DAY).toISOString(), limit: 10 });
    expect(await audit()).toHaveLength(1);

    w.advance(DAY);
    await w.sweeper.sweep();
    expect(await audit()).toEqual([]);
  });

  it('hands the archive the instant of the pass and the resolved retention', async () => {
    const w = await world();
    await w.sweeper.sweep();
    w.advance(MINUTE);
    await w.sweeper.sweep();
    expect(w.archiveCalls).toEqual([
      { now: new Date(T0).toISOString(), retentionMs: 7 * DAY },
      { now: new Date(T0 + MINUTE).toISOString(), retentionMs: 7 * DAY },
    ]);
  });
});

describe('Sweeper: passes', () => {
  it('never runs two passes at once: a sweep asked for during one joins it', async () => {
    let release!: () => void;
    let calls = 0;
    const w = await world({
      archive: {
        archiveResolved: async () => {
          calls += 1;
          if (calls === 1) await new Promise<void>((r) => (release = r));
          return 0;
        },
      },
    });
    const first = w.sweeper.sweep();
    await new Promise((r) => setImmediate(r));
    const second = w.sweeper.sweep();
    expect(second).toBe(first);
    release();
    await Promise.all([first, second]);
    expect(calls).toBe(1);
    await w.sweeper.sweep();
    expect(calls).toBe(2);
  });

  it('logs a failed pass instead of rejecting, and the next pass runs', async () => {
    let fail = true;
    const w = await world({
      archive: {
        archiveResolved: async () => {
          if (fail) throw new Error('archive disk full');
          return 0;
        },
      },
    });
    await expect(w.sweeper.sweep()).resolves.toBeUndefined();
    expect(w.logged.filter((l) => l.msg === 'sweep failed')).toHaveLength(1);
    fail = false;
    await w.report(healthy('ok', 'degraded'));
    w.advance(GRACE);
    await w.sweeper.sweep();
    expect(await w.incidents()).toHaveLength(1);
    expect(w.logged.filter((l) => l.msg === 'sweep failed')).toHaveLength(1);
  });
});

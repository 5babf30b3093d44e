// MonitorHandler inside the real ingest commit (ComponentStateService → Transactor → MemoryStore):
// one incident per server+component whatever the flapping, the ticket in the outbox of the very commit
// that opens the incident, and maintenance windows that record instead of escalating.
import { Registry } from 'prom-client';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolve } from '../../src/domain/incident.js';
import type { RoutingPolicy } from '../../src/domain/routing.js';
import type { ComponentStatus, Incident, LoggedEvent, ReportedComponent, StatusReport } from '../../src/domain/types.js';
import { saveIncident } from '../../src/escalation/incident-records.js';
import { NO_HOOKS } from '../../src/escalation/lifecycle-hooks.js';
import { MonitorHandler } from '../../src/escalation/monitor-handler.js';
import { ComponentStateService } from '../../src/ingest/component-state.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { Transactor } from '../../src/store/transactor.js';
import type { MaintenanceWindow, OutboxItem, UnitOfWork } from '../../src/store/port.js';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const POLICY: RoutingPolicy = {
  degradedGraceMs: 15 * 60_000, softwareFailurePriority: 'P2', multipleSoftwareFailuresPriority: 'P1',
  hardwarePriority: 'P2', unreachablePriority: 'P2', degradedPriority: 'P3',
};

interface CommitSnapshot {
  incidents: string[];
  outbox: Array<{ kind: string; incidentId: string }>;
}

/** The in-memory store, remembering what each unit of work left behind, to tell "same commit" from "a later one". */
class RecordingStore extends MemoryStore {
  readonly commits: CommitSnapshot[] = [];
  override transaction<T>(work: (uow: UnitOfWork) => Promise<T> | T): Promise<T> {
    return super.transaction(async (uow) => {
      const result = await work(uow);
      // Read inside the unit of work: it sees its own writes, and nothing of a later commit.
      const incidents = await uow.incidents.list({ status: 'all', limit: 10_000 });
      const outbox = (await Promise.all(incidents.map((i) => uow.outbox.forIncident(i.id)))).flat();
      this.commits.push({ incidents: incidents.map((i) => i.id), outbox: outbox.map((o) => ({ kind: o.kind, incidentId: o.incidentId })) });
      return result;
    });
  }
}

interface World {
  store: RecordingStore;
  transactor: Transactor;
  registry: Registry;
  /** Sends one console webhook (a delta report) a minute after the previous one. */
  send(components: ReportedComponent[], opts?: { serverId?: string; reachable?: boolean }): Promise<void>;
  /** Every incident, oldest first. */
  incidents(): Promise<Incident[]>;
  /** Every outbox item, oldest incident first. */
  outbox(): Promise<OutboxItem[]>;
  events(): Promise<LoggedEvent[]>;
}

async function world(): Promise<World> {
  const clock = { ms: T0 };
  const store = new RecordingStore();
  await store.open();
  const transactor = new Transactor({ store, now: () => new Date(clock.ms) });
  const registry = new Registry();
  const metrics = createMetrics(registry, { consoleIds: [] });
  const monitor = new MonitorHandler({ policy: POLICY, hooks: NO_HOOKS, metrics });
  const components = new ComponentStateService({ transactor, handler: monitor, dedupRetentionMs: 86_400_000 });
  // Every server starts known and healthy, so later reports are changes, not first sightings.
  const base = (serverId: string): StatusReport => ({
    serverId, observedAt: new Date(clock.ms).toISOString(), reachable: true, name: `${serverId}-name`, customerId: 'acme',
    components: [sw('backup', 'ok'), sw('email', 'ok'), hw('disks', 'ok')],
  });
  await components.apply([base('srv-0001'), base('srv-0002')], { mode: 'full', source: 'poll' });
  return {
    store, transactor, registry,
    async send(list, opts = {}) {
      clock.ms += 60_000;
      const report: StatusReport = { serverId: opts.serverId ?? 'srv-0001', observedAt: new Date(clock.ms).toISOString(), reachable: opts.reachable ?? true, components: list };
      await components.apply([report], { mode: 'delta', source: 'console' });
    },
    incidents: async () => (await store.read.incidents.list({ status: 'all', limit: 10_000 })).reverse(),
    async outbox() {
      const all = (await store.read.incidents.list({ status: 'all', limit: 10_000 })).reverse();
      return (await Promise.all(all.map((i) => store.read.outbox.forIncident(i.id)))).flat();
    },
    events: async () => (await store.read.events.since(0, 10_000)) ?? [],
  };
}

const sw = (name: string, status: ComponentStatus, message?: string): ReportedComponent => ({ name, kind: 'software', status, message });
const hw = (name: string, status: ComponentStatus, message?: string): ReportedComponent => ({ name, kind: 'hardware', status, message });

describe('MonitorHandler', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  it('keeps one incident for a flapping component: fail, ok, fail, ok, fail', async () => {
    for (const status of ['failed', 'ok', 'failed', 'ok', 'failed'] as const) await w.send([sw('backup', status, status === 'failed' ? 'exit 3' : undefined)]);
    const all = (await w.incidents());
    expect(all).toHaveLength(1);
    const [incident] = all;
    expect(incident).toMatchObject({ component: 'backup', level: 3, status: 'open', source: 'console', recoveredAt: null });
    expect(incident.timeline.map((e) => e.action)).toEqual(['created', 'recovered', 'relapsed', 'recovered', 'relapsed']);
    expect(incident.timeline.every((e) => e.actor.kind === 'system')).toBe(true);
    expect((await w.store.read.incidents.openFor('srv-0001', 'backup'))?.id).toBe(incident.id);
    expect((await w.store.read.incidents.open()).map((i) => i.id)).toEqual([incident.id]);
    expect((await w.outbox()).filter((o) => o.kind === 'ticket.create')).toHaveLength(1);
    expect((await w.outbox()).filter((o) => o.kind === 'ticket.comment').map((o) => o.payload.kind)).toEqual(['recovery', 'recovery']);
  });

  it('writes the ticket.create outbox item in the same commit as the incident', async () => {
    const before = w.store.commits.length;
    await w.send([sw('backup', 'failed', 'exit 3')]);
    const [incident] = (await w.incidents());
    expect(incident.ticket).toEqual({ adapter: '', id: null, url: null, state: 'pending' });
    const commits = w.store.commits.slice(before);
    const first = commits.findIndex((c) => c.incidents.includes(incident.id));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(commits[first].outbox).toContainEqual({ kind: 'ticket.create', incidentId: incident.id });
    expect((await w.events()).filter((e) => e.data.incidentId === incident.id).map((e) => e.type)).toEqual(['incident.created']);
  });

  it('opens a new incident once the previous one for the component is resolved', async () => {
    await w.send([sw('backup', 'failed')]);
    const [first] = (await w.incidents());
    await w.transactor.run((tx) => void saveIncident(tx, resolve(first, { kind: 'user', name: 'vendor', role: 'l3' }, tx.now, 'server'), 'incident.resolved'));
    await w.send([sw('backup', 'ok')]);
    await w.send([sw('backup', 'failed')]);
    expect((await w.incidents()).map((i) => i.status)).toEqual(['resolved', 'open']);
  });

  it('opens a hardware failure at L2 with a diagnostics fetch and no ticket', async () => {
    await w.send([hw('disks', 'failed', 'disk 2 failed')]);
    const [incident] = (await w.incidents());
    expect(incident).toMatchObject({ level: 2, componentKind: 'hardware', ticket: null, symptoms: ['disk 2 failed'] });
    expect(incident.title).toMatch(/^Hardware fault suspected/);
    expect((await w.outbox()).map((o) => o.kind)).toEqual(['diagnostics.fetch']);
  });

  it('opens one L2 connectivity incident per unreachable server, not one per component', async () => {
    await w.send([], { reachable: false });
    await w.send([], { reachable: true });
    await w.send([], { reachable: false });
    const all = (await w.incidents());
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ level: 2, component: null, serverId: 'srv-0001' });
    expect(all[0].timeline.map((e) => e.action)).toEqual(['created', 'recovered', 'relapsed']);
  });

  it('raises the open software incident to P1 when a second software component fails on the server', async () => {
    await w.send([sw('backup', 'failed')]);
    await w.send([sw('email', 'failed')]);
    const [backup, email] = (await w.incidents());
    expect(email).toMatchObject({ component: 'email', priority: 'P1' });
    expect(backup).toMatchObject({ component: 'backup', priority: 'P1' });
    expect(backup.timeline.at(-1)).toMatchObject({ action: 'priority', data: { from: 'P2', to: 'P1' } });
    expect((await w.outbox())).toContainEqual(expect.objectContaining({ kind: 'ticket.comment', incidentId: backup.id, payload: expect.objectContaining({ kind: 'escalation' }) }));
  });

  it('does not count a failure on another server towards "several software failures"', async () => {
    await w.send([sw('backup', 'failed')]);
    await w.send([sw('email', 'failed')], { serverId: 'srv-0002' });
    expect((await w.incidents()).map((i) => i.priority)).toEqual(['P2', 'P2']);
  });

  it('counts each incident it opens in escalatord_incidents_created_total', async () => {
    await w.send([sw('backup', 'failed')]);
    await w.send([sw('backup', 'ok')]);
    await w.send([sw('backup', 'failed')]);
    const metric = await w.registry.getSingleMetric('escalatord_incidents_created_total')!.get();
    const value = metric.values.find((v) => v.labels.level === '3' && v.labels.priority === 'P2' && v.labels.source === 'console')?.value;
    expect(value).toBe(1);
  });

  describe('with a maintenance window', () => {
    const window = (over: Partial<MaintenanceWindow>): MaintenanceWindow => ({
      id: 'mw-1', serverId: 'srv-0001', customerId: null, component: null,
      startsAt: new Date(T0).toISOString(), endsAt: new Date(T0 + 3_600_000).toISOString(),
      reason: 'firmware upgrade', createdBy: 'l2-desk', createdAt: new Date(T0).toISOString(), ...over,
    });
    const addWindow = (over: Partial<MaintenanceWindow> = {}) => w.store.transaction((u) => u.maintenance.put(window(over)));
    const stored = async () => (await w.store.read.maintenance.get('mw-1'))!;

    it('records failures on the server and opens no incident, ticket or outbox item', async () => {
      await addWindow();
      await w.send([sw('backup', 'failed', 'exit 3'), hw('disks', 'failed')]);
      await w.send([], { reachable: false });
      expect((await w.incidents())).toEqual([]);
      expect((await w.outbox())).toEqual([]);
      expect((await stored()).suppressed?.map((s) => s.what)).toEqual([
        'backup failed on srv-0001 during maintenance',
        'disks failed on srv-0001 during maintenance',
        'srv-0001 unreachable during maintenance',
      ]);
    });

    it('covers every server of a customer window', async () => {
      await addWindow({ serverId: null, customerId: 'acme' });
      await w.send([sw('backup', 'failed')], { serverId: 'srv-0002' });
      expect((await w.incidents())).toEqual([]);
    });

    it('covers only its component when it names one', async () => {
      await addWindow({ component: 'backup' });
      await w.send([sw('backup', 'failed'), sw('email', 'failed')]);
      expect((await w.incidents()).map((i) => i.component)).toEqual(['email']);
    });

    it('does not cover another server', async () => {
      await addWindow({ serverId: 'srv-0002' });
      await w.send([sw('backup', 'failed')]);
      expect((await w.incidents())).toHaveLength(1);
    });

    it('does not cover a failure after the window has ended', async () => {
      await addWindow({ endsAt: new Date(T0 + 30_000).toISOString() });
      await w.send([sw('backup', 'failed')]);
      expect((await w.incidents())).toHaveLength(1);
      expect((await stored()).suppressed).toBeUndefined();
    });
  });
});

import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeScheduler } from '../../src/cluster/fake-scheduler.js';
import { configSchema } from '../../src/config/schema.js';
import { ConsoleClient } from '../../src/console/console-client.js';
import { ComponentStateService } from '../../src/ingest/component-state.js';
import { ConsolePoller } from '../../src/ingest/poller.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { ConsoleSimulator } from '../../src/simulator/console-simulator.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { Transactor } from '../../src/store/transactor.js';
import { metricValue } from './ingest-harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(opts: { pollInterval?: string } = {}) {
  const sim = new ConsoleSimulator({ servers: 6, faults: false, token: 'console-token-xyz', logger: pino({ level: 'silent' }) });
  const { url } = await sim.start();
  cleanups.push(() => sim.stop());
  const consoleConfig = configSchema.parse({
    // A call that must succeed gets all the time a busy machine may need; the schedule is the test's clock.
    consoles: [{ id: 'main', url, token: 'console-token-xyz', pollInterval: opts.pollInterval ?? '1s', timeout: '30s', concurrency: 4, jitter: '0s' }],
  }).consoles[0];
  const store = new MemoryStore();
  await store.open();
  const transactor = new Transactor({ store, now: () => new Date() });
  const components = new ComponentStateService({ transactor, handler: { onChanges: async () => undefined }, dedupRetentionMs: 86_400_000 });
  const registry = new Registry();
  const metrics = createMetrics(registry, { consoleIds: ['main'] });
  const poller = new ConsolePoller({ config: consoleConfig, client: new ConsoleClient({ config: consoleConfig }), components, transactor, metrics, logger: pino({ level: 'silent' }), batchSize: 4 });
  cleanups.push(() => poller.stop());
  const control = (path: string, body: unknown) =>
    fetch(`${url}/control${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => {
      expect(r.status).toBe(200);
    });
  /** Every stored server by id, read through the port. */
  const servers = async () => Object.fromEntries((await store.read.servers.all()).map((s) => [s.id, s]));
  const events = async () => (await store.read.events.since(0, 100_000)) ?? [];
  return { sim, store, poller, registry, control, servers, events };
}

/** The poller's schedule on a clock that moves only when the test says so: when polls run is not a race. */
function fakeSchedule() {
  const clock = new FakeScheduler(new Date());
  cleanups.push(() => clock.stop());
  return {
    clock,
    /** Moves the clock by `ms`, running the polls that come due, and waits until they are done. */
    advance: async (ms: number) => {
      await clock.advance(ms);
      await clock.idle();
    },
  };
}

describe('ConsolePoller against the console simulator', () => {
  it('takes every server as the whole truth, with names and customers from the server list', async () => {
    const { servers, poller, registry } = await setup();
    const result = await poller.pollNow();
    expect(result).toMatchObject({ ok: true, servers: 6, reports: 6, failed: 0 });
    const s = (await servers())['srv-0001'];
    expect(s).toMatchObject({ consoleId: 'main', customerId: 'acme', reachable: true });
    expect(s.name).toMatch(/^acme-/);
    expect(Object.keys(s.components).length).toBeGreaterThan(5);
    expect(await metricValue(registry, 'escalatord_console_up', { console: 'main' })).toBe(1);
    expect(await metricValue(registry, 'escalatord_ingest_reports_total', { source: 'poll', outcome: 'accepted' })).toBe(6);
    expect(poller.health()).toMatchObject({ id: 'main', up: true, lastError: null, servers: 6 });
  });

  it('sees a fault injected through the control API at the next poll, one poll interval on', async () => {
    const { servers, events, poller, control } = await setup({ pollInterval: '1s' });
    const { clock, advance } = fakeSchedule();
    const started = clock.now().getTime();
    await poller.start(clock);
    await advance(0);
    expect((await servers())['srv-0003']).toBeDefined();
    await control('/servers/srv-0003/components/backup', { status: 'failed', message: 'backup job exited with code 3' });
    expect(clock.pending().map((j) => j.dueAt.getTime() - started)).toEqual([1000]);

    await advance(999);
    expect((await servers())['srv-0003'].components.backup?.status).not.toBe('failed');
    await advance(1);
    expect((await servers())['srv-0003'].components.backup.status).toBe('failed');
    expect((await servers())['srv-0003'].components.backup.message).toBe('backup job exited with code 3');
    expect((await events()).some((e) => e.type === 'component.changed' && e.data.serverId === 'srv-0003' && e.data.to === 'failed')).toBe(true);
  });

  it('turns a console outage into console_up 0 and one console.down event, never into component changes', async () => {
    const { servers, events, poller, registry, control } = await setup();
    await poller.pollNow();
    const before = await servers();
    const changesBefore = (await events()).filter((e) => e.type === 'component.changed').length;
    await control('/outage', { down: true });
    for (let i = 0; i < 3; i++) expect((await poller.pollNow()).ok).toBe(false);
    expect(await metricValue(registry, 'escalatord_console_up', { console: 'main' })).toBe(0);
    expect((await events()).filter((e) => e.type === 'console.down')).toHaveLength(1);
    expect((await events()).filter((e) => e.type === 'component.changed')).toHaveLength(changesBefore);
    expect(await servers()).toEqual(before);
    expect(poller.health()).toMatchObject({ up: false, lastError: expect.stringContaining('503') });

    await control('/outage', { down: false });
    expect((await poller.pollNow()).ok).toBe(true);
    expect(await metricValue(registry, 'escalatord_console_up', { console: 'main' })).toBe(1);
    expect((await events()).filter((e) => e.type === 'console.up')).toHaveLength(1);
  });

  it('treats a console that stopped answering as down, through the schedule as well', async () => {
    const { sim, servers, events, poller, registry } = await setup({ pollInterval: '1s' });
    await poller.pollNow();
    const before = await servers();
    await sim.stop();
    const { clock, advance } = fakeSchedule();
    await poller.start(clock);
    await advance(0);
    expect(poller.health().up).toBe(false);
    await advance(1000);
    expect(await metricValue(registry, 'escalatord_console_up', { console: 'main' })).toBe(0);
    expect(await servers()).toEqual(before);
    expect((await events()).filter((e) => e.type === 'console.down')).toHaveLength(1);
  });

  it('stops the schedule and the running poll, and can be stopped twice', async () => {
    const { store, poller } = await setup({ pollInterval: '1s' });
    poller.start();
    poller.start();
    await poller.stop();
    await poller.stop();
    const polledAt = poller.health().lastPollAt;
    const writes = store.writes;
    await new Promise((r) => setTimeout(r, 1500));
    expect(poller.health().lastPollAt).toBe(polledAt);
    expect(store.writes).toBe(writes);
  });
});

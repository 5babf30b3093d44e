// One console's poller on a FakeScheduler: the clock moves only when a test advances it, so the
// schedule, the skip of a tick during a slow poll and the jitter are checked without real sleeps.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FakeScheduler } from '../../src/cluster/fake-scheduler.js';
import { configSchema } from '../../src/config/schema.js';
import { ConsoleError } from '../../src/console/console-client.js';
import type { StatusReport } from '../../src/domain/types.js';
import { ConsolePoller } from '../../src/ingest/poller.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { Transactor } from '../../src/store/transactor.js';

type Client = ConstructorParameters<typeof ConsolePoller>[0]['client'];

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

async function build(client: Client, opts: { over?: Record<string, unknown>; clock?: FakeScheduler; store?: MemoryStore } = {}) {
  const config = configSchema.parse({ consoles: [{ id: 'c1', url: 'http://127.0.0.1:1', pollInterval: '200ms', jitter: '0s', concurrency: 8, ...opts.over }] }).consoles[0];
  const clock = opts.clock ?? new FakeScheduler('2026-01-05T09:00:00.000Z');
  const store = opts.store ?? new MemoryStore();
  if (!opts.store) await store.open();
  const now = () => clock.now();
  const transactor = new Transactor({ store, now });
  const applied: Array<{ n: number; mode: string; source: string }> = [];
  const components = {
    apply: async (reports: StatusReport[], meta: { mode: string; source: string }) => {
      applied.push({ n: reports.length, mode: meta.mode, source: meta.source });
      return { applied: reports.length, duplicate: false, changes: 0, refused: [] };
    },
  };
  const metrics = createMetrics(new Registry(), { consoleIds: ['c1'] });
  const poller = new ConsolePoller({ config, client, components, transactor, metrics, logger: pino({ level: 'silent' }), now });
  return { poller, applied, store, clock };
}

const report = (id: string): StatusReport => ({ serverId: id, observedAt: '2026-01-05T09:00:00.000Z', reachable: true, components: [] });
const eventTypes = async (store: MemoryStore) => ((await store.read.events.since(0, 100)) ?? []).map((e) => e.type);

describe('ConsolePoller', () => {
  it('applies polled reports in batches of 200 servers as full reports from the poll', async () => {
    const servers = Array.from({ length: 450 }, (_, i) => ({ id: `s${i}`, name: `n${i}`, customerId: 'c' }));
    const { poller, applied } = await build({ listServers: async () => servers, status: async (id) => report(id) });
    const result = await poller.pollNow();
    expect(result).toMatchObject({ ok: true, reports: 450 });
    expect(applied.map((a) => a.n).sort((a, b) => b - a)).toEqual([200, 200, 50]);
    expect(applied.every((a) => a.mode === 'full' && a.source === 'poll')).toBe(true);
    await poller.stop();
  });

  it('polls once at start and then once every pollInterval on the scheduler it is given, stamped with its clock', async () => {
    let lists = 0;
    const { poller, clock } = await build({ listServers: async () => (lists++, []), status: async (id) => report(id) });
    await poller.start(clock);
    await clock.idle();
    expect(lists).toBe(1);
    expect(poller.health()).toMatchObject({ up: true, lastPollAt: '2026-01-05T09:00:00.000Z' });
    await clock.advance(199);
    expect(lists).toBe(1);
    await clock.advance(1);
    expect(lists).toBe(2);
    await clock.advance(800);
    expect(lists).toBe(6);
    expect(poller.health().lastPollAt).toBe('2026-01-05T09:00:01.000Z');
    await poller.stop();
  });

  it('never runs two polls of one console at once: ticks during a slow poll are skipped, and pollNow waits its turn', async () => {
    let running = 0;
    let maxRunning = 0;
    let lists = 0;
    let gate = deferred();
    const { poller, clock } = await build({
      listServers: async () => {
        lists += 1;
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await gate.promise;
        running -= 1;
        return [];
      },
      status: async (id) => report(id),
    });
    await poller.start(clock);
    await clock.runDue();
    expect(lists).toBe(1);
    // Five ticks come due while the first poll hangs on the console: none starts a second poll.
    await clock.advance(1_000);
    expect(lists).toBe(1);
    const asked = poller.pollNow();
    await clock.advance(200);
    expect(lists).toBe(1);

    // The slow poll ends; the poll asked for runs next, alone, and holds the next tick back in turn.
    const first = gate;
    gate = deferred();
    first.resolve();
    await clock.advance(0);
    await new Promise((r) => setImmediate(r));
    expect(lists).toBe(2);
    await clock.advance(200);
    expect(lists).toBe(2);
    gate.resolve();
    expect((await asked).ok).toBe(true);
    await clock.advance(200);
    expect(lists).toBe(3);
    expect(maxRunning).toBe(1);
    await poller.stop();
  });

  it('caps the jitter at half the poll interval, so a poll still comes about once an interval', async () => {
    let lists = 0;
    // The top of the jitter window every time.
    const clock = new FakeScheduler('2026-01-05T09:00:00.000Z', { random: () => 0.999 });
    const { poller } = await build({ listServers: async () => (lists++, []), status: async (id) => report(id) }, { over: { pollInterval: '10s', jitter: '1m' }, clock });
    await poller.start(clock);
    await clock.idle();
    expect(clock.pending()).toEqual([{ name: 'poll:c1', dueAt: new Date('2026-01-05T09:00:14.995Z') }]);
    await clock.advance(14_994);
    expect(lists).toBe(1);
    await clock.advance(1);
    expect(lists).toBe(2);
    await poller.stop();
  });

  it('stops polling when stopped: its job is cancelled and no tick comes after', async () => {
    let lists = 0;
    const { poller, clock } = await build({ listServers: async () => (lists++, []), status: async (id) => report(id) });
    await poller.start(clock);
    await clock.idle();
    await clock.advance(400);
    expect(lists).toBe(3);
    await poller.stop();
    expect(clock.has('poll:c1')).toBe(false);
    await clock.advance(10_000);
    expect(lists).toBe(3);
    expect((await poller.pollNow()).error).toBe('stopped');
  });

  it('counts the console down when most status calls fail, and applies nothing from a failed list', async () => {
    const servers = Array.from({ length: 10 }, (_, i) => ({ id: `s${i}`, name: `n${i}`, customerId: 'c' }));
    let call = 0;
    const { poller, applied, store } = await build({
      listServers: async () => servers,
      status: async (id) => {
        if (call++ % 4 !== 0) throw new ConsoleError('timeout', 'timed out');
        return report(id);
      },
    });
    expect((await poller.pollNow()).ok).toBe(false);
    expect(poller.health().up).toBe(false);
    expect(await eventTypes(store)).toEqual(['console.down']);

    const { poller: p2, applied: a2 } = await build({ listServers: async () => { throw new ConsoleError('network', 'ECONNREFUSED'); }, status: async (id) => report(id) });
    expect((await p2.pollNow()).ok).toBe(false);
    expect(a2).toEqual([]);
    expect(applied.length).toBeLessThanOrEqual(1);
  });

  it('remembers a console that was down across a restart: no second console.down, and console.up when it answers again', async () => {
    let reachable = false;
    const client: Client = {
      listServers: async () => {
        if (!reachable) throw new ConsoleError('network', 'ECONNREFUSED');
        return [];
      },
      status: async (id) => report(id),
    };
    const first = await build(client);
    await first.poller.start(first.clock);
    await first.clock.idle();
    expect(first.poller.health().up).toBe(false);
    expect(await eventTypes(first.store)).toEqual(['console.down']);
    await first.poller.stop();

    // A new poller on the same store (a restart, or another instance taking the lead).
    const second = await build(client, { store: first.store });
    await second.poller.start(second.clock);
    expect(second.poller.health().up).toBe(false);
    await second.clock.idle();
    await second.clock.advance(400);
    expect(await eventTypes(first.store)).toEqual(['console.down']);

    reachable = true;
    await second.clock.advance(200);
    await second.clock.idle();
    expect(second.poller.health().up).toBe(true);
    expect(await eventTypes(first.store)).toEqual(['console.down', 'console.up']);
    await second.poller.stop();
  });
});

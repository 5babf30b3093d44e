import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { ConsoleError } from '../../src/console/console-client.js';
import type { StatusReport } from '../../src/domain/types.js';
import { ConsolePoller } from '../../src/ingest/poller.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { Transactor } from '../../src/store/transactor.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function build(client: ConstructorParameters<typeof ConsolePoller>[0]['client'], over: Record<string, unknown> = {}) {
  const config = configSchema.parse({ consoles: [{ id: 'c1', url: 'http://127.0.0.1:1', pollInterval: '200ms', jitter: '0s', concurrency: 8, ...over }] }).consoles[0];
  const store = new MemoryStore();
  await store.open();
  const transactor = new Transactor({ store, now: () => new Date() });
  const applied: Array<{ n: number; mode: string; source: string }> = [];
  const components = {
    apply: async (reports: StatusReport[], meta: { mode: string; source: string }) => {
      applied.push({ n: reports.length, mode: meta.mode, source: meta.source });
      return { applied: reports.length, duplicate: false, changes: 0, refused: [] };
    },
  };
  const metrics = createMetrics(new Registry(), { consoleIds: ['c1'] });
  const poller = new ConsolePoller({ config, client, components, transactor, metrics, logger: pino({ level: 'silent' }) });
  return { poller, applied, store };
}

const report = (id: string): StatusReport => ({ serverId: id, observedAt: new Date().toISOString(), reachable: true, components: [] });

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

  it('never runs two polls of one console at once: a tick during a slow poll is skipped', async () => {
    let running = 0;
    let maxRunning = 0;
    let lists = 0;
    const { poller } = await build({
      listServers: async () => {
        lists += 1;
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await sleep(700);
        running -= 1;
        return [];
      },
      status: async (id) => report(id),
    });
    poller.start();
    await sleep(1000);
    await poller.stop();
    expect(maxRunning).toBe(1);
    // Ticks every 200 ms for a second, but each poll takes 700 ms: two polls at most.
    expect(lists).toBeLessThanOrEqual(2);
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
    expect(((await store.read.events.since(0, 100)) ?? []).map((e) => e.type)).toEqual(['console.down']);

    const { poller: p2, applied: a2 } = await build({ listServers: async () => { throw new ConsoleError('network', 'ECONNREFUSED'); }, status: async (id) => report(id) });
    expect((await p2.pollNow()).ok).toBe(false);
    expect(a2).toEqual([]);
    expect(applied.length).toBeLessThanOrEqual(1);
  });
});

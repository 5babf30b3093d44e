// The archive as the daemon wires it: the file engine and its Archive from createStore (storage.path,
// storage.resolvedRetention, storage.maxLiveIncidents), driven by the Sweeper on a clock the test moves,
// over a real store file in a temp folder. The Archive's own rules (torn lines, a failed commit, a
// record changed mid-pass, maxPerPass) are tested in store-file-archive.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../src/config/schema.js';
import type { Incident } from '../../src/domain/types.js';
import { NO_HOOKS } from '../../src/escalation/lifecycle-hooks.js';
import { MonitorHandler } from '../../src/escalation/monitor-handler.js';
import { Sweeper } from '../../src/escalation/sweeper.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store } from '../../src/store/port.js';
import { Transactor } from '../../src/store/transactor.js';
import { incident } from '../helpers/store-conformance.js';
import { useTempDir } from '../helpers/tmp.js';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const silent = pino({ level: 'silent' });

/** A resolved incident with a timeline of three entries, resolved at `resolvedAtMs`. */
function resolvedIncident(id: string, resolvedAtMs: number): Incident {
  const actor = { kind: 'user' as const, name: 'l2-desk', role: 'l2' as const };
  return incident(id, {
    component: id, status: 'resolved', resolvedAt: iso(resolvedAtMs), updatedAt: iso(resolvedAtMs), rootCause: 'configuration',
    timeline: [
      { at: iso(resolvedAtMs - HOUR), actor: { kind: 'system', name: 'escalatord' }, action: 'created' },
      { at: iso(resolvedAtMs - HOUR / 2), actor, action: 'acknowledged' },
      { at: iso(resolvedAtMs), actor, action: 'resolved', note: 'GPO fixed', data: { rootCause: 'configuration' } },
    ],
  });
}

describe('the archive as the daemon wires it', () => {
  const tmp = useTempDir(beforeEach, afterEach, 'escalatord-archive-');
  const opened: Store[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  function build(storage: Record<string, unknown>, clock: { ms: number }) {
    const config: Config = configSchema.parse({ storage: { path: tmp().file('store.json'), ...storage } });
    const now = () => new Date(clock.ms);
    const metrics = createMetrics(new Registry(), { consoleIds: [] });
    const { store, archive } = createStore(config, { now, metrics, logger: silent });
    opened.push(store);
    const routing = {
      degradedGraceMs: config.routing.degradedGrace, softwareFailurePriority: config.routing.softwareFailurePriority,
      multipleSoftwareFailuresPriority: config.routing.multipleSoftwareFailuresPriority, hardwarePriority: config.routing.hardwarePriority,
      unreachablePriority: config.routing.unreachablePriority, degradedPriority: config.routing.degradedPriority,
    };
    const sweeper = new Sweeper({
      transactor: new Transactor({ store, now }), monitor: new MonitorHandler({ policy: routing, hooks: NO_HOOKS, metrics }), hooks: NO_HOOKS,
      policy: routing, archive, logger: silent, now, autoResolveAfterMs: undefined,
      resolvedRetentionMs: config.storage.resolvedRetention, eventLogSize: config.storage.eventLogSize, auditRetentionMs: config.storage.auditRetention,
    });
    return { config, store, sweeper, archivePath: `${config.storage.path}.archive.jsonl` };
  }

  const lines = (path: string): Incident[] => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Incident);

  it('moves incidents resolved longer ago than storage.resolvedRetention to <path>.archive.jsonl, whole, and they stay out of the store after a restart', async () => {
    const clock = { ms: T0 };
    const first = build({ resolvedRetention: '1d' }, clock);
    await first.store.open();
    const old = resolvedIncident('INC-000001', T0 - 2 * HOUR);
    const recent = resolvedIncident('INC-000002', T0 + 12 * HOUR);
    await first.store.transaction((u) => {
      u.incidents.put(old);
      u.incidents.put(recent);
      u.incidents.put(incident('INC-000003', { component: 'email' }));
    });

    // Inside the retention nothing moves, and no archive file appears.
    await first.sweeper.sweep();
    expect(existsSync(first.archivePath)).toBe(false);

    clock.ms = T0 - 2 * HOUR + DAY + 1;
    await first.sweeper.sweep();
    expect(lines(first.archivePath)).toEqual([old]);
    expect(await first.store.read.incidents.get('INC-000001')).toBeUndefined();
    expect((await first.store.read.incidents.list({ status: 'all', limit: 10 })).map((i) => i.id)).toEqual(['INC-000003', 'INC-000002']);
    // Sweeping again archives nothing twice.
    await first.sweeper.sweep();
    expect(lines(first.archivePath)).toHaveLength(1);

    // A clean stop writes the snapshot: the archived incident is in neither it nor the restarted store.
    await first.store.close();
    expect(readFileSync(first.config.storage.path, 'utf8')).not.toContain('INC-000001');
    const second = build({ resolvedRetention: '1d' }, clock);
    await second.store.open();
    expect(await second.store.read.incidents.get('INC-000001')).toBeUndefined();
    expect(await second.store.read.incidents.get('INC-000002')).toEqual(recent);
    expect(await second.store.read.incidents.count()).toBe(2);

    // The second incident's turn comes on the restarted daemon; the archive grows, in resolution order.
    clock.ms = T0 + 12 * HOUR + DAY + 1;
    await second.sweeper.sweep();
    expect(lines(second.archivePath).map((i) => i.id)).toEqual(['INC-000001', 'INC-000002']);
    expect((await second.store.read.incidents.open()).map((i) => i.id)).toEqual(['INC-000003']);
  });

  it('keeps the live store to storage.maxLiveIncidents by archiving the oldest resolved first, never an open incident', async () => {
    const clock = { ms: T0 };
    const { store, sweeper, archivePath } = build({ resolvedRetention: '7d', maxLiveIncidents: 100 }, clock);
    await store.open();
    await store.transaction((u) => {
      // 100 open incidents and 5 resolved within the retention, oldest resolution first by id.
      for (let n = 1; n <= 100; n++) u.incidents.put(incident(`INC-${String(n).padStart(6, '0')}`, { component: `c${n}` }));
      for (let n = 101; n <= 105; n++) u.incidents.put(resolvedIncident(`INC-${String(n).padStart(6, '0')}`, T0 - (110 - n) * HOUR));
    });
    await sweeper.sweep();
    expect(lines(archivePath).map((i) => i.id)).toEqual(['INC-000101', 'INC-000102', 'INC-000103', 'INC-000104', 'INC-000105']);
    expect(await store.read.incidents.count()).toBe(100);
    expect(await store.read.incidents.open()).toHaveLength(100);

    // Over the cap with nothing resolved left: open incidents are never archived.
    await store.transaction((u) => u.incidents.put(incident('INC-000106', { component: 'c106' })));
    await sweeper.sweep();
    expect(await store.read.incidents.count()).toBe(101);
    expect(lines(archivePath)).toHaveLength(5);
  });
});

// Benchmark 6: a /metrics scrape with 10,000 servers (13 components each) and 5,000 open incidents in
// the store. Targets: under 50 ms and under 1 MB per scrape.
import { join } from 'node:path';
import { createIncident } from '../../src/domain/incident.js';
import { startSla, buildSlaPolicy } from '../../src/domain/sla.js';
import { buildCalendars } from '../../src/domain/calendar.js';
import { configSchema } from '../../src/config/schema.js';
import { FileStore } from '../../src/store/file/file-store.js';
import type { ServerState, Level, Priority } from '../../src/domain/types.js';
import { cleanup, percentile, startDaemon, tempDir, type BenchResult } from './lib.js';

const COMPONENTS: Array<[string, 'software' | 'hardware']> = [
  ['domain-services', 'software'], ['file-services', 'software'], ['email', 'software'], ['backup', 'software'], ['antivirus', 'software'],
  ['update-agent', 'software'], ['remote-access', 'software'], ['disks', 'hardware'], ['raid', 'hardware'], ['psu', 'hardware'],
  ['fans', 'hardware'], ['memory', 'hardware'], ['nic', 'hardware'],
];

export async function benchMetrics(servers = 10_000, openIncidents = 5_000): Promise<BenchResult> {
  const dir = tempDir('metrics');
  const path = join(dir, 'store.json');
  const now = new Date();
  const at = now.toISOString();
  // The store is filled through the file engine itself, then closed (which writes its snapshot).
  const store = new FileStore({ path, now: () => now });
  await store.open();
  for (let from = 0; from < servers; from += 1000) {
    await store.transaction((u) => {
      for (let i = from; i < Math.min(servers, from + 1000); i++) {
        const id = `srv-${String(i).padStart(5, '0')}`;
        const components: Record<string, ServerState['components'][string]> = {};
        for (const [name, kind] of COMPONENTS) components[name] = { name, kind, status: i % 7 === 0 && name === 'backup' ? 'failed' : 'ok', since: at, observedAt: at };
        u.servers.put({ id, name: `host-${i}`, customerId: `c${i % 200}`, consoleId: 'main', reachable: true, reachableSince: at, observedAt: at, components });
      }
    });
  }
  const config = configSchema.parse({});
  const policy = buildSlaPolicy(config.sla, buildCalendars(config.sla.calendars));
  for (let from = 0; from < openIncidents; from += 1000) {
    await store.transaction(async (u) => {
      for (let i = from; i < Math.min(openIncidents, from + 1000); i++) {
        const priority = (['P1', 'P2', 'P3', 'P4'] as Priority[])[i % 4];
        const level = ([2, 3] as Level[])[i % 2];
        const incident = createIncident({
          id: await u.incidents.nextId(), type: 'fault', title: `backup failed on host-${i}`, serverId: `srv-${String(i).padStart(5, '0')}`, customerId: `c${i % 200}`, component: 'backup',
          componentKind: 'software', source: 'console', priority, level, reporter: null, symptoms: [], requestType: null, detectedAt: at, actor: { kind: 'system', name: 'bench' },
        }, now);
        u.incidents.put({ ...incident, sla: startSla(now, { policy, priority, level }) });
      }
    });
  }
  await store.close();
  const daemon = await startDaemon({ storage: { path } }, dir);
  try {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const text = await (await fetch(`${daemon.url}/metrics`)).text();
      times.push(performance.now() - t0);
      bytes = Buffer.byteLength(text);
    }
    const warm = times.slice(5);
    const p99 = percentile(warm, 99);
    return {
      name: '/metrics with 10,000 servers and 5,000 open incidents',
      target: 'scrape < 50 ms, < 1 MB',
      measured: { servers, openIncidents, p50Ms: Number(percentile(warm, 50).toFixed(1)), maxMs: Number(p99.toFixed(1)), firstMs: Number(times[0].toFixed(1)), kb: Math.round(bytes / 1024) },
      pass: p99 < 50 && bytes < 1024 * 1024,
    };
  } finally {
    await daemon.stop();
    cleanup(dir);
  }
}

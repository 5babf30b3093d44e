// Benchmark 6: a /metrics scrape with 10,000 servers (13 components each) and 5,000 open incidents in
// the store. Targets: under 50 ms and under 1 MB per scrape.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIncident } from '../../src/domain/incident.js';
import { startSla, buildSlaPolicy } from '../../src/domain/sla.js';
import { buildCalendars } from '../../src/domain/calendar.js';
import { configSchema } from '../../src/config/schema.js';
import { emptyStoreData } from '../../src/store/types.js';
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
  const data = emptyStoreData();
  for (let i = 0; i < servers; i++) {
    const id = `srv-${String(i).padStart(5, '0')}`;
    const components: ServerState['components'] = {};
    for (const [name, kind] of COMPONENTS) components[name] = { name, kind, status: i % 7 === 0 && name === 'backup' ? 'failed' : 'ok', since: at, observedAt: at };
    data.servers[id] = { id, name: `host-${i}`, customerId: `c${i % 200}`, consoleId: 'main', reachable: true, reachableSince: at, observedAt: at, components };
  }
  const config = configSchema.parse({});
  const policy = buildSlaPolicy(config.sla, buildCalendars(config.sla.calendars));
  for (let i = 0; i < openIncidents; i++) {
    const priority = (['P1', 'P2', 'P3', 'P4'] as Priority[])[i % 4];
    const level = ([2, 3] as Level[])[i % 2];
    const id = `INC-${String(i + 1).padStart(6, '0')}`;
    const incident = createIncident({
      id, type: 'fault', title: `backup failed on host-${i}`, serverId: `srv-${String(i).padStart(5, '0')}`, customerId: `c${i % 200}`, component: 'backup',
      componentKind: 'software', source: 'console', priority, level, reporter: null, symptoms: [], requestType: null, detectedAt: at, actor: { kind: 'system', name: 'bench' },
    }, now);
    data.incidents[id] = { ...incident, sla: startSla(now, { policy, priority, level }) };
  }
  data.counters.incident = openIncidents;
  writeFileSync(path, JSON.stringify(data));
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

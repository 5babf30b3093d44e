// Benchmark 5: the file engine with 100,000 incidents of history. Incidents are created and resolved
// through the real store, transactor and archive (100 days of history, 7 days' retention), 64 commits in flight.
// Then the compiled daemon starts on the result. Targets: start-up < 3 s, commit p99 < 50 ms, the live
// file kept under the configured size (storage.maxLiveIncidents).
import { statSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createIncident, resolve } from '../../src/domain/incident.js';
import { saveIncident } from '../../src/escalation/incident-records.js';
import { Archive } from '../../src/store/file/archive.js';
import { FileStore } from '../../src/store/file/file-store.js';
import { Transactor } from '../../src/store/transactor.js';
import { cleanup, percentile, startDaemon, tempDir, type BenchResult } from './lib.js';

const DAY = 86_400_000;

export async function benchStore(total = 100_000, maxLiveIncidents = 20_000): Promise<BenchResult> {
  const dir = tempDir('store');
  const path = join(dir, 'store.json');
  const start = Date.now() - 100 * DAY;
  let clock = start;
  const store = new FileStore({ path, now: () => new Date(clock) });
  await store.open();
  const transactor = new Transactor({ store, now: () => new Date(clock) });
  const archive = new Archive({ store, path: `${path}.archive.jsonl`, maxLiveIncidents });
  const latencies: number[] = [];
  /** What the daemon's sweeper does over a simulated day: housekeeping (defaults: 10,000 events, 400 days of audit), then the archive. */
  const sweep = async (now: Date) => {
    for (let pass = 0; pass < 100; pass++) {
      const r = await store.housekeeping(now, { keepEvents: 10_000, auditBefore: new Date(now.getTime() - 400 * DAY).toISOString(), limit: 5000 });
      if (r.dedupExpired + r.eventsTrimmed + r.auditExpired === 0) break;
    }
    await archive.archiveResolved(now, 7 * DAY);
  };
  const actor = { kind: 'system' as const, name: 'bench' };
  try {
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < total; i++) {
      clock = start + Math.floor((i / total) * 100 * DAY);
      const t0 = performance.now();
      const p = transactor.run(async (tx) => {
        const created = createIncident({
          id: await tx.incidents.nextId(), type: 'fault', title: `backup failed on srv-${i % 5000}: job exited with code 3`, serverId: `srv-${i % 5000}`,
          customerId: `c${i % 200}`, component: 'backup', componentKind: 'software', source: 'console', priority: 'P2', level: 3, reporter: null,
          symptoms: ['backup job exited with code 3'], requestType: null, detectedAt: tx.now.toISOString(), actor,
        }, tx.now);
        saveIncident(tx, resolve(created, actor, new Date(tx.now.getTime() + 3_600_000), 'server', 'fixed'), 'incident.resolved');
      }).then(() => {
        latencies.push(performance.now() - t0);
        inFlight.delete(p);
      });
      inFlight.add(p);
      if (inFlight.size >= 64) await Promise.race(inFlight);
      if (i % 5000 === 4999) {
        await Promise.all(inFlight);
        await sweep(new Date(clock));
      }
    }
    await Promise.all(inFlight);
    await sweep(new Date(clock));
    const live = await store.read.incidents.count();
    await store.close();
    const liveBytes = statSync(path).size + (existsSync(`${path}.journal`) ? statSync(`${path}.journal`).size : 0);
    const archived = readFileSync(`${path}.archive.jsonl`, 'utf8').split('\n').length - 1;
    // What the live file holds, by section (after close it is all snapshot).
    const sections = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const mb = (key: string) => Number((Buffer.byteLength(JSON.stringify(sections[key] ?? null)) / 2 ** 20).toFixed(1));
    const [incidentsMb, eventsMb, auditMb] = [mb('incidents'), mb('events'), mb('audit')];

    const t0 = Date.now();
    const daemon = await startDaemon({ storage: { path, maxLiveIncidents } }, dir);
    const startupMs = Date.now() - t0;
    await daemon.stop();
    const p99 = percentile(latencies, 99);
    return {
      name: 'file engine with 100,000 incidents of history',
      target: `start-up < 3 s, commit p99 < 50 ms, live file <= ${maxLiveIncidents} incidents`,
      measured: {
        incidents: total, liveIncidents: live, archived, liveFileMb: Number((liveBytes / 2 ** 20).toFixed(1)), incidentsMb, eventsMb, auditMb,
        commitP50Ms: Number(percentile(latencies, 50).toFixed(1)), commitP99Ms: Number(p99.toFixed(1)), commitP95Ms: Number(percentile(latencies, 95).toFixed(1)), commitMaxMs: Number(Math.max(...latencies).toFixed(1)), startupMs,
      },
      pass: startupMs < 3000 && p99 < 50 && live <= maxLiveIncidents && live + archived >= total,
    };
  } finally {
    await store.close();
    cleanup(dir);
  }
}

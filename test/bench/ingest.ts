// Benchmark 1: signed console reports into the full daemon (durable store on) against a bare express 5
// JSON endpoint, same autocannon client, same run (in alternating rounds, lib.ts `alternating`), on each
// storage engine. Targets: `file` at least 0.6× and `postgres` at least 0.5× the bare endpoint's rate, no errors.
import autocannon from 'autocannon';
import { alternating, signedRequest, benchStorage, cleanup, load1, simServerId, startBareExpress, startDaemonWithConsole, tempDir, type BenchResult, type Engine } from './lib.js';

const COMPONENTS = ['domain-services', 'file-services', 'email', 'backup', 'antivirus', 'update-agent', 'remote-access', 'disks', 'raid', 'psu'];
const HARDWARE = new Set(['disks', 'raid', 'psu']);
/** Servers the reports name: those the simulated console lists (`srv-0001`…). */
export const FLEET = 1000;

/** One console report of a server of the fleet: ten components, one of them degraded in 5 % of reports. */
export function report(server = 1 + Math.floor(Math.random() * FLEET)): Record<string, unknown> {
  const odd = Math.random() < 0.05 ? COMPONENTS[Math.floor(Math.random() * COMPONENTS.length)] : null;
  return {
    serverId: simServerId(server),
    observedAt: new Date().toISOString(),
    reachable: true,
    components: COMPONENTS.map((name) => ({ name, kind: HARDWARE.has(name) ? 'hardware' : 'software', status: name === odd ? 'degraded' : 'ok' })),
  };
}

async function blast(url: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    connections: 32,
    duration: seconds,
    requests: [{ setupRequest: (req) => signedRequest(req, JSON.stringify(report())) }],
  });
}

export const INGEST_TARGET: Record<Engine, number> = { file: 0.6, postgres: 0.5 };

export async function benchIngest(engine: Engine, seconds = 10): Promise<BenchResult> {
  const dir = tempDir(`ingest-${engine}`);
  const { storage, drop, renice } = await benchStorage(engine, dir);
  const bare = await startBareExpress();
  try {
    const daemon = await startDaemonWithConsole({ storage, routing: { degradedGrace: '1h' } }, dir, FLEET);
    try {
      await blast(`${bare.url}/ingest`, 2); // warm-up both
      await blast(`${daemon.url}/api/v1/ingest/console`, 3);
      await renice();
      const loadBefore = load1();
      const m = await alternating({
        bare: { pids: { bare: bare.child.pid }, run: (s) => blast(`${bare.url}/ingest`, s) },
        daemon: { pids: { daemon: daemon.child.pid, bench: process.pid, ...(engine === 'postgres' ? { postgres: 0 } : {}) }, run: (s) => blast(`${daemon.url}/api/v1/ingest/console`, s) },
      }, seconds);
      const perReq = (ms: number, total: number) => Number((ms / Math.max(1, total)).toFixed(3));
      const ratio = m.daemon.rps / m.bare.rps;
      const non2xx = m.daemon.errors;
      const target = INGEST_TARGET[engine];
      return {
        name: `ingest on ${engine}: signed reports, durable, vs bare express`,
        target: `daemon req/s >= ${target} x bare express req/s, no errors`,
        measured: {
          bareRps: Math.round(m.bare.rps), daemonRps: Math.round(m.daemon.rps), ratio: Number(ratio.toFixed(2)),
          daemonP99Ms: m.daemon.p99Ms, bareP99Ms: m.bare.p99Ms, daemonErrors: non2xx,
          bareCpuMsPerReq: perReq(m.bare.cpuMs.bare, m.bare.total), daemonCpuMsPerReq: perReq(m.daemon.cpuMs.daemon, m.daemon.total),
          ...(engine === 'postgres' ? { postgresCpuMsPerReq: perReq(m.daemon.cpuMs.postgres, m.daemon.total) } : {}),
          loadGenCpuShare: Number((m.daemon.cpuMs.bench / (m.daemon.seconds * 1000)).toFixed(2)), load1mBefore: loadBefore, load1mAfter: load1(),
        },
        pass: ratio >= target && non2xx === 0,
      };
    } finally {
      await daemon.stop();
    }
  } finally {
    await bare.stop();
    await drop();
    cleanup(dir);
  }
}

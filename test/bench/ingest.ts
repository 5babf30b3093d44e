// Benchmark 1: signed console reports into the full daemon (durable store on) against a bare express 5
// JSON endpoint, same autocannon client, same run, on each storage engine. Targets: `file` at least 0.6×
// and `postgres` at least 0.5× the bare endpoint's rate, no errors.
import autocannon from 'autocannon';
import { signedRequest, benchStorage, cleanup, load1, simServerId, startBareExpress, startDaemonWithConsole, tempDir, withCpu, type BenchResult, type Engine } from './lib.js';

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
      const bareMeasured = await withCpu({ bare: bare.child.pid }, () => blast(`${bare.url}/ingest`, seconds));
      const daemonMeasured = await withCpu({ daemon: daemon.child.pid, bench: process.pid, ...(engine === 'postgres' ? { postgres: 0 } : {}) }, () => blast(`${daemon.url}/api/v1/ingest/console`, seconds));
      const [bareRun, daemonRun] = [bareMeasured.result, daemonMeasured.result];
      const perReq = (ms: number, r: autocannon.Result) => Number((ms / Math.max(1, r.requests.total)).toFixed(3));
      const ratio = daemonRun.requests.average / bareRun.requests.average;
      const non2xx = daemonRun.non2xx + daemonRun.errors;
      const target = INGEST_TARGET[engine];
      return {
        name: `ingest on ${engine}: signed reports, durable, vs bare express`,
        target: `daemon req/s >= ${target} x bare express req/s, no errors`,
        measured: {
          bareRps: Math.round(bareRun.requests.average), daemonRps: Math.round(daemonRun.requests.average), ratio: Number(ratio.toFixed(2)),
          daemonP99Ms: daemonRun.latency.p99, bareP99Ms: bareRun.latency.p99, daemonErrors: non2xx,
          bareCpuMsPerReq: perReq(bareMeasured.cpuMs.bare, bareRun), daemonCpuMsPerReq: perReq(daemonMeasured.cpuMs.daemon, daemonRun),
          ...(engine === 'postgres' ? { postgresCpuMsPerReq: perReq(daemonMeasured.cpuMs.postgres, daemonRun) } : {}),
          loadGenCpuShare: Number((daemonMeasured.cpuMs.bench / (seconds * 1000)).toFixed(2)), load1mBefore: loadBefore, load1mAfter: load1(),
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

// Benchmark: batched statuses against a real Alertmanager, in the same run. Debian's
// `prometheus-alertmanager` takes `POST /api/v2/alerts` with 64 alerts per request (one fixed body, as
// Prometheus re-sends its firing alerts); the daemon takes signed console webhooks of `{"reports":[…]}`,
// 64 servers per request (ten components each), on each storage engine. Same autocannon client,
// connections and duration. Target: the daemon's reports/s at least the alerts/s Alertmanager accepts.
import autocannon from 'autocannon';
import { benchStorage, cleanup, load1, signedRequest, startAlertmanager, startDaemon, tempDir, withCpu, type BenchResult, type Engine } from './lib.js';
import { FLEET, report } from './ingest.js';

export const BATCH = 64;
const CONNECTIONS = 32;

/** 64 firing alerts, one per server, as Prometheus posts them (labels, annotations, startsAt, generatorURL). */
function alertBody(): string {
  const startsAt = new Date().toISOString();
  return JSON.stringify(Array.from({ length: BATCH }, (_, i) => ({
    labels: { alertname: 'ComponentFailed', instance: `srv-b${String(i + 1).padStart(4, '0')}`, component: 'backup', kind: 'software', severity: 'critical' },
    annotations: { summary: 'backup job exited with code 3' },
    startsAt,
    generatorURL: 'http://prometheus.example:9090/graph?g0.expr=backup_failed',
  })));
}

async function amRun(url: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/api/v2/alerts`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    body: alertBody(),
  });
}

async function daemonRun(url: string, seconds: number): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url: `${url}/api/v1/ingest/console`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{
      setupRequest: (req) => {
        // 64 consecutive servers of the fleet, the next 64 in the next request.
        const reports = Array.from({ length: BATCH }, (_, i) => report(1 + ((next + i) % FLEET)));
        next = (next + BATCH) % FLEET;
        return signedRequest(req, JSON.stringify({ reports }));
      },
    }],
  });
}

export async function benchBatch(engine: Engine, seconds = 10): Promise<BenchResult> {
  const dir = tempDir(`batch-${engine}`);
  const { storage, drop } = await benchStorage(engine, dir);
  const am = await startAlertmanager(dir);
  try {
    const daemon = await startDaemon({ storage, routing: { degradedGrace: '1h' } }, dir);
    try {
      await amRun(am.url, 2); // warm-up both; the daemon's warm-up also makes the fleet known
      await daemonRun(daemon.url, 3);
      const loadBefore = load1();
      const amMeasured = await withCpu({ am: am.child.pid, bench: process.pid }, () => amRun(am.url, seconds));
      const daemonMeasured = await withCpu({ daemon: daemon.child.pid, bench: process.pid, ...(engine === 'postgres' ? { postgres: 0 } : {}) }, () => daemonRun(daemon.url, seconds));
      const [amResult, daemonResult] = [amMeasured.result, daemonMeasured.result];
      // CPU per request: what each side costs, whatever else the machine was doing.
      const perReq = (ms: number, r: autocannon.Result) => Number((ms / Math.max(1, r.requests.total)).toFixed(2));
      const alertsPerS = amResult.requests.average * BATCH;
      const reportsPerS = daemonResult.requests.average * BATCH;
      const ratio = reportsPerS / alertsPerS;
      const amErrors = amResult.non2xx + amResult.errors;
      const daemonErrors = daemonResult.non2xx + daemonResult.errors;
      return {
        name: `batched statuses on ${engine}: 64 reports per signed webhook vs Alertmanager, 64 alerts per POST /api/v2/alerts`,
        target: 'daemon reports/s >= 1.0 x Alertmanager alerts/s, no errors',
        measured: {
          alertmanagerAlertsPerS: Math.round(alertsPerS), daemonReportsPerS: Math.round(reportsPerS), ratio: Number(ratio.toFixed(2)),
          alertmanagerP99Ms: amResult.latency.p99, daemonP99Ms: daemonResult.latency.p99, alertmanagerErrors: amErrors, daemonErrors,
          alertmanagerCpuMsPerPost: perReq(amMeasured.cpuMs.am, amResult), daemonCpuMsPerPost: perReq(daemonMeasured.cpuMs.daemon, daemonResult),
          ...(engine === 'postgres' ? { postgresCpuMsPerPost: perReq(daemonMeasured.cpuMs.postgres, daemonResult) } : {}),
          loadGenCpuShare: Number((daemonMeasured.cpuMs.bench / (seconds * 1000)).toFixed(2)), load1mBefore: loadBefore, load1mAfter: load1(),
        },
        pass: ratio >= 1 && daemonErrors === 0 && amErrors === 0,
      };
    } finally {
      await daemon.stop();
    }
  } finally {
    await am.stop();
    await drop();
    cleanup(dir);
  }
}

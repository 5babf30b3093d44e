// Benchmark: batched statuses against a real Alertmanager, in the same run. Debian's
// `prometheus-alertmanager` takes `POST /api/v2/alerts` with 64 alerts per request (one fixed body, as
// Prometheus re-sends its firing alerts); the daemon takes signed console webhooks of `{"reports":[…]}`,
// 64 servers per request, on each storage engine. Same autocannon client, connections and duration, in
// alternating rounds (lib.ts `alternating`).
// Target: the daemon's reports/s at least the alerts/s Alertmanager accepts.
//
// Two shapes of report: `batch` gives each report what one alert carries (one server, one component's
// status), so the two counts compare like for like; `batch-full` sends what a console reports (one
// server, all ten components). In both, the fleet is steady as Alertmanager's alerts are: a report
// repeats the server's last state, except 1 in 100 that moves one component between ok and degraded.
import autocannon from 'autocannon';
import { alternating, benchStorage, cleanup, load1, signedRequest, simServerId, startAlertmanager, startDaemonWithConsole, tempDir, type BenchResult, type Engine } from './lib.js';

export const BATCH = 64;
const CONNECTIONS = 32;
const FLEET = 1000;
const CHURN = 0.01;
const COMPONENTS = ['backup', 'domain-services', 'file-services', 'email', 'antivirus', 'update-agent', 'remote-access', 'disks', 'raid', 'psu'];
const HARDWARE = new Set(['disks', 'raid', 'psu']);

/** 64 firing alerts, one per server, as Prometheus posts them (labels, annotations, startsAt, generatorURL). */
function alertBody(): string {
  const startsAt = new Date().toISOString();
  return JSON.stringify(Array.from({ length: BATCH }, (_, i) => ({
    labels: { alertname: 'ComponentDegraded', instance: simServerId(i + 1), component: 'backup', kind: 'software', severity: 'warning' },
    annotations: { summary: 'backup job is late' },
    startsAt,
    generatorURL: 'http://prometheus.example:9090/graph?g0.expr=backup_late',
  })));
}

/** Reports of a steady fleet: each server's components as last reported, 1 % of reports changing one. */
export function steadyFleet(components: number): (server: number) => Record<string, unknown> {
  const names = COMPONENTS.slice(0, components);
  const degraded = new Map<number, Set<string>>();
  return (server) => {
    const odd = degraded.get(server) ?? new Set<string>();
    degraded.set(server, odd);
    if (Math.random() < CHURN) {
      const name = names[Math.floor(Math.random() * names.length)];
      if (!odd.delete(name)) odd.add(name);
    }
    return {
      serverId: simServerId(server),
      observedAt: new Date().toISOString(),
      reachable: true,
      components: names.map((name) => ({ name, kind: HARDWARE.has(name) ? 'hardware' : 'software', status: odd.has(name) ? 'degraded' : 'ok' })),
    };
  };
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

function daemonLoad(components: number): (url: string, seconds: number) => Promise<autocannon.Result> {
  const report = steadyFleet(components);
  let next = 0;
  return (url, seconds) => autocannon({
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

export async function benchBatch(engine: Engine, components: 1 | 10, seconds = 10): Promise<BenchResult> {
  const dir = tempDir(`batch-${engine}`);
  const { storage, drop, renice } = await benchStorage(engine, dir);
  const am = await startAlertmanager(dir);
  const daemonRun = daemonLoad(components);
  try {
    // The fleet is the 1,000 servers the simulated console lists.
    const daemon = await startDaemonWithConsole({ storage, routing: { degradedGrace: '1h' } }, dir, FLEET);
    try {
      await amRun(am.url, 3); // warm-up both
      await daemonRun(daemon.url, 3);
      await renice();
      const loadBefore = load1();
      const m = await alternating({
        am: { pids: { am: am.child.pid, bench: process.pid }, run: (s) => amRun(am.url, s) },
        daemon: { pids: { daemon: daemon.child.pid, bench: process.pid, ...(engine === 'postgres' ? { postgres: 0 } : {}) }, run: (s) => daemonRun(daemon.url, s) },
      }, seconds);
      // CPU per request: what each side costs, whatever else the machine was doing.
      const perReq = (ms: number, total: number) => Number((ms / Math.max(1, total)).toFixed(2));
      const alertsPerS = m.am.rps * BATCH;
      const reportsPerS = m.daemon.rps * BATCH;
      const ratio = reportsPerS / alertsPerS;
      const amErrors = m.am.errors;
      const daemonErrors = m.daemon.errors;
      return {
        name: `batched statuses on ${engine}: 64 reports (${components === 1 ? 'one component each, as an alert' : 'ten components each'}) per signed webhook vs Alertmanager, 64 alerts per POST`,
        target: 'daemon reports/s >= 1.0 x Alertmanager alerts/s, no errors',
        measured: {
          alertmanagerAlertsPerS: Math.round(alertsPerS), daemonReportsPerS: Math.round(reportsPerS), ratio: Number(ratio.toFixed(2)),
          componentStatusesPerS: Math.round(reportsPerS * components),
          alertmanagerP99Ms: m.am.p99Ms, daemonP99Ms: m.daemon.p99Ms, alertmanagerErrors: amErrors, daemonErrors,
          alertmanagerCpuMsPerPost: perReq(m.am.cpuMs.am, m.am.total), daemonCpuMsPerPost: perReq(m.daemon.cpuMs.daemon, m.daemon.total),
          ...(engine === 'postgres' ? { postgresCpuMsPerPost: perReq(m.daemon.cpuMs.postgres, m.daemon.total) } : {}),
          loadGenCpuShareAm: Number((m.am.cpuMs.bench / (m.am.seconds * 1000)).toFixed(2)),
          loadGenCpuShareDaemon: Number((m.daemon.cpuMs.bench / (m.daemon.seconds * 1000)).toFixed(2)),
          load1mBefore: loadBefore, load1mAfter: load1(),
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

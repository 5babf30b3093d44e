// Benchmark 1: signed console reports into the full daemon (durable store on) against a bare express 5
// JSON endpoint, same autocannon client, same run. Target: at least half the bare endpoint's rate.
import autocannon from 'autocannon';
import { signedRequest, cleanup, startBareExpress, startDaemon, tempDir, type BenchResult } from './lib.js';

const COMPONENTS = ['domain-services', 'file-services', 'email', 'backup', 'antivirus', 'update-agent', 'remote-access', 'disks', 'raid', 'psu'];
const HARDWARE = new Set(['disks', 'raid', 'psu']);

function report(): string {
  const server = `srv-b${String(1 + Math.floor(Math.random() * 1000)).padStart(4, '0')}`;
  const odd = Math.random() < 0.05 ? COMPONENTS[Math.floor(Math.random() * COMPONENTS.length)] : null;
  return JSON.stringify({
    serverId: server,
    observedAt: new Date().toISOString(),
    reachable: true,
    components: COMPONENTS.map((name) => ({ name, kind: HARDWARE.has(name) ? 'hardware' : 'software', status: name === odd ? 'degraded' : 'ok' })),
  });
}

async function blast(url: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    connections: 32,
    duration: seconds,
    requests: [{
      setupRequest: (req) => {
        return signedRequest(req, report());
      },
    }],
  });
}

export async function benchIngest(seconds = 10): Promise<BenchResult> {
  const dir = tempDir('ingest');
  const bare = await startBareExpress();
  const daemon = await startDaemon({ routing: { degradedGrace: '1h' } }, dir);
  try {
    await blast(`${bare.url}/ingest`, 2); // warm-up both
    await blast(`${daemon.url}/api/v1/ingest/console`, 2);
    const bareRun = await blast(`${bare.url}/ingest`, seconds);
    const daemonRun = await blast(`${daemon.url}/api/v1/ingest/console`, seconds);
    const ratio = daemonRun.requests.average / bareRun.requests.average;
    const non2xx = daemonRun.non2xx + daemonRun.errors;
    return {
      name: 'ingest: signed reports, durable, vs bare express',
      target: 'daemon req/s >= 0.5 x bare express req/s, no errors',
      measured: {
        bareRps: Math.round(bareRun.requests.average), daemonRps: Math.round(daemonRun.requests.average), ratio: Number(ratio.toFixed(2)),
        daemonP99Ms: daemonRun.latency.p99, bareP99Ms: bareRun.latency.p99, daemonErrors: non2xx,
      },
      pass: ratio >= 0.5 && non2xx === 0,
    };
  } finally {
    await daemon.stop();
    await bare.stop();
    cleanup(dir);
  }
}

// Benchmark 3: WebSocket fan-out. 1,000 authenticated clients on /api/v1/live (in two child processes),
// 100 events/s made by real ingest (a component toggling ok ↔ degraded on rotating servers). Delivery
// latency is the event's `at` (its commit) to its arrival at a client. Target: p99 < 100 ms, no event
// lost by a healthy client.
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { signWebhook } from '../../src/ingest/webhook-signature.js';
import { CONSOLE_SECRET, ROOT, TOKENS, cleanup, startDaemon, tempDir, type BenchResult } from './lib.js';

interface Report { open: number; counts: number[]; union: number[]; histogram: Array<[number, number]> }

function startClients(url: string, count: number): Promise<ChildProcess> {
  const child = fork(join(ROOT, 'test/bench/ws-clients.ts'), [url, TOKENS.viewer, String(count)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => (m === 'ready' ? resolve(child) : reject(new Error(JSON.stringify(m)))));
  });
}

function report(child: ChildProcess): Promise<Report> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Report));
    child.send('report');
  });
}

function histogramPercentile(h: Map<number, number>, p: number): number {
  const total = [...h.values()].reduce((a, b) => a + b, 0);
  let seen = 0;
  for (const ms of [...h.keys()].sort((a, b) => a - b)) {
    seen += h.get(ms)!;
    if (seen >= (p / 100) * total) return ms;
  }
  return NaN;
}

export async function benchWsFanout(clients = 1000, rate = 100, seconds = 10, processes = 2): Promise<BenchResult> {
  const dir = tempDir('ws');
  const daemon = await startDaemon({ routing: { degradedGrace: '1h' } }, dir);
  const wsUrl = daemon.url.replace('http', 'ws') + '/api/v1/live';
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < processes; i++) children.push(await startClients(wsUrl, Math.ceil(clients / processes)));
    let flip = 0;
    const run = await autocannon({
      url: `${daemon.url}/api/v1/ingest/console`,
      method: 'POST',
      connections: 20,
      overallRate: rate,
      duration: seconds,
      requests: [{
        setupRequest: (req) => {
          flip++;
          const serverId = `srv-w${String(flip % 500).padStart(4, '0')}`;
          const status = Math.floor(flip / 500) % 2 === 0 ? 'degraded' : 'ok';
          const body = JSON.stringify({ serverId, observedAt: new Date().toISOString(), reachable: true, components: [{ name: 'backup', kind: 'software', status }] });
          const id = randomUUID();
          const timestamp = Math.floor(Date.now() / 1000);
          return { ...req, body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook({ id, timestamp, body, secret: CONSOLE_SECRET }) } };
        },
      }],
    });
    await new Promise((r) => setTimeout(r, 1000)); // let the last events arrive
    const reports = await Promise.all(children.map(report));
    const expected = new Set(reports.flatMap((r) => r.union));
    const histogram = new Map<number, number>();
    for (const r of reports) for (const [ms, n] of r.histogram) histogram.set(ms, (histogram.get(ms) ?? 0) + n);
    const open = reports.reduce((n, r) => n + r.open, 0);
    const lost = reports.reduce((n, r) => n + r.counts.reduce((m, c) => m + (expected.size - c), 0), 0);
    const deliveries = [...histogram.values()].reduce((a, b) => a + b, 0);
    const p99 = histogramPercentile(histogram, 99);
    return {
      name: 'WebSocket fan-out, 1,000 clients at 100 events/s',
      target: 'delivery p99 < 100 ms, no event lost by a healthy client',
      measured: {
        clients, stillOpen: open, events: expected.size, eventsPerSecond: Math.round(expected.size / seconds), deliveries,
        p50Ms: histogramPercentile(histogram, 50), p99Ms: p99, maxMs: Math.max(...histogram.keys()), lost, ingestErrors: run.non2xx + run.errors,
      },
      pass: p99 < 100 && lost === 0 && open === clients && expected.size >= rate * seconds * 0.9,
    };
  } finally {
    for (const c of children) c.kill();
    await daemon.stop();
    cleanup(dir);
  }
}

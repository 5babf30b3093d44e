// Benchmark 2: detection to ticket, on each storage engine. Console reports at 500/s (autocannon, fixed
// overall rate), software failures among them; the time from a failure report leaving the client to its
// ticket arriving at the ticketing simulator. Target: p99 < 100 ms, every failure ticketed exactly once.
import autocannon from 'autocannon';
import { TOKENS, benchStorage, firstPoll, signedRequest, cleanup, percentile, startDaemon, startSimulators, tempDir, type BenchResult, type Engine } from './lib.js';

const SOFTWARE = ['domain-services', 'file-services', 'email', 'backup', 'antivirus', 'update-agent', 'remote-access'];
const SERVERS = 1000;

export async function benchDetection(engine: Engine, seconds = 10, rate = 500, failureShare = 0.02): Promise<BenchResult> {
  const dir = tempDir(`detection-${engine}`);
  const { storage, drop, renice } = await benchStorage(engine, dir);
  // Not niced: the ticketing simulator stamps each ticket's arrival, and the console answers the
  // diagnostics fetch that precedes the ticket, so both are on the measured path.
  const sims = await startSimulators({ servers: SERVERS, faultRate: 0 });
  const daemon = await startDaemon({
    storage,
    consoles: [{ id: 'sim', url: sims.consoleUrl, pollInterval: '1h', timeout: '5s', concurrency: 32 }],
    ticketing: { adapter: 'generic', url: sims.ticketingUrl, timeout: '5s' },
    routing: { degradedGrace: '1h', diagnosticsTimeout: '2s' },
  }, dir).catch(async (err: unknown) => {
    await sims.stop();
    await drop();
    cleanup(dir);
    throw err;
  });
  const sentAt = new Map<string, number>(); // `${serverId}/${component}` → ms
  try {
    // The first poll imports the fleet (the console's list is the inventory), then a moment of quiet.
    await firstPoll(daemon.url, 'sim');
    await renice();
    await new Promise((r) => setTimeout(r, 1000));
    // Sessions the pool opens under load get the priority too.
    const reniced = new Promise((r) => setTimeout(r, 2000)).then(renice);
    const run = await autocannon({
      url: `${daemon.url}/api/v1/ingest/console`,
      method: 'POST',
      connections: 16,
      overallRate: rate,
      duration: seconds,
      requests: [{
        setupRequest: (req) => {
          const serverId = `srv-${String(1 + Math.floor(Math.random() * SERVERS)).padStart(4, '0')}`;
          const component = SOFTWARE[Math.floor(Math.random() * SOFTWARE.length)];
          const key = `${serverId}/${component}`;
          const fail = Math.random() < failureShare && !sentAt.has(key);
          const body = JSON.stringify({ serverId, observedAt: new Date().toISOString(), reachable: true, components: [{ name: component, kind: 'software', status: fail ? 'failed' : 'ok' }] });
          if (fail) sentAt.set(key, Date.now());
          return signedRequest(req, body);
        },
      }],
    });
    await reniced;
    // Wait for every ticket (or 15 s).
    let tickets: Array<{ serverId: string; component: string; receivedAtMs: number }> = [];
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      tickets = ((await (await fetch(`${sims.ticketingUrl}/tickets`)).json()) as { items: typeof tickets }).items;
      if (tickets.length >= sentAt.size) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const latencies = tickets.map((t) => t.receivedAtMs - (sentAt.get(`${t.serverId}/${t.component}`) ?? NaN)).filter((v) => Number.isFinite(v));
    const p99 = percentile(latencies, 99);
    // Where the time goes: report sent → incident created (ingest, its commit), incident → ticket received (outbox).
    const incidents: Array<{ serverId: string; component: string | null; createdAt: string }> = [];
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page = (await (await fetch(`${daemon.url}/api/v1/incidents?status=all&limit=500${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${TOKENS.admin}` } })).json()) as { items: typeof incidents; nextCursor: string | null };
      incidents.push(...page.items);
      cursor = page.nextCursor;
    }
    const created = new Map(incidents.map((i) => [`${i.serverId}/${i.component}`, Date.parse(i.createdAt)]));
    const toIncident = [...sentAt].map(([k, at]) => (created.get(k) ?? NaN) - at).filter(Number.isFinite);
    const toTicket = tickets.map((t) => t.receivedAtMs - (created.get(`${t.serverId}/${t.component}`) ?? NaN)).filter(Number.isFinite);
    const errors = run.non2xx + run.errors;
    return {
      name: `detection to ticket on ${engine} at ${rate} reports/s`,
      target: 'p99 < 100 ms, every failure ticketed once',
      measured: {
        reports: run.requests.total, failures: sentAt.size, tickets: tickets.length, p50Ms: percentile(latencies, 50), p99Ms: p99,
        maxMs: Math.max(...latencies), ingestP50Ms: run.latency.p50, ingestP99Ms: run.latency.p99, ingestErrors: errors,
        reportToIncidentP50Ms: percentile(toIncident, 50), reportToIncidentP99Ms: percentile(toIncident, 99),
        incidentToTicketP50Ms: percentile(toTicket, 50), incidentToTicketP99Ms: percentile(toTicket, 99),
        reportsPerS: Math.round(run.requests.average),
      },
      pass: p99 < 100 && tickets.length === sentAt.size && errors === 0,
    };
  } finally {
    await daemon.stop();
    await sims.stop();
    await drop();
    cleanup(dir);
  }
}

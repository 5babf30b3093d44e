// The /metrics scrape of a running daemon after real traffic: Prometheus' own checker accepts it, and every
// metric the Grafana dashboard or the alert rules query is really there. (deploy-artefacts.test.ts checks
// the names against a bare registry; this checks what a scrape of the live daemon returns.)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildDaemon, type Daemon } from '../../src/app.js';
import { configSchema } from '../../src/config/schema.js';
import { waitFor } from '../helpers/net.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';
import { HAVE_PROMTOOL, ON_CI, PROMTOOL } from '../helpers/promtool.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const TOKENS = { admin: 'admin-token-0123456789', ingest: 'ingest-token-0123456789' };

/** Metric names a PromQL text refers to; histogram series resolve to their metric. */
function metricNamesIn(text: string): Set<string> {
  return new Set([...text.matchAll(/escalatord_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')));
}

function queriedNames(): Set<string> {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/escalatord-dashboard.json'), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  return new Set([...metricNamesIn(exprs.join('\n')), ...metricNamesIn(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8'))]);
}

/** Every metric family in an exposition text, from its `# TYPE` line. */
function exposedNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
}

describe('the live /metrics scrape', () => {
  let tmp: TempDir;
  let daemon: Daemon;
  let scrape: string;

  beforeAll(async () => {
    tmp = makeTempDir('escalatord-metrics-live-');
    const config = configSchema.parse({
      server: { host: '127.0.0.1', port: 0, shutdownTimeout: '3s' },
      storage: { path: tmp.file('store.json') },
      auth: { tokens: [{ name: 'admin', role: 'admin', token: TOKENS.admin }, { name: 'am', role: 'ingest', token: TOKENS.ingest }] },
      simulator: { enabled: true, consolePort: 0, ticketingPort: 0, faultRate: 0, servers: 4, customers: 2 },
      sla: { warnAt: 0.5, priorities: { P2: { respond: '1s', progressEvery: '2s', resolve: '4s', calendar: '24x7' } } },
      management: { workingDay: '24x7' },
    });
    daemon = buildDaemon({ config, logger: pino({ level: 'silent' }) });
    await daemon.start();

    // Traffic that touches each subsystem: a polled software failure (incident, ticket, SLA timers), an
    // Alertmanager delivery, a live client, REST reads and a 404.
    const ws = new WebSocket(`${daemon.url.replace('http', 'ws')}/api/v1/live`, { headers: { Authorization: `Bearer ${TOKENS.admin}` } });
    await new Promise((r) => ws.once('message', r));
    const sim = daemon.simulators!.console;
    const serverId = [...sim.state.ids()][0];
    sim.setComponent(serverId, sim.state.server(serverId)!.components.find((c) => c.kind === 'software')!.name, 'failed', 'service stopped');
    await daemon.pollers!.get('sim')!.pollNow();
    const alert = {
      version: '4', groupKey: '{}:{alertname="BackupFailed"}', truncatedAlerts: 0, status: 'firing', receiver: 'escalatord',
      groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager:9093',
      alerts: [{ status: 'firing', labels: { alertname: 'BackupFailed', server: [...sim.state.ids()][1], component: 'backup' }, annotations: {}, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'f00d' }],
    };
    const am = await fetch(`${daemon.url}/api/v1/ingest/alertmanager`, { method: 'POST', headers: { Authorization: `Bearer ${TOKENS.ingest}`, 'Content-Type': 'application/json' }, body: JSON.stringify(alert) });
    expect(am.status).toBe(202);
    await fetch(`${daemon.url}/api/v1/incidents`, { headers: { Authorization: `Bearer ${TOKENS.admin}` } });
    await fetch(`${daemon.url}/api/v1/nowhere`);
    await waitFor(async () => (await daemon.store.read.incidents.open()).some((i) => i.ticket?.state === 'created'), { what: 'a ticket' });
    await waitFor(async () => ((await daemon.store.read.events.since(0, 100_000)) ?? []).some((e) => e.type === 'sla.breached'), { what: 'an SLA breach' });
    ws.terminate();
    // Events are in memory as soon as the mutation runs; metrics move once its commit is on disk.
    await waitFor(async () => {
      scrape = await (await fetch(`${daemon.url}/metrics`)).text();
      return /^escalatord_sla_breaches_total\{clock="response",priority="P2"\} [1-9]/m.test(scrape);
    }, { what: 'the breach in /metrics' });
  }, 30_000);

  afterAll(async () => {
    await daemon?.stop();
    tmp?.remove();
  });

  it('exposes every metric a dashboard panel or an alert rule queries', () => {
    const used = queriedNames();
    expect(used.size).toBeGreaterThan(20);
    const exposed = exposedNames(scrape);
    expect([...used].filter((n) => !exposed.has(n))).toEqual([]);
  });

  it('shows the traffic it saw and never labels a series with a server or incident id', () => {
    expect(scrape).toMatch(/^escalatord_incidents_created_total\{level="3",priority="P2",source="poll"\} [1-9]/m);
    expect(scrape).toMatch(/^escalatord_ingest_reports_total\{source="alertmanager",outcome="accepted"\} 1$/m);
    expect(scrape).toMatch(/^escalatord_ticket_requests_total\{[^}]*operation="create"[^}]*outcome="success"[^}]*\} [1-9]/m);
    expect(scrape).toMatch(/^escalatord_sla_breaches_total\{clock="response",priority="P2"\} [1-9]/m);
    expect(scrape).toMatch(/^escalatord_console_up\{console="sim"\} 1$/m);
    expect(scrape).not.toMatch(/"(srv-\d+|INC-\d+)"/);
  });

  describe('promtool', () => {
    it.runIf(ON_CI)('is installed under CI, so the check below is not skipped there', () => {
      expect(HAVE_PROMTOOL, `${PROMTOOL} not found: install the Debian package "prometheus"`).toBe(true);
    });

    it.skipIf(!HAVE_PROMTOOL)('check metrics exits 0 on the scrape: it parses and has no lint finding', () => {
      const run = spawnSync(PROMTOOL, ['check', 'metrics'], { input: scrape, encoding: 'utf8', timeout: 20_000 });
      // 0: parsed and lint-clean (3 would be lint findings, 1 text that does not parse).
      expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    });
  });
});

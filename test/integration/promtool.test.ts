// Prometheus' own checker on our artefacts: the alert rules, their unit tests, the scrape config, every
// dashboard query, and the exposition text createMetrics produces. promtool comes from the Debian package
// `prometheus`; without it the suite is skipped locally but fails under CI, where it must be installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { Registry } from 'prom-client';
import { createMetrics } from '../../src/observability/metrics.js';
import { HAVE_PROMTOOL, ON_CI, PROMTOOL } from '../helpers/promtool.js';

const ROOT = new URL('../..', import.meta.url).pathname;

function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL, args, { cwd: ROOT, encoding: 'utf8', input, timeout: 20_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('promtool is available', () => {
  it.runIf(ON_CI)('under CI, because the checks below must not be skipped there', () => {
    expect(HAVE_PROMTOOL, `${PROMTOOL} not found: install the Debian package "prometheus"`).toBe(true);
  });
});

describe.skipIf(!HAVE_PROMTOOL)('promtool (skipped: promtool is not installed; apt-get install prometheus)', () => {
  const work = mkdtempSync(join(tmpdir(), 'escalatord-promtool-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('accepts the alert rules', () => {
    const run = promtool(['check', 'rules', 'deploy/prometheus/alerts.yml']);
    expect(run.output).toContain('SUCCESS');
    expect(run.status, run.output).toBe(0);
  });

  it('fires the alerts on synthetic series as the rule unit tests expect', () => {
    const run = promtool(['test', 'rules', 'deploy/prometheus/alerts.test.yml']);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('SUCCESS');
  });

  it('accepts the scrape config and the rule files it loads', () => {
    const run = promtool(['check', 'config', 'deploy/prometheus/prometheus.yml']);
    expect(run.status, run.output).toBe(0);
  });

  it('parses every dashboard query as PromQL once Grafana variables are filled in', () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/escalatord-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const rules = dashboard.panels.flatMap((p, i) =>
      (p.targets ?? []).map((t, j) => ({
        record: `dashboard:panel_${i}_${j}`,
        expr: t.expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1d').replaceAll('$job', '.+'),
      })),
    );
    expect(rules.length).toBeGreaterThan(20);
    const file = join(work, 'dashboard-queries.yml');
    writeFileSync(file, toYaml({ groups: [{ name: 'dashboard', rules }] }));
    const run = promtool(['check', 'rules', file]);
    expect(run.status, run.output).toBe(0);
  });

  it('finds no problem at all in the exposition text of createMetrics, prom-client defaults included', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { consoleIds: ['main', 'dr-site'] });
    metrics.ingestReports.inc({ source: 'alertmanager', outcome: 'accepted' });
    metrics.timeToAcknowledge.observe({ priority: 'P1' }, 1200);
    metrics.timeToResolve.observe({ priority: 'P2' }, 20_000);
    metrics.detectionToTicket.observe(0.42);
    metrics.consolePollDuration.observe({ console: 'main' }, 1.7);
    metrics.storeWriteDuration.observe(0.003);
    metrics.consoleUp.set({ console: 'main' }, 1);
    metrics.setCollectors({ incidentsOpen: () => [{ labels: { level: 3, priority: 'P1', type: 'fault' }, value: 2 }], wsClients: () => 3 });
    const text = await registry.metrics();
    const run = promtool(['check', 'metrics'], text);
    // 0: parsed and lint-clean (3 would be lint findings, 1 text that does not parse).
    expect(run.status, run.output).toBe(0);
  });
});

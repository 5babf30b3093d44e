import { describe, expect, it, vi } from 'vitest';
import { Registry, register as globalRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { createMetrics, DEFAULT_SLA_BUCKETS_SECONDS, LABEL_VALUES, type Metrics, type MetricsOptions } from '../../src/observability/metrics.js';

// DESIGN §10, name → Prometheus type: the contract dashboards and alert rules rely on.
const DESIGN_METRICS: Record<string, string> = {
  ingest_reports_total: 'counter',
  component_transitions_total: 'counter',
  components: 'gauge',
  incidents_open: 'gauge',
  incidents_created_total: 'counter',
  escalations_total: 'counter',
  detection_to_ticket_seconds: 'histogram',
  time_to_acknowledge_seconds: 'histogram',
  time_to_resolve_seconds: 'histogram',
  sla_warnings_total: 'counter',
  sla_breaches_total: 'counter',
  sla_met_total: 'counter',
  sla_at_risk: 'gauge',
  management_escalations_total: 'counter',
  ticket_outbox_pending: 'gauge',
  ticket_requests_total: 'counter',
  ticket_dead_letters_total: 'counter',
  console_up: 'gauge',
  console_poll_duration_seconds: 'histogram',
  ws_clients: 'gauge',
  ws_messages_sent_total: 'counter',
  ws_dropped_clients_total: 'counter',
  store_write_duration_seconds: 'histogram',
};

function setup(opts: Partial<MetricsOptions> = {}): { registry: Registry; metrics: Metrics } {
  const registry = new Registry();
  return { registry, metrics: createMetrics(registry, { consoleIds: ['main', 'backup-dc'], ...opts }) };
}

async function series(registry: Registry, name: string): Promise<MetricValue<string>[]> {
  const all = (await registry.getMetricsAsJSON()) as MetricObjectWithValues<MetricValue<string>>[];
  const metric = all.find((m) => m.name === `escalatord_${name}`);
  if (!metric) throw new Error(`no metric escalatord_${name}`);
  return metric.values;
}

async function valueOf(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const match = (await series(registry, name)).find((v) => {
    const keys = Object.keys(v.labels);
    return keys.length === Object.keys(labels).length && keys.every((k) => String(v.labels[k]) === labels[k]);
  });
  return match?.value;
}

describe('createMetrics', () => {
  it('exports every metric named in DESIGN §10 with its type and a help text', async () => {
    const { registry } = setup();
    const text = await registry.metrics();
    for (const [name, type] of Object.entries(DESIGN_METRICS)) {
      expect(text, name).toContain(`# TYPE escalatord_${name} ${type}\n`);
      expect(text, name).toMatch(new RegExp(`# HELP escalatord_${name} \\S.{10,}\\n`));
    }
  });

  it('exports the default process metrics under the escalatord_ prefix', async () => {
    const { registry } = setup();
    const text = await registry.metrics();
    expect(text).toContain('# TYPE escalatord_process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE escalatord_nodejs_eventloop_lag_p99_seconds gauge');
    expect(text).not.toMatch(/^process_cpu_user_seconds_total/m);
  });

  it('exports every known label combination at zero before anything happens', async () => {
    const { registry } = setup();
    expect(await series(registry, 'incidents_open')).toHaveLength(4 * 4 * 2);
    expect(await series(registry, 'incidents_created_total')).toHaveLength(4 * 4 * 4);
    expect(await series(registry, 'sla_breaches_total')).toHaveLength(3 * 4);
    expect(await series(registry, 'components')).toHaveLength(2 * 4);
    expect(await valueOf(registry, 'ingest_reports_total', { source: 'alertmanager', outcome: 'unauthorized' })).toBe(0);
    expect(await valueOf(registry, 'sla_at_risk', { clock: 'resolution', priority: 'P4' })).toBe(0);
    expect(await valueOf(registry, 'management_escalations_total', { step: '4' })).toBe(0);
    expect(await valueOf(registry, 'ws_dropped_clients_total', { reason: 'heartbeat' })).toBe(0);
    expect(await valueOf(registry, 'console_up', { console: 'backup-dc' })).toBe(0);
    expect(await valueOf(registry, 'escalations_total', { from: '2', to: '3', reason: 'console-software-failure' })).toBe(0);
    expect(await valueOf(registry, 'time_to_resolve_seconds', { priority: 'P3', le: '+Inf' })).toBe(0);
    expect(await valueOf(registry, 'console_poll_duration_seconds', { console: 'main', le: '+Inf' })).toBe(0);
  });

  it('starts only upward escalations and only the configured ticketing adapter at zero', async () => {
    const { registry } = setup({ ticketAdapter: 'jira' });
    const escalations = await series(registry, 'escalations_total');
    expect(escalations.every((v) => Number(v.labels.from) < Number(v.labels.to))).toBe(true);
    // Six upward pairs of levels × the reasons the escalation gate emits.
    expect(escalations).toHaveLength(6 * LABEL_VALUES.escalationReason.length);
    const requests = await series(registry, 'ticket_requests_total');
    expect(new Set(requests.map((v) => v.labels.adapter))).toEqual(new Set(['jira']));
    expect(await valueOf(registry, 'ticket_requests_total', { adapter: 'jira', operation: 'create', outcome: 'rate-limited' })).toBe(0);
  });

  it('counts with the typed label objects callers pass, numbers included', async () => {
    const { registry, metrics } = setup();
    metrics.ingestReports.inc({ source: 'console', outcome: 'accepted' }, 3);
    metrics.incidentsCreated.inc({ level: 3, priority: 'P1', source: 'poll' });
    metrics.escalations.inc({ from: 2, to: 3, reason: 'notes' });
    metrics.managementEscalations.inc({ step: 2 });
    metrics.ticketDeadLetters.inc();
    metrics.consoleUp.set({ console: 'main' }, 1);
    expect(await valueOf(registry, 'ingest_reports_total', { source: 'console', outcome: 'accepted' })).toBe(3);
    expect(await valueOf(registry, 'incidents_created_total', { level: '3', priority: 'P1', source: 'poll' })).toBe(1);
    expect(await valueOf(registry, 'escalations_total', { from: '2', to: '3', reason: 'notes' })).toBe(1);
    expect(await valueOf(registry, 'management_escalations_total', { step: '2' })).toBe(1);
    expect(await valueOf(registry, 'ticket_dead_letters_total', {})).toBe(1);
    expect(await valueOf(registry, 'console_up', { console: 'main' })).toBe(1);
  });

  it('records a label value outside its set as "other" and reports it, so no unbounded series appears', async () => {
    const onUnknownLabel = vi.fn();
    const { registry, metrics } = setup({ onUnknownLabel });
    metrics.ingestReports.inc({ source: 'srv-0001' as never, outcome: 'accepted' });
    metrics.consoleUp.set({ console: 'not-configured' }, 1);
    metrics.timeToResolve.observe({ priority: 'P9' as never }, 60);
    expect(await valueOf(registry, 'ingest_reports_total', { source: 'other', outcome: 'accepted' })).toBe(1);
    expect(await valueOf(registry, 'console_up', { console: 'other' })).toBe(1);
    expect(await valueOf(registry, 'time_to_resolve_seconds', { priority: 'other', le: '+Inf' })).toBe(1);
    const text = await registry.metrics();
    expect(text).not.toContain('srv-0001');
    expect(text).not.toContain('not-configured');
    expect(onUnknownLabel).toHaveBeenCalledWith('ingest_reports_total', 'source', 'srv-0001');
  });

  it('puts the SLA histogram buckets on the SLA targets and the latency histograms on sub-second scales', async () => {
    const { registry } = setup();
    const les = async (name: string, labels: Record<string, string> = {}) =>
      (await series(registry, name))
        .filter((v) => v.labels.le !== undefined && Object.entries(labels).every(([k, val]) => v.labels[k] === val))
        .map((v) => String(v.labels.le));
    const slaLes = await les('time_to_acknowledge_seconds', { priority: 'P1' });
    for (const target of [1800, 3600, 14_400, 28_800, 86_400, 259_200]) expect(slaLes).toContain(String(target));
    expect(await les('time_to_resolve_seconds', { priority: 'P2' })).toEqual(slaLes);
    expect(await les('detection_to_ticket_seconds')).toEqual(expect.arrayContaining(['0.01', '0.1', '1', '60']));
    expect(await les('store_write_duration_seconds')).toEqual(expect.arrayContaining(['0.001', '0.01', '0.1']));
  });

  it('uses SLA buckets passed in, sorted and without duplicates', async () => {
    const { registry } = setup({ slaBucketsSeconds: [7200, 1800, 7200, 600] });
    const les = (await series(registry, 'time_to_resolve_seconds'))
      .filter((v) => v.labels.priority === 'P1' && v.labels.le !== undefined)
      .map((v) => String(v.labels.le));
    expect(les).toEqual(['600', '1800', '7200', '+Inf']);
    expect(DEFAULT_SLA_BUCKETS_SECONDS).toContain(1800);
  });

  it('computes collected gauges at scrape time, summing repeated labels and zeroing vanished ones', async () => {
    const { registry, metrics } = setup();
    let open = [
      { labels: { level: 3 as const, priority: 'P1' as const, type: 'fault' as const }, value: 1 },
      { labels: { level: 3 as const, priority: 'P1' as const, type: 'fault' as const }, value: 1 },
      { labels: { level: 2 as const, priority: 'P3' as const, type: 'request' as const }, value: 1 },
    ];
    const incidentsOpen = vi.fn(() => open);
    metrics.setCollectors({ incidentsOpen, ticketOutboxPending: async () => 7 });
    expect(incidentsOpen).not.toHaveBeenCalled();
    expect(await valueOf(registry, 'incidents_open', { level: '3', priority: 'P1', type: 'fault' })).toBe(2);
    expect(await valueOf(registry, 'incidents_open', { level: '2', priority: 'P3', type: 'request' })).toBe(1);
    expect(await valueOf(registry, 'ticket_outbox_pending', {})).toBe(7);
    open = [];
    expect(await valueOf(registry, 'incidents_open', { level: '3', priority: 'P1', type: 'fault' })).toBe(0);
  });

  it('keeps the last values and reports the error when a collector throws', async () => {
    const onCollectError = vi.fn();
    const { registry, metrics } = setup({ onCollectError });
    let fail = false;
    metrics.setCollectors({
      components: () => {
        if (fail) throw new Error('store unavailable');
        return [{ labels: { kind: 'software', status: 'failed' }, value: 4 }];
      },
    });
    expect(await valueOf(registry, 'components', { kind: 'software', status: 'failed' })).toBe(4);
    fail = true;
    expect(await valueOf(registry, 'components', { kind: 'software', status: 'failed' })).toBe(4);
    expect(onCollectError).toHaveBeenCalledWith('components', expect.any(Error));
  });

  it('lets plain gauges be set directly until a collector takes over', async () => {
    const { registry, metrics } = setup();
    metrics.wsClients.set(3);
    expect(await valueOf(registry, 'ws_clients', {})).toBe(3);
    metrics.setCollectors({ wsClients: () => 5 });
    expect(await valueOf(registry, 'ws_clients', {})).toBe(5);
  });

  it('times histograms with startTimer', async () => {
    const { registry, metrics } = setup();
    const end = metrics.consolePollDuration.startTimer({ console: 'main' });
    const seconds = end();
    expect(seconds).toBeGreaterThanOrEqual(0);
    const count = (await series(registry, 'console_poll_duration_seconds'))
      .find((v) => (v as { metricName?: string }).metricName === 'escalatord_console_poll_duration_seconds_count' && v.labels.console === 'main');
    expect(count?.value).toBe(1);
  });

  it('keeps two registries apart and never touches the global registry', async () => {
    const a = setup();
    const b = setup();
    a.metrics.wsMessagesSent.inc(10);
    expect(await valueOf(a.registry, 'ws_messages_sent_total', {})).toBe(10);
    expect(await valueOf(b.registry, 'ws_messages_sent_total', {})).toBe(0);
    expect(await globalRegistry.metrics()).not.toContain('escalatord_');
  });
});

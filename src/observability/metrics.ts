// Every Prometheus metric of DESIGN §10, created on a registry the caller hands in (never prom-client's
// global one) so two daemons in one process — as in the tests — never collide.
// Labels take values from fixed sets only: a value outside its set is recorded as `other` instead of
// minting a new series, so a bug upstream can never blow up cardinality (incident or server ids never
// become labels). Every known combination is exported at 0 from the start, so `rate()` and `increase()`
// see the first event instead of a series appearing out of nowhere.
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import { ESCALATION_REASONS, type EscalationReason } from '../domain/escalation-gate.js';
import { CLOCK_NAMES, COMPONENT_KINDS, COMPONENT_STATUSES, INCIDENT_SOURCES, INCIDENT_TYPES, LEVELS, PRIORITIES } from '../domain/enums.js';
import type { ClockName, ComponentKind, ComponentStatus, IncidentSource, IncidentType, Level, Priority } from '../domain/types.js';
import { TICKET_ADAPTERS } from '../tickets/adapter.js';
import { TICKET_ERROR_REASONS } from '../tickets/ticket-error.js';

export const METRIC_PREFIX = 'escalatord_';
export const OTHER = 'other';

/**
 * The bounded value set of every label. Exported so callers and tests share one truth; the sets the
 * domain or another module owns are read from there, not restated.
 */
export const LABEL_VALUES = {
  level: LEVELS.map(String),
  priority: PRIORITIES,
  incidentType: INCIDENT_TYPES,
  clock: CLOCK_NAMES,
  ingestSource: ['console', 'alertmanager', 'poll', 'ticketing'],
  ingestOutcome: ['accepted', 'duplicate', 'rejected', 'unauthorized', 'error'],
  incidentSource: INCIDENT_SOURCES,
  kind: COMPONENT_KINDS,
  status: COMPONENT_STATUSES,
  managementStep: ['2', '3', '4'],
  // Ticketing adapters, and the notification channel types (operation `notify`).
  ticketAdapter: [...TICKET_ADAPTERS, 'webhook', 'slack', 'email', 'teams'],
  ticketOperation: ['create', 'comment', 'resolve', 'notify'],
  // `success`, or why the call failed.
  ticketOutcome: ['success', ...TICKET_ERROR_REASONS],
  // Why the live feed dropped a client (src/live/live-session.ts).
  wsDropReason: ['slow', 'heartbeat', 'flood'],
  escalationReason: ESCALATION_REASONS,
} as const;

type Values<K extends keyof typeof LABEL_VALUES> = (typeof LABEL_VALUES)[K][number];
export type IngestSource = Values<'ingestSource'>;
export type IngestOutcome = Values<'ingestOutcome'>;
export type TicketAdapterLabel = Values<'ticketAdapter'>;
export type TicketOperation = Values<'ticketOperation'>;
export type TicketOutcome = Values<'ticketOutcome'>;
export type WsDropReason = Values<'wsDropReason'>;
export type { EscalationReason };

/** SLA targets of DESIGN §7 in seconds (5m … 14d), so a bucket boundary answers "within target?". */
export const DEFAULT_SLA_BUCKETS_SECONDS = [300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800, 259_200, 604_800, 1_209_600];
export const DETECTION_BUCKETS_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
export const STORE_WRITE_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
export const POLL_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface LabelledCounter<L> { inc(labels: L, value?: number): void }
export interface PlainCounter { inc(value?: number): void }
export interface LabelledGauge<L> { set(labels: L, value: number): void }
export interface PlainGauge { set(value: number): void }
export interface LabelledHistogram<L> { observe(labels: L, seconds: number): void; startTimer(labels: L): () => number }
export interface PlainHistogram { observe(seconds: number): void; startTimer(): () => number }

export type IncidentLabels = { level: Level; priority: Priority; type: IncidentType };
export type ComponentLabels = { kind: ComponentKind; status: ComponentStatus };
export type SlaLabels = { clock: ClockName; priority: Priority };
/** One computed series; several entries with the same labels are summed (e.g. one entry per incident). */
export type Sample<L> = { labels: L; value: number };
type MaybePromise<T> = T | Promise<T>;

/** Computed at scrape time by the daemon, so the hot path never has to keep gauges in step. */
export interface MetricCollectors {
  incidentsOpen: () => MaybePromise<Iterable<Sample<IncidentLabels>>>;
  components: () => MaybePromise<Iterable<Sample<ComponentLabels>>>;
  slaAtRisk: () => MaybePromise<Iterable<Sample<SlaLabels>>>;
  ticketOutboxPending: () => MaybePromise<number>;
  wsClients: () => MaybePromise<number>;
}

export interface Metrics {
  readonly registry: Registry;
  ingestReports: LabelledCounter<{ source: IngestSource; outcome: IngestOutcome }>;
  componentTransitions: LabelledCounter<{ kind: ComponentKind; to: ComponentStatus }>;
  components: LabelledGauge<ComponentLabels>;
  incidentsOpen: LabelledGauge<IncidentLabels>;
  incidentsCreated: LabelledCounter<{ level: Level; priority: Priority; source: IncidentSource }>;
  escalations: LabelledCounter<{ from: Level; to: Level; reason: EscalationReason }>;
  detectionToTicket: PlainHistogram;
  timeToAcknowledge: LabelledHistogram<{ priority: Priority }>;
  timeToResolve: LabelledHistogram<{ priority: Priority }>;
  slaWarnings: LabelledCounter<SlaLabels>;
  slaBreaches: LabelledCounter<SlaLabels>;
  slaMet: LabelledCounter<SlaLabels>;
  slaAtRisk: LabelledGauge<SlaLabels>;
  managementEscalations: LabelledCounter<{ step: 2 | 3 | 4 }>;
  ticketOutboxPending: PlainGauge;
  ticketRequests: LabelledCounter<{ adapter: TicketAdapterLabel; operation: TicketOperation; outcome: TicketOutcome }>;
  ticketDeadLetters: PlainCounter;
  ticketsMissing: PlainCounter;
  consoleUp: LabelledGauge<{ console: string }>;
  consolePollDuration: LabelledHistogram<{ console: string }>;
  wsClients: PlainGauge;
  wsMessagesSent: PlainCounter;
  wsDroppedClients: LabelledCounter<{ reason: WsDropReason }>;
  storeWriteDuration: PlainHistogram;
  /** Installs (or replaces) scrape-time collectors; a gauge with a collector ignores its last `set`. */
  setCollectors(collectors: Partial<MetricCollectors>): void;
}

export interface MetricsOptions {
  /** Configured console ids: the only values the `console` label takes. */
  consoleIds: string[];
  /** Buckets for time_to_acknowledge/time_to_resolve; defaults to DEFAULT_SLA_BUCKETS_SECONDS. */
  slaBucketsSeconds?: number[];
  /** The configured ticketing adapter, whose request series start at 0 (default `generic`). */
  ticketAdapter?: 'generic' | 'jira' | 'servicenow';
  /** Told about a label value outside its set (recorded as `other`), e.g. to log it once. */
  onUnknownLabel?: (metric: string, label: string, value: string) => void;
  /** Told when a scrape-time collector throws; the gauge then keeps its previous values. */
  onCollectError?: (collector: keyof MetricCollectors, err: unknown) => void;
}

type Spec = Record<string, readonly string[]>;
type Combo = Record<string, string>;

/** Every combination of the spec's values, in label order. */
function combos(spec: Spec): Combo[] {
  return Object.entries(spec).reduce<Combo[]>(
    (acc, [name, values]) => acc.flatMap((c) => values.map((v) => ({ ...c, [name]: v }))),
    [{}],
  );
}

export function createMetrics(registry: Registry, opts: MetricsOptions): Metrics {
  const consoleIds = [...new Set(opts.consoleIds)];
  const collectors: Partial<MetricCollectors> = {};

  const clamp = (metric: string, spec: Spec, labels: object): Combo => {
    const out: Combo = {};
    for (const [name, allowed] of Object.entries(spec)) {
      const raw = String((labels as Record<string, unknown>)[name]);
      if (allowed.includes(raw)) out[name] = raw;
      else {
        out[name] = OTHER;
        opts.onUnknownLabel?.(metric, name, raw);
      }
    }
    return out;
  };

  function counter<L extends object>(name: string, help: string, spec: Spec, initial: Combo[] = combos(spec)): LabelledCounter<L> {
    const c = new Counter({ name: METRIC_PREFIX + name, help, labelNames: Object.keys(spec), registers: [registry] });
    for (const combo of initial) c.inc(combo, 0);
    return { inc: (labels, value = 1) => c.inc(clamp(name, spec, labels), value) };
  }

  function plainCounter(name: string, help: string): PlainCounter {
    const c = new Counter({ name: METRIC_PREFIX + name, help, registers: [registry] });
    return { inc: (value = 1) => c.inc(value) };
  }

  function histogram<L extends object>(name: string, help: string, spec: Spec, buckets: number[]): LabelledHistogram<L> {
    const h = new Histogram({ name: METRIC_PREFIX + name, help, labelNames: Object.keys(spec), buckets, registers: [registry] });
    for (const combo of combos(spec)) h.zero(combo);
    return {
      observe: (labels, seconds) => h.observe(clamp(name, spec, labels), seconds),
      startTimer: (labels) => h.startTimer(clamp(name, spec, labels)),
    };
  }

  function plainHistogram(name: string, help: string, buckets: number[]): PlainHistogram {
    const h = new Histogram({ name: METRIC_PREFIX + name, help, buckets, registers: [registry] });
    return { observe: (seconds) => h.observe(seconds), startTimer: () => h.startTimer() };
  }

  /** A gauge over a bounded label set; with a collector installed it is recomputed at every scrape. */
  function computedGauge<L extends object>(name: string, help: string, spec: Spec, key: 'incidentsOpen' | 'components' | 'slaAtRisk'): LabelledGauge<L> {
    const all = combos(spec);
    const g: Gauge<string> = new Gauge({
      name: METRIC_PREFIX + name, help, labelNames: Object.keys(spec), registers: [registry],
      async collect() {
        const collect = collectors[key] as (() => MaybePromise<Iterable<Sample<L>>>) | undefined;
        if (!collect) return;
        let samples: Iterable<Sample<L>>;
        try {
          samples = await collect();
        } catch (err) {
          opts.onCollectError?.(key, err);
          return;
        }
        // Zero first, so a combination that vanished since the last scrape reads 0 rather than stale.
        for (const combo of all) g.set(combo, 0);
        for (const s of samples) g.inc(clamp(name, spec, s.labels), s.value);
      },
    });
    for (const combo of all) g.set(combo, 0);
    return { set: (labels, value) => g.set(clamp(name, spec, labels), value) };
  }

  function computedPlainGauge(name: string, help: string, key: 'ticketOutboxPending' | 'wsClients'): PlainGauge {
    const g = new Gauge({
      name: METRIC_PREFIX + name, help, registers: [registry],
      async collect() {
        const collect = collectors[key];
        if (!collect) return;
        try {
          g.set(await collect());
        } catch (err) {
          opts.onCollectError?.(key, err);
        }
      },
    });
    g.set(0);
    return { set: (value) => g.set(value) };
  }

  const L = LABEL_VALUES;
  const sla = { clock: L.clock, priority: L.priority };
  const slaBuckets = [...new Set(opts.slaBucketsSeconds ?? DEFAULT_SLA_BUCKETS_SECONDS)].filter((b) => Number.isFinite(b) && b > 0).sort((a, b) => a - b);
  const escalationSpec = { from: L.level, to: L.level, reason: L.escalationReason };
  const ticketSpec = { adapter: L.ticketAdapter, operation: L.ticketOperation, outcome: L.ticketOutcome };
  const consoleSpec = { console: consoleIds };

  const consoleUpGauge = new Gauge({
    name: `${METRIC_PREFIX}console_up`, help: 'Whether the last poll of the Monitoring Console succeeded (1) or not (0); 0 until the first poll.',
    labelNames: ['console'], registers: [registry],
  });
  for (const id of consoleIds) consoleUpGauge.set({ console: id }, 0);

  const metrics: Metrics = {
    registry,
    ingestReports: counter('ingest_reports_total', 'Status reports and events received, by source and what became of them.',
      { source: L.ingestSource, outcome: L.ingestOutcome }),
    componentTransitions: counter('component_transitions_total', 'Component status changes seen, by component kind and new status.',
      { kind: L.kind, to: L.status }),
    components: computedGauge('components', 'Monitored components, by kind and current status.', { kind: L.kind, status: L.status }, 'components'),
    incidentsOpen: computedGauge('incidents_open', 'Incidents not yet resolved, by support level, priority and type (fault or request).',
      { level: L.level, priority: L.priority, type: L.incidentType }, 'incidentsOpen'),
    incidentsCreated: counter('incidents_created_total', 'Incidents opened, by the level they started at, priority and source.',
      { level: L.level, priority: L.priority, source: L.incidentSource }),
    // Only upward moves start at 0; a downward move is still counted when it happens.
    escalations: counter('escalations_total', 'Incidents moved between support levels, by from/to level and reason.', escalationSpec,
      combos(escalationSpec).filter((c) => Number(c.from) < Number(c.to))),
    detectionToTicket: plainHistogram('detection_to_ticket_seconds', 'Seconds from the console detecting a software failure to the vendor ticket existing.',
      DETECTION_BUCKETS_SECONDS),
    timeToAcknowledge: histogram('time_to_acknowledge_seconds', 'Wall-clock seconds from incident creation to acknowledgement, by priority; buckets sit on SLA targets.',
      { priority: L.priority }, slaBuckets),
    timeToResolve: histogram('time_to_resolve_seconds', 'Wall-clock seconds from incident creation to resolution, by priority; buckets sit on SLA targets.',
      { priority: L.priority }, slaBuckets),
    slaWarnings: counter('sla_warnings_total', 'SLA clocks that passed the warning fraction of their target, by clock and priority.', sla),
    slaBreaches: counter('sla_breaches_total', 'SLA clocks that passed their target, by clock and priority.', sla),
    slaMet: counter('sla_met_total', 'SLA clocks stopped within their target, by clock and priority.', sla),
    slaAtRisk: computedGauge('sla_at_risk', 'Running SLA clocks past the warning fraction but not yet breached, by clock and priority.', sla, 'slaAtRisk'),
    managementEscalations: counter('management_escalations_total', 'Steps taken along the vendor management escalation path (2 Head of Support, 3 VP, 4 COA).',
      { step: L.managementStep }),
    ticketOutboxPending: computedPlainGauge('ticket_outbox_pending', 'Outbox items (tickets, comments, notifications) waiting to be delivered.', 'ticketOutboxPending'),
    ticketRequests: counter('ticket_requests_total', 'Calls to the ticketing system and notification channels, by adapter, operation and outcome (success or failure reason).',
      ticketSpec, combos({ ...ticketSpec, adapter: [opts.ticketAdapter ?? 'generic'], operation: ['create', 'comment', 'resolve'] })),
    ticketDeadLetters: plainCounter('ticket_dead_letters_total', 'Outbox items given up on (non-retryable error or attempts exhausted); each needs a person.'),
    ticketsMissing: plainCounter('tickets_missing_total', 'Tickets the ticketing system no longer knows (a call on them answered 404); shown on the incident as missing.'),
    consoleUp: { set: (labels, value) => consoleUpGauge.set(clamp('console_up', consoleSpec, labels), value) },
    consolePollDuration: histogram('console_poll_duration_seconds', 'Seconds one full poll of a Monitoring Console took.', consoleSpec, POLL_BUCKETS_SECONDS),
    wsClients: computedPlainGauge('ws_clients', 'WebSocket clients connected to the live feed.', 'wsClients'),
    wsMessagesSent: plainCounter('ws_messages_sent_total', 'Messages sent to live-feed clients.'),
    wsDroppedClients: counter('ws_dropped_clients_total', 'Live-feed clients closed by the server, by reason (slow consumer, missed heartbeat, flood of client messages).',
      { reason: L.wsDropReason }),
    storeWriteDuration: plainHistogram('store_write_duration_seconds', 'Seconds one durable store write took: a group commit appended to the journal (file engine) or a COMMIT (postgres).',
      STORE_WRITE_BUCKETS_SECONDS),
    setCollectors: (next) => void Object.assign(collectors, next),
  };

  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  // prom-client names three gauges `_total`, which promtool (rightly) reports: only counters end so. The
  // same counts stay available as the sum of the per-type gauges (`…_active_handles{type}` and so on).
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(`${METRIC_PREFIX}${name}`);
  }
  return metrics;
}

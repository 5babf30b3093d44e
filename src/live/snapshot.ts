// What a live client sees first (hello / resync) and what the scrape-time gauges count: both read the
// store as it is, so neither needs its own bookkeeping to stay right.
import { clockSummaryState } from '../domain/sla.js';
import { CLOCK_NAMES } from '../domain/types.js';
import { incidentSummary } from '../escalation/incident-records.js';
import type { ConsoleHealth } from '../ingest/poller.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store, StoreData } from '../store/types.js';

/** Above this many servers the snapshot lists only servers with a problem, plus counts. */
const FULL_SERVER_LIST_LIMIT = 2000;

export function buildSnapshot(data: Readonly<StoreData>, consoles: ConsoleHealth[]) {
  const incidents = Object.values(data.incidents).filter((i) => i.status !== 'resolved').map(incidentSummary);
  const all = Object.values(data.servers);
  const problem = (s: StoreData['servers'][string]) => !s.reachable || Object.values(s.components).some((c) => c.status !== 'ok');
  const listed = all.length <= FULL_SERVER_LIST_LIMIT ? all : all.filter(problem);
  return {
    incidents,
    servers: listed.map((s) => ({
      id: s.id, name: s.name, customerId: s.customerId, reachable: s.reachable, observedAt: s.observedAt,
      components: Object.values(s.components).map((c) => ({ name: c.name, kind: c.kind, status: c.status, since: c.since, message: c.message ?? null })),
    })),
    serverCounts: { total: all.length, withProblems: all.filter(problem).length, listed: listed.length },
    consoles,
  };
}

const KINDS = ['software', 'hardware'] as const;
const STATUSES = ['ok', 'degraded', 'failed', 'unknown'] as const;
const LEVELS = [1, 2, 3, 4] as const;
const PRIOS = ['P1', 'P2', 'P3', 'P4'] as const;
const TYPES = ['fault', 'request'] as const;

/**
 * Scrape-time gauges. They walk the store on every scrape (10,000 servers × 13 components in a few ms),
 * counting into flat arrays indexed by label position rather than building a key string per item.
 */
export function registerCollectors(metrics: Metrics, store: Store, wsClients: () => number, now: () => Date): void {
  metrics.setCollectors({
    incidentsOpen: () => {
      const counts = new Array<number>(LEVELS.length * PRIOS.length * TYPES.length).fill(0);
      for (const i of Object.values(store.data.incidents)) {
        if (i.status === 'resolved') continue;
        counts[((i.level - 1) * PRIOS.length + PRIOS.indexOf(i.priority)) * TYPES.length + (i.type === 'fault' ? 0 : 1)]++;
      }
      const out = [];
      for (const [li, level] of LEVELS.entries()) for (const [pi, priority] of PRIOS.entries()) for (const [ti, type] of TYPES.entries()) {
        const value = counts[(li * PRIOS.length + pi) * TYPES.length + ti];
        if (value > 0) out.push({ labels: { level, priority, type }, value });
      }
      return out;
    },
    components: () => {
      const counts = new Array<number>(KINDS.length * STATUSES.length).fill(0);
      for (const s of Object.values(store.data.servers)) {
        for (const name in s.components) {
          const c = s.components[name];
          counts[(c.kind === 'software' ? 0 : 4) + STATUSES.indexOf(c.status)]++;
        }
      }
      const out = [];
      for (const [ki, kind] of KINDS.entries()) for (const [si, status] of STATUSES.entries()) out.push({ labels: { kind, status }, value: counts[ki * 4 + si] });
      return out;
    },
    slaAtRisk: () => {
      const at = now();
      const counts = new Array<number>(CLOCK_NAMES.length * PRIOS.length).fill(0);
      for (const i of Object.values(store.data.incidents)) {
        if (i.status === 'resolved' || !i.sla) continue;
        for (const [ci, clock] of CLOCK_NAMES.entries()) {
          if (clockSummaryState(i.sla[clock], at) === 'at-risk') counts[ci * PRIOS.length + PRIOS.indexOf(i.priority)]++;
        }
      }
      const out = [];
      for (const [ci, clock] of CLOCK_NAMES.entries()) for (const [pi, priority] of PRIOS.entries()) out.push({ labels: { clock, priority }, value: counts[ci * PRIOS.length + pi] });
      return out;
    },
    ticketOutboxPending: () => store.data.outbox.length,
    wsClients,
  });
}

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

export function registerCollectors(metrics: Metrics, store: Store, wsClients: () => number, now: () => Date): void {
  metrics.setCollectors({
    incidentsOpen: () => {
      const counts = new Map<string, { labels: { level: 1 | 2 | 3 | 4; priority: 'P1' | 'P2' | 'P3' | 'P4'; type: 'fault' | 'request' }; value: number }>();
      for (const i of Object.values(store.data.incidents)) {
        if (i.status === 'resolved') continue;
        const key = `${i.level}|${i.priority}|${i.type}`;
        const entry = counts.get(key) ?? { labels: { level: i.level, priority: i.priority, type: i.type }, value: 0 };
        entry.value++;
        counts.set(key, entry);
      }
      return counts.values();
    },
    components: () => {
      const counts = new Map<string, { labels: { kind: 'software' | 'hardware'; status: 'ok' | 'degraded' | 'failed' | 'unknown' }; value: number }>();
      for (const s of Object.values(store.data.servers)) {
        for (const c of Object.values(s.components)) {
          const key = `${c.kind}|${c.status}`;
          const entry = counts.get(key) ?? { labels: { kind: c.kind, status: c.status }, value: 0 };
          entry.value++;
          counts.set(key, entry);
        }
      }
      return counts.values();
    },
    slaAtRisk: () => {
      const at = now();
      const counts = new Map<string, { labels: { clock: 'response' | 'progress' | 'resolution'; priority: 'P1' | 'P2' | 'P3' | 'P4' }; value: number }>();
      for (const i of Object.values(store.data.incidents)) {
        if (i.status === 'resolved' || !i.sla) continue;
        for (const clock of CLOCK_NAMES) {
          if (clockSummaryState(i.sla[clock], at) !== 'at-risk') continue;
          const key = `${clock}|${i.priority}`;
          const entry = counts.get(key) ?? { labels: { clock, priority: i.priority }, value: 0 };
          entry.value++;
          counts.set(key, entry);
        }
      }
      return counts.values();
    },
    ticketOutboxPending: () => store.data.outbox.length,
    wsClients,
  });
}

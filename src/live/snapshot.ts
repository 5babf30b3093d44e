// What a live client sees first (hello / resync) and what the scrape-time gauges count: both read the
// store as it is, so neither needs its own bookkeeping to stay right.
import { visibleLevels } from '../domain/access.js';
import { clockStateAt } from '../domain/sla.js';
import type { LoggedEvent, Role } from '../domain/types.js';
import type { ComponentCounts } from '../ingest/component-counts.js';
import { CLOCK_NAMES, LEVELS, PRIORITIES } from '../domain/types.js';
import { INCIDENT_TYPES } from '../domain/enums.js';
import { incidentSummary } from '../escalation/incident-records.js';
import type { ConsoleHealth } from '../ingest/poller.js';
import type { Metrics } from '../observability/metrics.js';
import type { Server, StoreReader } from '../store/port.js';

/** Above this many servers the snapshot lists only servers with a problem, plus counts. */
const FULL_SERVER_LIST_LIMIT = 2000;

/**
 * `at` is the daemon's clock when the snapshot was built: a page greeted with it (hello is built after
 * the client connected) counts SLA clocks down from the daemon's time, not its own machine's. Customer
 * names are not sent: the page reads them, with the contacts, from GET /api/v1/customers.
 */
export async function buildSnapshot(read: StoreReader, consoles: ConsoleHealth[], now: () => Date) {
  const at = now().toISOString();
  const incidents = (await read.incidents.open()).map(incidentSummary);
  const all = await read.servers.all();
  const problem = (s: Server) => !s.reachable || Object.values(s.components).some((c) => c.status !== 'ok');
  const listed = all.length <= FULL_SERVER_LIST_LIMIT ? all : all.filter(problem);
  return {
    incidents,
    servers: listed.map((s) => ({
      id: s.id, name: s.name, customerId: s.customerId, reachable: s.reachable, observedAt: s.observedAt,
      components: Object.values(s.components).map((c) => ({ name: c.name, kind: c.kind, status: c.status, since: c.since, message: c.message ?? null })),
    })),
    serverCounts: { total: all.length, withProblems: all.filter(problem).length, listed: listed.length },
    consoles,
    at,
  };
}

const PRIOS = PRIORITIES;
const TYPES = INCIDENT_TYPES;

/**
 * Scrape-time gauges. Incidents are walked on every scrape, counting into flat arrays indexed by label
 * position; components are counted as they change (ComponentCounts), since a fleet is far larger.
 */
export function registerCollectors(metrics: Metrics, read: StoreReader, counts: ComponentCounts, wsClients: () => number, now: () => Date): void {
  metrics.setCollectors({
    incidentsOpen: async () => {
      const open = new Array<number>(LEVELS.length * PRIOS.length * TYPES.length).fill(0);
      for (const i of await read.incidents.open()) {
        open[((i.level - 1) * PRIOS.length + PRIOS.indexOf(i.priority)) * TYPES.length + (i.type === 'fault' ? 0 : 1)]++;
      }
      const out = [];
      for (const [li, level] of LEVELS.entries()) for (const [pi, priority] of PRIOS.entries()) for (const [ti, type] of TYPES.entries()) {
        const value = open[(li * PRIOS.length + pi) * TYPES.length + ti];
        if (value > 0) out.push({ labels: { level, priority, type }, value });
      }
      return out;
    },
    components: () => counts.samples(),
    slaAtRisk: async () => {
      const at = now().toISOString();
      const atRisk = new Array<number>(CLOCK_NAMES.length * PRIOS.length).fill(0);
      for (const i of await read.incidents.open()) {
        if (!i.sla) continue;
        for (const [ci, clock] of CLOCK_NAMES.entries()) {
          if (clockStateAt(i.sla[clock], at) === 'at-risk') atRisk[ci * PRIOS.length + PRIOS.indexOf(i.priority)]++;
        }
      }
      const out = [];
      for (const [ci, clock] of CLOCK_NAMES.entries()) for (const [pi, priority] of PRIOS.entries()) out.push({ labels: { clock, priority }, value: atRisk[ci * PRIOS.length + pi] });
      return out;
    },
    ticketOutboxPending: () => read.outbox.pending(),
    wsClients,
  });
}

type Snapshot = Awaited<ReturnType<typeof buildSnapshot>>;

/**
 * What a role may see of the live feed: the vendor (l3) works levels 3–4, so it gets their events and,
 * in the snapshot, their incidents and the servers they are on — nothing of the Service Provider's own
 * L1/L2 work. Everyone else sees everything.
 */
export function liveVisibility(role: Role): { events: (event: LoggedEvent) => boolean; snapshot: (snapshot: unknown) => unknown } | null {
  const levels = visibleLevels(role);
  if (levels === null) return null;
  return {
    events: (event) => {
      const scope = event.scope;
      return scope?.level !== undefined && (levels.includes(scope.level) || (scope.fromLevel !== undefined && levels.includes(scope.fromLevel)));
    },
    snapshot: (raw) => {
      const snap = raw as Snapshot;
      const incidents = snap.incidents.filter((i) => levels.includes(i.level));
      const servers = new Set(incidents.map((i) => i.serverId));
      const listed = snap.servers.filter((s) => servers.has(s.id));
      return { ...snap, incidents, servers: listed, serverCounts: { total: listed.length, withProblems: listed.length, listed: listed.length } };
    },
  };
}

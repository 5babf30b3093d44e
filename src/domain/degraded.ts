// DESIGN §5: a component `degraded` for longer than the grace period becomes an L2 incident (P3 by
// default, no ticket). Routing asks for nothing when the component degrades; the periodic sweep asks this.
import type { OpenDecision, RoutingPolicy } from './routing.js';
import { heldByVendor } from './ticket-policy.js';
import type { ServerState } from './types.js';

/** What the sweep knows about each candidate besides the server itself. */
export interface DegradedFacts {
  /** True when an incident is already open for this server+component. */
  hasOpen(serverId: string, component: string): boolean;
  /** True when a maintenance window covers this server+component now: recorded by routing, never escalated. */
  inMaintenance?(server: ServerState, component: string): boolean;
}

export interface DegradedDue {
  server: ServerState;
  component: string;
  /** The incident to open; `detectedAt` is when the component degraded. */
  decision: OpenDecision;
  detectedAt: string;
  message: string | undefined;
}

/** Components degraded for at least the grace period on a reachable server, with no open incident and no maintenance → the L2 incident to open for each. */
export function degradedIncidentsDue(
  servers: Iterable<ServerState>,
  facts: DegradedFacts,
  now: Date,
  policy: Pick<RoutingPolicy, 'degradedGraceMs' | 'degradedPriority'>,
): DegradedDue[] {
  const out: DegradedDue[] = [];
  const cutoff = now.getTime() - policy.degradedGraceMs;
  for (const server of servers) {
    // While the console cannot reach the server its component statuses are stale; the unreachable incident covers it.
    if (!server.reachable) continue;
    for (const c of Object.values(server.components)) {
      if (c.status !== 'degraded' || Date.parse(c.since) > cutoff) continue;
      if (facts.hasOpen(server.id, c.name) || facts.inMaintenance?.(server, c.name)) continue;
      out.push({ server, component: c.name, decision: degradedIncident(server, c.name, policy), detectedAt: c.since, message: c.message });
    }
  }
  return out;
}

/** The incident a component degraded past its grace period opens: L2, the policy's degraded priority, no ticket. */
export function degradedIncident(server: ServerState, component: string, policy: Pick<RoutingPolicy, 'degradedPriority'>): OpenDecision {
  return {
    action: 'open', reason: 'degraded', level: 2, priority: policy.degradedPriority, ticket: heldByVendor(2), component,
    title: `${component} degraded on ${server.name} for longer than the grace period`,
  };
}

// The routing policy of DESIGN §5 as one pure function: a state change plus what is open → decisions.
import type { StateChange } from './status-diff.js';
import { heldByVendor } from './ticket-policy.js';
import type { Incident, Level, Priority, ServerState } from './types.js';

export interface RoutingPolicy {
  degradedGraceMs: number;
  softwareFailurePriority: Priority;
  multipleSoftwareFailuresPriority: Priority;
  hardwarePriority: Priority;
  unreachablePriority: Priority;
  degradedPriority: Priority;
}

export type OpenReason = 'software-failure' | 'hardware-failure' | 'unreachable' | 'degraded';

/** `ticket` is ticket-policy's heldByVendor(level): an incident opened at L3 gets a vendor ticket at once. */
export type OpenDecision = { action: 'open'; reason: OpenReason; level: Level; priority: Priority; title: string; ticket: boolean; component: string | null };

export type Decision =
  | OpenDecision
  | { action: 'recovered'; incidentId: string }
  | { action: 'relapsed'; incidentId: string }
  | { action: 'raise-priority'; incidentIds: string[]; priority: Priority }
  | { action: 'maintenance'; reason: string };

export interface RoutingContext {
  /** The server after the change was applied. */
  server: ServerState;
  /** The open incident for this server+component (or server reachability), if any. */
  open: Incident | undefined;
  /** Open software-failure incidents on this server (any component). */
  openSoftwareIncidents: Incident[];
  /** True when a maintenance window covers this server/component now. */
  inMaintenance: boolean;
}

const PRIORITY_RANK: Record<Priority, number> = { P1: 1, P2: 2, P3: 3, P4: 4 };

export function route(change: StateChange, ctx: RoutingContext, policy: RoutingPolicy): Decision[] {
  const bad = change.type === 'reachability' ? !change.to : change.to === 'failed' || change.to === 'degraded';
  if (bad && ctx.inMaintenance) return [{ action: 'maintenance', reason: describe(change) }];

  if (change.type === 'reachability') {
    if (!change.to) {
      if (ctx.open) return [{ action: 'relapsed', incidentId: ctx.open.id }];
      return [{
        action: 'open', reason: 'unreachable', level: 2, priority: policy.unreachablePriority, ticket: heldByVendor(2), component: null,
        title: `${ctx.server.name} unreachable: isolate client device, LAN, Internet connection or server`,
      }];
    }
    return ctx.open ? [{ action: 'recovered', incidentId: ctx.open.id }] : [];
  }

  if (change.to === 'ok') return ctx.open ? [{ action: 'recovered', incidentId: ctx.open.id }] : [];
  if (change.to === 'unknown') return [];

  if (change.to === 'failed') {
    if (change.kind === 'software') {
      const failedSoftware = Object.values(ctx.server.components).filter((c) => c.kind === 'software' && c.status === 'failed');
      const several = failedSoftware.length >= 2;
      const priority = several ? policy.multipleSoftwareFailuresPriority : policy.softwareFailurePriority;
      const decisions: Decision[] = [];
      if (ctx.open) decisions.push({ action: 'relapsed', incidentId: ctx.open.id });
      else decisions.push({
        action: 'open', reason: 'software-failure', level: 3, priority, ticket: heldByVendor(3), component: change.component,
        title: `${change.component} failed on ${ctx.server.name}${change.message ? `: ${change.message}` : ''}`,
      });
      const toRaise = ctx.openSoftwareIncidents
        .filter((i) => PRIORITY_RANK[i.priority] > PRIORITY_RANK[priority])
        .map((i) => i.id);
      if (several && toRaise.length > 0) decisions.push({ action: 'raise-priority', incidentIds: toRaise, priority });
      return decisions;
    }
    if (ctx.open) {
      // A degraded hardware incident that now fails outright: same incident, raised.
      return [{ action: 'relapsed', incidentId: ctx.open.id }];
    }
    return [{
      action: 'open', reason: 'hardware-failure', level: 2, priority: policy.hardwarePriority, ticket: heldByVendor(2), component: change.component,
      title: `Hardware fault suspected: ${change.component} on ${ctx.server.name}${change.message ? ` (${change.message})` : ''}`,
    }];
  }

  // degraded: nothing now; the degraded sweep opens an incident once the grace period has passed.
  return ctx.open ? [{ action: 'relapsed', incidentId: ctx.open.id }] : [];
}

function describe(change: StateChange): string {
  return change.type === 'reachability'
    ? `${change.serverId} unreachable during maintenance`
    : `${change.component} ${change.to} on ${change.serverId} during maintenance`;
}

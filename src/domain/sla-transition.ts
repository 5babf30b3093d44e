// Which SLA clocks an incident transition starts, pauses, resumes or stops (DESIGN §7), as one pure
// function over the clock functions of sla.ts. The pause follows the status alone: clocks are paused
// exactly while the incident is `awaiting-customer`, whatever transition got it there or out of it
// (a status change, a progress report, an escalation back to `open`).
import {
  isPaused, newlyMet, onAcknowledged, onEscalated, onPaused, onPriorityChanged, onProgress, onResolved, onResumed, startSla,
  withCatchUp, type SlaContext, type SlaFired,
} from './sla.js';
import type { ClockName, IncidentSla, IncidentStatus, Priority } from './types.js';

/** A change to an incident that the clocks (and the management path) react to; `from` is the value before it. */
export type IncidentTransition =
  | { kind: 'created' }
  | { kind: 'acknowledged' }
  | { kind: 'progress' }
  | { kind: 'status'; from: IncidentStatus }
  | { kind: 'escalated'; from: number }
  | { kind: 'priority'; from: Priority }
  | { kind: 'resolved' };

/** The incident after the transition: its priority, owning level and status. */
export interface TransitionContext extends SlaContext {
  status: IncidentStatus;
}

export interface SlaAfterTransition {
  sla: IncidentSla;
  /** Warnings and breaches whose instant had passed before the transition: fire them (event, comment, metric). */
  fired: SlaFired[];
  /** Clocks that became met with this transition (`sla_met_total`). */
  met: ClockName[];
}

/** The clocks after `t`, with deadlines passed just before it fired first; `clocks` null (or `created`) starts them. */
export function slaAfterTransition(clocks: IncidentSla | null, t: IncidentTransition, now: Date, ctx: TransitionContext): SlaAfterTransition {
  if (clocks === null || t.kind === 'created') return { sla: startSla(now, ctx), fired: [], met: [] };
  const { sla, fired } = withCatchUp(clocks, now, (caughtUp) => clocksAfter(caughtUp, t, now, ctx));
  return { sla, fired, met: newlyMet(clocks, sla) };
}

/** The clocks after `t`, without catching up on passed deadlines (slaAfterTransition does that). */
export function clocksAfter(clocks: IncidentSla, t: IncidentTransition, now: Date, ctx: TransitionContext): IncidentSla {
  if (t.kind === 'created') return startSla(now, ctx);
  if (t.kind === 'resolved') return onResolved(clocks, now);
  const awaiting = ctx.status === 'awaiting-customer';
  // Out of awaiting-customer: resume first, so the transition acts on running clocks.
  let s = !awaiting && isPaused(clocks) ? onResumed(clocks, now, ctx) : clocks;
  switch (t.kind) {
    case 'acknowledged': s = onAcknowledged(s, now, ctx); break;
    case 'progress': s = onProgress(s, now, ctx); break;
    case 'escalated': s = onEscalated(s, now, ctx); break;
    case 'priority': s = onPriorityChanged(s, now, ctx, t.from); break;
    case 'status': break; // the pause below is all a status change does to the clocks
  }
  // Into awaiting-customer: every clock still counting keeps the working time it owes.
  return awaiting ? onPaused(s, now, ctx) : s;
}

// DESIGN §5, "back to ok": a recovered incident resolves itself after a stable window where configured,
// but only where no person has acted on it. Once someone has acknowledged, escalated, reported progress,
// changed its status, complained or logged it, the incident is only marked recovered and waits for a
// person to resolve it: the daemon must not close what people (or the vendor) are working on.
import type { Incident } from './types.js';

export type AutoResolve =
  | { action: 'resolve' }
  /** Recovered, and stays open until a person resolves it. */
  | { action: 'wait-for-person'; why: 'person-acted' | 'logged-by-person' | 'auto-resolve-off' }
  /** Recovered, not yet stable for the whole window; ask again at `dueAt`. */
  | { action: 'not-yet'; dueAt: string }
  /** Not recovered (or already resolved): nothing to decide. */
  | { action: 'not-recovered' };

type AutoResolveFacts = Pick<Incident, 'status' | 'source' | 'recoveredAt' | 'acknowledgedAt' | 'timeline'>;

/** Whether a recovered incident resolves itself now: `stableWindowMs` undefined means auto-resolve is off. */
export function autoResolve(incident: AutoResolveFacts, now: Date, stableWindowMs: number | undefined): AutoResolve {
  if (incident.status === 'resolved' || incident.recoveredAt === null) return { action: 'not-recovered' };
  if (incident.source === 'manual') return { action: 'wait-for-person', why: 'logged-by-person' };
  if (personActed(incident)) return { action: 'wait-for-person', why: 'person-acted' };
  if (stableWindowMs === undefined) return { action: 'wait-for-person', why: 'auto-resolve-off' };
  const due = Date.parse(incident.recoveredAt) + stableWindowMs;
  return now.getTime() >= due ? { action: 'resolve' } : { action: 'not-yet', dueAt: new Date(due).toISOString() };
}

/** True once a person — a token holder or the vendor through its ticketing system — has done anything to the incident. */
export function personActed(incident: Pick<Incident, 'acknowledgedAt' | 'timeline'>): boolean {
  return incident.acknowledgedAt !== null || incident.timeline.some((e) => e.actor.kind === 'user' || e.actor.kind === 'vendor');
}

// The vendor's management escalation path (seed, "Issue Escalation"; DESIGN §7) as pure functions.
//   step 1  Support Team — the default, nothing to do.
//   step 2  Head of Support — on an SLA breach or a complaint.
//   step 3  VP Customer Success — when step 2 is not acknowledged within one working day despite
//           repeated attempts, or shows no progress within one working day (rolling from the last progress).
//   step 4  Chief Operations Architect — when step 3 is not acknowledged within one working day despite
//           repeated attempts. Terminal: nothing escalates beyond it.
// A complaint moves one step up from wherever the incident is (the seed lets an unhappy Service Provider
// go over the current contact's head). An unacknowledged step is re-notified `attempts` times, spread
// evenly over its window on the working-day calendar, before the window's end escalates it.
import { addTarget, type BusinessCalendar } from './calendar.js';
import type { SlaTarget } from './sla-targets.js';
import type { IncidentManagement, IncidentStatus, ManagementStepRecord } from './types.js';

export type ManagementReason = ManagementStepRecord['reason'];
export const SUPPORT_TEAM_STEP = 1;
export const FINAL_STEP = 4;

/** How the path is timed: from `management.workingDay`, `management.stepWindow` and `management.attempts`. */
export interface ManagementPolicy {
  calendar: BusinessCalendar;
  /** A step's window to acknowledge (steps 2–4) or to show progress (step 2). Default one working day. */
  stepWindow: SlaTarget;
  /** Re-notifications inside the window after the first notification. Default 2. */
  attempts: number;
}

export interface ManagementAction {
  at: Date;
  action: 'renotify' | 'escalate';
  /** The step the action is about (the current one). */
  step: number;
  /** For escalate: the step it moves to, and why. */
  toStep?: number;
  reason?: ManagementReason;
  /** For renotify: the notification number this is (the first notification, on escalation, is 1). */
  attempt?: number;
}

export function initialManagement(): IncidentManagement {
  return { step: SUPPORT_TEAM_STEP, history: [] };
}

/** The step `reason` would move the incident to, or null when it does not apply at the current step. */
export function managementTarget(mgmt: IncidentManagement, reason: ManagementReason): number | null {
  switch (reason) {
    case 'sla-breach':
      return mgmt.step === SUPPORT_TEAM_STEP ? 2 : null; // management is already engaged; its own windows move it on
    case 'complaint':
      return mgmt.step < FINAL_STEP ? mgmt.step + 1 : null;
    case 'no-progress':
      return mgmt.step === 2 ? 3 : null;
    case 'unacknowledged':
      return mgmt.step === 2 || mgmt.step === 3 ? mgmt.step + 1 : null;
  }
}

/** The management path after an SLA clock fired: a breach engages management (step 2) unless it already is; a warning moves nothing. */
export function managementAfterSla(mgmt: IncidentManagement, fired: 'warning' | 'breach', now: Date): IncidentManagement {
  return fired === 'breach' ? escalateManagement(mgmt, 'sla-breach', now) : mgmt;
}

/** Why a complaint cannot move the management path (a 409), or null when it moves it one step up. */
export function complaintRefusal(incident: { status: IncidentStatus; management: IncidentManagement }): string | null {
  if (incident.status === 'resolved') return 'is resolved';
  if (managementTarget(incident.management, 'complaint') === null) return 'is already at the last management step';
  return null;
}

/** Moves one step up for `reason`; returns `mgmt` itself when the reason does not apply (step 4 is terminal). */
export function escalateManagement(mgmt: IncidentManagement, reason: ManagementReason, now: Date): IncidentManagement {
  const to = managementTarget(mgmt, reason);
  if (to === null) return mgmt;
  const record: ManagementStepRecord = { step: to, at: now.toISOString(), reason, acknowledgedAt: null, attempts: 1 };
  return { step: to, history: [...mgmt.history, record] };
}

/** Records that the contact of `step` acknowledged; a repeated or unknown acknowledgement changes nothing. */
export function acknowledgeStep(mgmt: IncidentManagement, step: number, by: string, now: Date): IncidentManagement {
  const index = lastIndexOfStep(mgmt, step);
  if (index < 0 || mgmt.history[index].acknowledgedAt !== null) return mgmt;
  const history = mgmt.history.map((r, i) => (i === index ? { ...r, acknowledgedAt: now.toISOString(), acknowledgedBy: by } : r));
  return { ...mgmt, history };
}

/**
 * Progress reported by the current step's contact: they have plainly been reached, so the step counts as
 * acknowledged. The progress instant itself lives on the incident (`lastProgressAt`) and is passed to
 * nextManagementAction, which is what restarts step 2's one-working-day window.
 */
export function recordProgress(mgmt: IncidentManagement, by: string, now: Date): IncidentManagement {
  return mgmt.step > SUPPORT_TEAM_STEP ? acknowledgeStep(mgmt, mgmt.step, by, now) : mgmt;
}

/**
 * The next timed action for the current step, or null when nothing is scheduled (step 1, an acknowledged
 * step 3 or 4, or step 4 after its last re-notification). The instant may already be past: see
 * dueManagementActions for catching up.
 */
export function nextManagementAction(mgmt: IncidentManagement, lastProgressAt: Date | null, policy: ManagementPolicy): ManagementAction | null {
  const index = lastIndexOfStep(mgmt, mgmt.step);
  if (mgmt.step === SUPPORT_TEAM_STEP || index < 0) return null;
  const record = mgmt.history[index];
  const { calendar, stepWindow, attempts } = policy;
  const start = new Date(record.at);
  const step = record.step;

  if (record.acknowledgedAt === null) {
    const attempt = record.attempts + 1;
    const windowEnd = addTarget(calendar, start, stepWindow);
    if (attempt <= attempts + 1) {
      const windowMs = calendar.workingMsBetween(start, windowEnd);
      const at = calendar.addWorkingMs(start, Math.round((windowMs * (attempt - 1)) / (attempts + 1)));
      return { at, action: 'renotify', step, attempt };
    }
    if (step === FINAL_STEP) return null;
    return { at: windowEnd, action: 'escalate', step, toStep: step + 1, reason: 'unacknowledged' };
  }
  if (step !== 2) return null;
  // Step 2 must keep showing progress: one working day from the step's start or the latest progress.
  const from = lastProgressAt && lastProgressAt > start ? lastProgressAt : start;
  return { at: addTarget(calendar, from, stepWindow), action: 'escalate', step, toStep: 3, reason: 'no-progress' };
}

/**
 * The actions due at `now`, collapsed for catch-up after downtime: several missed re-notifications become
 * one (carrying the latest attempt number), and a due escalation supersedes them. The escalated step's
 * window starts when it is applied, so applying these and asking again yields nothing more for `now`.
 */
export function dueManagementActions(mgmt: IncidentManagement, lastProgressAt: Date | null, policy: ManagementPolicy, now: Date): ManagementAction[] {
  let current = mgmt;
  let renotify: ManagementAction | null = null;
  for (let guard = 0; guard <= policy.attempts + 1; guard++) {
    const next = nextManagementAction(current, lastProgressAt, policy);
    if (!next || next.at > now) break;
    if (next.action === 'escalate') return [next];
    renotify = next;
    current = applyManagementAction(current, next, now);
  }
  return renotify ? [renotify] : [];
}

/**
 * Applies an action once it has been sent: a re-notification counts its attempt, an escalation moves a
 * step. An action scheduled for a step the incident has already left changes nothing.
 */
export function applyManagementAction(mgmt: IncidentManagement, action: ManagementAction, now: Date): IncidentManagement {
  if (action.step !== mgmt.step) return mgmt; // stale: the path moved on since the action was scheduled
  if (action.action === 'escalate') return escalateManagement(mgmt, action.reason ?? 'unacknowledged', now);
  const index = lastIndexOfStep(mgmt, action.step);
  if (index < 0) return mgmt;
  const attempts = Math.max(mgmt.history[index].attempts, action.attempt ?? 0);
  return { ...mgmt, history: mgmt.history.map((r, i) => (i === index ? { ...r, attempts } : r)) };
}

function lastIndexOfStep(mgmt: IncidentManagement, step: number): number {
  for (let i = mgmt.history.length - 1; i >= 0; i--) if (mgmt.history[i].step === step) return i;
  return -1;
}

/** The management path after an incident transition: a progress report counts as the current step's acknowledgement (recordProgress); nothing else moves it. */
export function managementAfterTransition(mgmt: IncidentManagement, transition: { kind: string }, by: string, now: Date): IncidentManagement {
  return transition.kind === 'progress' ? recordProgress(mgmt, by, now) : mgmt;
}

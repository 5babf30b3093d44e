// The per-incident SLA clocks of DESIGN §7 as pure functions: each takes the clocks and `now` and
// returns new clocks; nothing here reads the time or schedules anything. Every instant a scheduler
// must wake for (warning, breach) is stored on the clock, so `nextDeadlines` and `evaluate` need no
// calendar and the timers can be rebuilt from the store alone.
//
// Semantics:
// - response   starts at creation and restarts whenever the owning level changes; met on acknowledgement
//              (or a progress report, or resolution: either shows the owner has responded).
// - progress   runs only while L3/L4 hold the incident, from their acknowledgement; each progress report
//              starts a fresh run (due = report + progressEvery). Stopped when the incident leaves L3/L4.
// - resolution runs from creation to resolve.
// - all clocks pause while `awaiting-customer`, keeping the working time still owed, and resume with it.
// - a warning falls at `warnAt` × the run's working budget on the calendar; a breach at the budget's end.
import { addTarget, CalendarError, type BusinessCalendar } from './calendar.js';
import type { SlaSpec, SlaTarget } from './sla-targets.js';
import { CLOCK_NAMES, PRIORITIES, type ClockName, type ClockState, type IncidentSla, type Level, type Priority, type SlaClock } from './types.js';

/** Targets and calendars per priority, resolved once from configuration. */
export interface SlaPolicy {
  /** Fraction of a run's working budget at which the warning fires (0 < warnAt < 1). */
  readonly warnAt: number;
  target(priority: Priority, clock: ClockName): SlaTarget;
  calendarFor(priority: Priority): BusinessCalendar;
}

/** What the clocks need to know about the incident at the moment of a change. */
export interface SlaContext {
  policy: SlaPolicy;
  /** The incident's priority now (after the change, for onPriorityChanged). */
  priority: Priority;
  /** The owning level now (after the change, for onEscalated). */
  level: Level;
}

export type SlaAlertKind = 'warning' | 'breach';
export interface SlaDeadline {
  clock: ClockName;
  kind: SlaAlertKind;
  at: Date;
}
export interface SlaFired {
  clock: ClockName;
  kind: SlaAlertKind;
}

const TARGET_KEY: Record<ClockName, 'respond' | 'progressEvery' | 'resolve'> = { response: 'respond', progress: 'progressEvery', resolution: 'resolve' };

/** Throws CalendarError when a priority names a calendar that does not exist. */
export function buildSlaPolicy(cfg: SlaSpec, calendars: ReadonlyMap<string, BusinessCalendar>): SlaPolicy {
  const byPriority = new Map<Priority, BusinessCalendar>();
  for (const p of PRIORITIES) {
    const name = cfg.priorities[p].calendar;
    const cal = calendars.get(name);
    if (!cal) throw new CalendarError(`sla.priorities.${p}.calendar: unknown calendar "${name}" (known: ${[...calendars.keys()].join(', ')})`, { calendar: name });
    byPriority.set(p, cal);
  }
  return {
    warnAt: cfg.warnAt,
    target: (priority, clock) => cfg.priorities[priority][TARGET_KEY[clock]],
    calendarFor: (priority) => byPriority.get(priority)!,
  };
}

/** The clocks of a new incident: response and resolution run; progress waits for L3/L4 to acknowledge. */
export function startSla(now: Date, ctx: SlaContext): IncidentSla {
  return { response: freshRun('response', now, ctx), progress: stopped(now), resolution: freshRun('resolution', now, ctx) };
}

/** The owning level acknowledged: response is met; at L3/L4 the progress clock starts. Idempotent. */
export function onAcknowledged(sla: IncidentSla, now: Date, ctx: SlaContext): IncidentSla {
  const progress = ctx.level >= 3 && sla.progress.state === 'stopped' ? freshRun('progress', now, ctx, isPaused(sla)) : sla.progress;
  return { ...sla, response: satisfy(sla.response, now), progress };
}

/** A progress report: at L3/L4 the progress clock starts a fresh run from now; it also answers the response clock. */
export function onProgress(sla: IncidentSla, now: Date, ctx: SlaContext): IncidentSla {
  const progress = ctx.level >= 3 ? freshRun('progress', now, ctx, isPaused(sla)) : sla.progress;
  return { ...sla, response: satisfy(sla.response, now), progress };
}

/**
 * The owning level changed to `ctx.level`: the new owner gets a fresh response clock. Below L3 the
 * progress clock stops; at L3/L4 a running one carries on and a stopped one waits for the acknowledgement.
 */
export function onEscalated(sla: IncidentSla, now: Date, ctx: SlaContext): IncidentSla {
  const progress = ctx.level < 3 && sla.progress.state !== 'met' ? stop(sla.progress, true) : sla.progress;
  return { ...sla, response: freshRun('response', now, ctx, isPaused(sla)), progress };
}

/** Awaiting the customer: running clocks keep the working time they still owe. Idempotent. */
export function onPaused(sla: IncidentSla, now: Date, ctx: SlaContext): IncidentSla {
  const cal = ctx.policy.calendarFor(ctx.priority);
  return mapClocks(sla, (c) => (isCounting(c) && (c.dueAt === null || now < new Date(c.dueAt)) ? pause(c, now, cal) : c));
}

/** The customer answered: paused clocks run again with the working time they had left. Idempotent. */
export function onResumed(sla: IncidentSla, now: Date, ctx: SlaContext): IncidentSla {
  const cal = ctx.policy.calendarFor(ctx.priority);
  return mapClocks(sla, (c) => (c.state === 'paused' ? run(c, now, cal, c.remainingMs ?? 0, c.budgetMs ?? 0, ctx.policy.warnAt) : c));
}

/** Resolved: resolution (and an unanswered response) is met, or stays breached; everything stops. */
export function onResolved(sla: IncidentSla, now: Date): IncidentSla {
  return { response: satisfy(sla.response, now), progress: stop(sla.progress, false), resolution: satisfy(sla.resolution, now) };
}

/**
 * The priority changed from `previous` to `ctx.priority`. Each live run keeps the working time it has
 * already consumed and is measured against the new target from its own start; a run already past the
 * new target comes due now. Warnings already given are not repeated.
 */
export function onPriorityChanged(sla: IncidentSla, now: Date, ctx: SlaContext, previous: Priority): IncidentSla {
  const oldCal = ctx.policy.calendarFor(previous);
  const cal = ctx.policy.calendarFor(ctx.priority);
  const change = (name: ClockName, c: SlaClock): SlaClock => {
    if (!isCounting(c) && c.state !== 'paused') return c;
    const remainingOld = c.state === 'paused' ? (c.remainingMs ?? 0) : oldCal.workingMsBetween(now, new Date(c.dueAt!));
    const consumed = (c.budgetMs ?? 0) - remainingOld;
    const start = new Date(c.startedAt);
    const budget = cal.workingMsBetween(start, addTarget(cal, start, ctx.policy.target(ctx.priority, name)));
    const remaining = Math.max(0, budget - consumed);
    if (c.state === 'paused') return { ...c, remainingMs: remaining, budgetMs: budget };
    return run(c, now, cal, remaining, budget, ctx.policy.warnAt);
  };
  return { response: change('response', sla.response), progress: change('progress', sla.progress), resolution: change('resolution', sla.resolution) };
}

/** Every warning and breach still to come on running clocks, earliest first (past ones included: fire them now). */
export function nextDeadlines(sla: IncidentSla): SlaDeadline[] {
  const out: SlaDeadline[] = [];
  for (const clock of CLOCK_NAMES) {
    const c = sla[clock];
    if (!isCounting(c)) continue;
    if (c.warnAt && !c.warnedAt && !c.breachedAt) out.push({ clock, kind: 'warning', at: new Date(c.warnAt) });
    if (c.dueAt && !c.breachedAt) out.push({ clock, kind: 'breach', at: new Date(c.dueAt) });
  }
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/**
 * Fires every warning and breach whose instant is at or before `now`, each exactly once: a second call
 * with the same or a later `now` fires nothing new. Long-missed deadlines fire together, warning first.
 */
export function evaluate(sla: IncidentSla, now: Date): { sla: IncidentSla; fired: SlaFired[] } {
  const fired: SlaFired[] = [];
  const t = now.getTime();
  const next = mapClocks(sla, (c, clock) => {
    if (!isCounting(c)) return c;
    let out = c;
    if (out.warnAt && !out.warnedAt && !out.breachedAt && t >= Date.parse(out.warnAt)) {
      out = { ...out, warnedAt: now.toISOString(), state: 'at-risk' };
      fired.push({ clock, kind: 'warning' });
    }
    if (out.dueAt && !out.breachedAt && t >= Date.parse(out.dueAt)) {
      out = { ...out, breachedAt: out.dueAt, state: 'breached' };
      fired.push({ clock, kind: 'breach' });
    }
    return out;
  });
  return { sla: fired.length === 0 ? sla : next, fired };
}

/** Runs `evaluate` before a change so that a deadline passed just before it is fired, not lost. */
export function withCatchUp(sla: IncidentSla, now: Date, change: (caughtUp: IncidentSla) => IncidentSla): { sla: IncidentSla; fired: SlaFired[] } {
  const { sla: caughtUp, fired } = evaluate(sla, now);
  return { sla: change(caughtUp), fired };
}

/** The clocks that became met between two versions (for `sla_met_total`). */
export function newlyMet(before: IncidentSla, after: IncidentSla): ClockName[] {
  return CLOCK_NAMES.filter((name) => before[name].state !== 'met' && after[name].state === 'met');
}

/** The state to report for `/api/v1/sla/summary`: as stored, corrected for deadlines passed since. */
export function clockSummaryState(clock: SlaClock, now: Date): ClockState {
  return clockStateAt(clock, now.toISOString());
}

/**
 * clockSummaryState for many clocks at one instant: every stored instant is an ISO-8601 UTC string of
 * the same shape, so comparing strings compares instants and no date is parsed (a scrape asks this of
 * every clock of every open incident).
 */
export function clockStateAt(clock: SlaClock, nowIso: string): ClockState {
  if (!isCounting(clock)) return clock.state;
  if (clock.breachedAt || (clock.dueAt && nowIso >= clock.dueAt)) return 'breached';
  if (clock.warnedAt || (clock.warnAt && nowIso >= clock.warnAt)) return 'at-risk';
  return 'running';
}

/** How pressing a clock in this state is, most first; a state absent here owes nothing (met, stopped). */
const URGENCY: Partial<Record<ClockState, number>> = { breached: 0, 'at-risk': 1, running: 2, paused: 3 };

/**
 * The clock a person being told about the incident most needs to hear of, at `now`: a breach still owed,
 * else one at risk, else one running (each the one due first), else a paused one. A breach satisfied late
 * (metAt set) is history, not urgency. Undefined when no clock owes anything.
 */
export function mostUrgentClock(sla: IncidentSla, now: Date): { clock: ClockName; state: ClockState; dueAt: string | null } | undefined {
  const nowIso = now.toISOString();
  let best: { clock: ClockName; state: ClockState; dueAt: string | null; rank: number } | undefined;
  for (const name of CLOCK_NAMES) {
    const c = sla[name];
    const state = clockStateAt(c, nowIso);
    const rank = URGENCY[state];
    if (rank === undefined || (state === 'breached' && c.metAt)) continue;
    const sooner = best !== undefined && rank === best.rank && c.dueAt !== null && (best.dueAt === null || c.dueAt < best.dueAt);
    if (best === undefined || rank < best.rank || sooner) best = { clock: name, state, dueAt: c.dueAt, rank };
  }
  return best && { clock: best.clock, state: best.state, dueAt: best.dueAt };
}

function isCounting(c: SlaClock): boolean {
  return c.state === 'running' || c.state === 'at-risk';
}

/** True while the incident's clocks are paused (awaiting the customer): any clock paused means all are. */
export function isPaused(sla: IncidentSla): boolean {
  return CLOCK_NAMES.some((name) => sla[name].state === 'paused');
}

function mapClocks(sla: IncidentSla, f: (c: SlaClock, name: ClockName) => SlaClock): IncidentSla {
  return { response: f(sla.response, 'response'), progress: f(sla.progress, 'progress'), resolution: f(sla.resolution, 'resolution') };
}

function stopped(now: Date): SlaClock {
  return { dueAt: null, state: 'stopped', warnedAt: null, breachedAt: null, startedAt: now.toISOString(), remainingMs: null, metAt: null, warnAt: null, budgetMs: null };
}

/** A new run of `clock` from `now` on the priority's calendar; created paused when the incident is paused. */
function freshRun(clock: ClockName, now: Date, ctx: SlaContext, paused = false): SlaClock {
  const cal = ctx.policy.calendarFor(ctx.priority);
  const due = addTarget(cal, now, ctx.policy.target(ctx.priority, clock));
  const budget = cal.workingMsBetween(now, due);
  const base: SlaClock = { ...stopped(now), state: 'running', budgetMs: budget };
  return paused ? { ...base, state: 'paused', remainingMs: budget } : run(base, now, cal, budget, budget, ctx.policy.warnAt);
}

/** Runs `c` from `now` with `remaining` working ms of a `budget`; the warning keeps its place in the budget. */
function run(c: SlaClock, now: Date, cal: BusinessCalendar, remaining: number, budget: number, warnAt: number): SlaClock {
  const dueAt = cal.addWorkingMs(now, Math.max(0, remaining)).toISOString();
  let warnInstant = c.warnAt ?? null;
  if (!c.warnedAt) {
    const untilWarning = remaining - (budget - Math.round(budget * warnAt));
    warnInstant = (untilWarning <= 0 ? now : cal.addWorkingMs(now, untilWarning)).toISOString();
  }
  return { ...c, state: c.warnedAt ? 'at-risk' : 'running', dueAt, warnAt: warnInstant, remainingMs: null, budgetMs: budget };
}

function pause(c: SlaClock, now: Date, cal: BusinessCalendar): SlaClock {
  const remaining = c.dueAt ? Math.max(0, cal.workingMsBetween(now, new Date(c.dueAt))) : (c.budgetMs ?? 0);
  return { ...c, state: 'paused', remainingMs: remaining, dueAt: null, warnAt: c.warnedAt ? (c.warnAt ?? null) : null };
}

/** Stops a live clock; `alsoBreached` stops a breached one too (it no longer applies, e.g. the vendor handed back). */
function stop(c: SlaClock, alsoBreached: boolean): SlaClock {
  if (isCounting(c) || c.state === 'paused' || (alsoBreached && c.state === 'breached')) {
    return { ...c, state: 'stopped', dueAt: null, warnAt: null, remainingMs: null };
  }
  return c;
}

/** The obligation was fulfilled at `now`: met if on time, otherwise breached (and marked satisfied). */
function satisfy(c: SlaClock, now: Date): SlaClock {
  if (c.state === 'breached') return c.metAt ? c : { ...c, metAt: now.toISOString() };
  if (!isCounting(c) && c.state !== 'paused') return c;
  const late = isCounting(c) && c.dueAt !== null && now.getTime() >= Date.parse(c.dueAt);
  if (late) return { ...c, state: 'breached', breachedAt: c.breachedAt ?? c.dueAt, metAt: now.toISOString(), remainingMs: null };
  return { ...c, state: 'met', metAt: now.toISOString(), remainingMs: null };
}

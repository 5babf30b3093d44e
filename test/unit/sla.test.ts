import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { buildCalendars } from '../../src/domain/calendar.js';
import {
  buildSlaPolicy, clockSummaryState, evaluate, isPaused, mostUrgentClock, newlyMet, nextDeadlines, onAcknowledged, onEscalated, onPaused,
  onPriorityChanged, onProgress, onResolved, onResumed, startSla, withCatchUp, type SlaContext,
} from '../../src/domain/sla.js';
import type { IncidentSla, Level, Priority, SlaClock } from '../../src/domain/types.js';

const cfg = configSchema.parse({}).sla;
const policy = buildSlaPolicy(cfg, buildCalendars(cfg.calendars));
const ctx = (priority: Priority, level: Level): SlaContext => ({ policy, priority, level });
const at = (iso: string) => new Date(iso);

// Monday 2026-06-01 11:00 BST; P1 runs on 24x7, P2-P4 on the London business calendar (09:00-17:30).
const MONDAY = at('2026-06-01T10:00:00Z');

describe('starting the clocks', () => {
  it('runs response and resolution from creation and leaves progress stopped', () => {
    const sla = startSla(MONDAY, ctx('P1', 3));
    expect(sla.response).toMatchObject({ state: 'running', dueAt: '2026-06-01T10:30:00.000Z', warnAt: '2026-06-01T10:22:30.000Z', budgetMs: 1_800_000 });
    expect(sla.resolution).toMatchObject({ state: 'running', dueAt: '2026-06-01T14:00:00.000Z', warnAt: '2026-06-01T13:00:00.000Z' });
    expect(sla.progress).toMatchObject({ state: 'stopped', dueAt: null, warnAt: null });
  });

  it('counts a P2 opened late on Friday in Monday working hours, warning included', () => {
    const sla = startSla(at('2026-06-05T16:00:00Z'), ctx('P2', 2)); // Friday 17:00 BST
    expect(sla.response.dueAt).toBe('2026-06-08T08:30:00.000Z'); // Monday 09:30 BST
    expect(sla.response.warnAt).toBe('2026-06-08T08:15:00.000Z');
    expect(sla.resolution.dueAt).toBe('2026-06-08T16:00:00.000Z'); // one working day: Monday 17:00 BST
  });
});

describe('acknowledgement and progress', () => {
  it('meets the response clock and starts the progress clock when L3 acknowledges', () => {
    const sla = onAcknowledged(startSla(MONDAY, ctx('P2', 3)), at('2026-06-01T10:20:00Z'), ctx('P2', 3));
    expect(sla.response).toMatchObject({ state: 'met', metAt: '2026-06-01T10:20:00.000Z' });
    expect(sla.progress).toMatchObject({ state: 'running', startedAt: '2026-06-01T10:20:00.000Z', dueAt: '2026-06-01T14:20:00.000Z' });
  });

  it('does not start the progress clock when L2 acknowledges', () => {
    const sla = onAcknowledged(startSla(MONDAY, ctx('P2', 2)), at('2026-06-01T10:20:00Z'), ctx('P2', 2));
    expect(sla.response.state).toBe('met');
    expect(sla.progress.state).toBe('stopped');
  });

  it('does not restart a running progress clock on a repeated acknowledgement', () => {
    const first = onAcknowledged(startSla(MONDAY, ctx('P2', 3)), at('2026-06-01T10:20:00Z'), ctx('P2', 3));
    expect(onAcknowledged(first, at('2026-06-01T11:00:00Z'), ctx('P2', 3))).toEqual(first);
  });

  it('records a late acknowledgement as a breach that was later answered', () => {
    const sla = onAcknowledged(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T10:45:00Z'), ctx('P1', 3));
    expect(sla.response).toMatchObject({ state: 'breached', breachedAt: '2026-06-01T10:30:00.000Z', metAt: '2026-06-01T10:45:00.000Z' });
  });

  it('resets the progress clock from each progress report, even after a breach', () => {
    let sla = onAcknowledged(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T10:05:00Z'), ctx('P1', 3));
    sla = evaluate(sla, at('2026-06-01T11:10:00Z')).sla;
    expect(sla.progress.state).toBe('breached');
    sla = onProgress(sla, at('2026-06-01T11:15:00Z'), ctx('P1', 3));
    expect(sla.progress).toMatchObject({ state: 'running', dueAt: '2026-06-01T12:15:00.000Z', warnedAt: null, breachedAt: null });
  });

  it('counts the P3 progress interval as one working day', () => {
    const sla = onAcknowledged(startSla(MONDAY, ctx('P3', 3)), at('2026-06-05T14:00:00Z'), ctx('P3', 3)); // Friday 15:00 BST
    expect(sla.progress.dueAt).toBe('2026-06-08T14:00:00.000Z');
  });
});

describe('escalation to a new owner', () => {
  it('restarts the response clock for the new level and leaves the resolution clock alone', () => {
    const start = startSla(MONDAY, ctx('P1', 2));
    const sla = onEscalated(onAcknowledged(start, at('2026-06-01T10:05:00Z'), ctx('P1', 2)), at('2026-06-01T11:00:00Z'), ctx('P1', 3));
    expect(sla.response).toMatchObject({ state: 'running', startedAt: '2026-06-01T11:00:00.000Z', dueAt: '2026-06-01T11:30:00.000Z', metAt: null });
    expect(sla.resolution).toEqual(start.resolution);
    expect(sla.progress.state).toBe('stopped');
  });

  it('keeps the vendor’s progress clock running from L3 to L4 and stops it when handed back to L2', () => {
    const acked = onAcknowledged(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T10:05:00Z'), ctx('P1', 3));
    expect(onEscalated(acked, at('2026-06-01T10:30:00Z'), ctx('P1', 4)).progress).toEqual(acked.progress);
    expect(onEscalated(acked, at('2026-06-01T10:30:00Z'), ctx('P1', 2)).progress).toMatchObject({ state: 'stopped', dueAt: null });
  });
});

describe('awaiting the customer', () => {
  it('resumes with the working time that was left when paused', () => {
    const paused = onPaused(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T10:10:00Z'), ctx('P1', 3));
    expect(paused.response).toMatchObject({ state: 'paused', dueAt: null, warnAt: null, remainingMs: 20 * 60_000 });
    expect(nextDeadlines(paused)).toEqual([]);
    expect(evaluate(paused, at('2026-06-01T18:00:00Z')).fired).toEqual([]);
    const resumed = onResumed(paused, at('2026-06-01T12:00:00Z'), ctx('P1', 3));
    expect(resumed.response).toMatchObject({ state: 'running', dueAt: '2026-06-01T12:20:00.000Z', warnAt: '2026-06-01T12:12:30.000Z', remainingMs: null });
    expect(resumed.resolution.dueAt).toBe('2026-06-01T15:50:00.000Z');
  });

  it('pauses over a weekend on the business calendar without losing working time', () => {
    const start = at('2026-06-05T15:00:00Z'); // Friday 16:00 BST
    const paused = onPaused(startSla(start, ctx('P2', 2)), at('2026-06-05T15:30:00Z'), ctx('P2', 2));
    const resumed = onResumed(paused, at('2026-06-06T12:00:00Z'), ctx('P2', 2)); // Saturday
    expect(resumed.response.dueAt).toBe('2026-06-08T08:30:00.000Z'); // Monday 09:30 BST
  });

  it('does not repeat a warning already given before the pause', () => {
    let sla = evaluate(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T10:25:00Z')).sla;
    expect(sla.response.state).toBe('at-risk');
    sla = onResumed(onPaused(sla, at('2026-06-01T10:26:00Z'), ctx('P1', 3)), at('2026-06-01T11:00:00Z'), ctx('P1', 3));
    expect(sla.response).toMatchObject({ state: 'at-risk', dueAt: '2026-06-01T11:04:00.000Z' });
    expect(evaluate(sla, at('2026-06-01T11:05:00Z')).fired).toEqual([{ clock: 'response', kind: 'breach' }]);
  });

  it('starts a progress clock paused when L3 acknowledges while the customer is being waited on', () => {
    const paused = onPaused(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T10:10:00Z'), ctx('P1', 3));
    const sla = onAcknowledged(paused, at('2026-06-01T10:15:00Z'), ctx('P1', 3));
    expect(sla.progress).toMatchObject({ state: 'paused', remainingMs: 3_600_000, dueAt: null });
  });

  it('pausing or resuming twice changes nothing more', () => {
    const paused = onPaused(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T10:10:00Z'), ctx('P1', 3));
    expect(onPaused(paused, at('2026-06-01T10:20:00Z'), ctx('P1', 3))).toEqual(paused);
    const resumed = onResumed(paused, at('2026-06-01T11:00:00Z'), ctx('P1', 3));
    expect(onResumed(resumed, at('2026-06-01T11:30:00Z'), ctx('P1', 3))).toEqual(resumed);
  });
});

describe('evaluate', () => {
  it('fires the warning at the warning instant, once', () => {
    const first = evaluate(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T10:22:30Z'));
    expect(first.fired).toEqual([{ clock: 'response', kind: 'warning' }]);
    expect(first.sla.response).toMatchObject({ state: 'at-risk', warnedAt: '2026-06-01T10:22:30.000Z' });
    expect(evaluate(first.sla, at('2026-06-01T10:25:00Z')).fired).toEqual([]);
  });

  it('fires nothing before the warning instant', () => {
    const sla = startSla(MONDAY, ctx('P1', 3));
    const result = evaluate(sla, at('2026-06-01T10:22:29.999Z'));
    expect(result.fired).toEqual([]);
    expect(result.sla).toBe(sla);
  });

  it('catches up a long-missed warning and breach together, warning first, and only once', () => {
    const late = at('2026-06-03T00:00:00Z');
    const first = evaluate(startSla(MONDAY, ctx('P1', 3)), late);
    expect(first.fired).toEqual([
      { clock: 'response', kind: 'warning' }, { clock: 'response', kind: 'breach' },
      { clock: 'resolution', kind: 'warning' }, { clock: 'resolution', kind: 'breach' },
    ]);
    expect(first.sla.response.breachedAt).toBe('2026-06-01T10:30:00.000Z'); // when it happened, not when noticed
    expect(evaluate(first.sla, late).fired).toEqual([]);
    expect(evaluate(first.sla, at('2026-06-10T00:00:00Z')).fired).toEqual([]);
  });

  it('lets withCatchUp fire a breach passed just before an acknowledgement', () => {
    const { sla, fired } = withCatchUp(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T10:40:00Z'), (s) => onAcknowledged(s, at('2026-06-01T10:40:00Z'), ctx('P1', 3)));
    expect(fired).toEqual([{ clock: 'response', kind: 'warning' }, { clock: 'response', kind: 'breach' }]);
    expect(sla.response).toMatchObject({ state: 'breached', metAt: '2026-06-01T10:40:00.000Z' });
  });
});

describe('nextDeadlines', () => {
  it('lists every pending warning and breach, earliest first, and drops those already fired', () => {
    const sla = startSla(MONDAY, ctx('P1', 3));
    expect(nextDeadlines(sla).map((d) => `${d.clock}:${d.kind}@${d.at.toISOString()}`)).toEqual([
      'response:warning@2026-06-01T10:22:30.000Z', 'response:breach@2026-06-01T10:30:00.000Z',
      'resolution:warning@2026-06-01T13:00:00.000Z', 'resolution:breach@2026-06-01T14:00:00.000Z',
    ]);
    const after = evaluate(sla, at('2026-06-01T10:31:00Z')).sla;
    expect(nextDeadlines(after).map((d) => `${d.clock}:${d.kind}`)).toEqual(['resolution:warning', 'resolution:breach']);
  });
});

describe('resolution', () => {
  it('meets the resolution clock in time and stops everything', () => {
    const acked = onAcknowledged(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T10:05:00Z'), ctx('P1', 3));
    const sla = onResolved(acked, at('2026-06-01T12:00:00Z'));
    expect(sla.resolution).toMatchObject({ state: 'met', metAt: '2026-06-01T12:00:00.000Z' });
    expect(sla.progress.state).toBe('stopped');
    expect(nextDeadlines(sla)).toEqual([]);
    expect(newlyMet(acked, sla)).toEqual(['resolution']);
  });

  it('keeps a breached resolution clock breached', () => {
    const breached = evaluate(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T15:00:00Z')).sla;
    const sla = onResolved(breached, at('2026-06-01T16:00:00Z'));
    expect(sla.resolution).toMatchObject({ state: 'breached', breachedAt: '2026-06-01T14:00:00.000Z', metAt: '2026-06-01T16:00:00.000Z' });
    expect(newlyMet(breached, sla)).toEqual([]);
  });
});

describe('priority changes', () => {
  it('keeps the working time already consumed and measures it against the new target', () => {
    const sla = onPriorityChanged(startSla(MONDAY, ctx('P2', 3)), at('2026-06-01T10:20:00Z'), ctx('P1', 3), 'P2');
    expect(sla.response).toMatchObject({ dueAt: '2026-06-01T10:30:00.000Z', warnAt: '2026-06-01T10:22:30.000Z', budgetMs: 1_800_000 });
    expect(sla.resolution.dueAt).toBe('2026-06-01T14:00:00.000Z');
  });

  it('brings a run already past the new, shorter target due at once', () => {
    const now = at('2026-06-01T12:00:00Z');
    const sla = onPriorityChanged(startSla(MONDAY, ctx('P4', 3)), now, ctx('P1', 3), 'P4');
    expect(sla.response.dueAt).toBe(now.toISOString());
    expect(evaluate(sla, now).fired).toContainEqual({ clock: 'response', kind: 'breach' });
  });

  it('gives a paused clock the new budget without starting it', () => {
    const paused = onPaused(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T10:10:00Z'), ctx('P1', 3));
    const sla = onPriorityChanged(paused, at('2026-06-01T10:15:00Z'), ctx('P2', 3), 'P1');
    expect(sla.response).toMatchObject({ state: 'paused', remainingMs: 50 * 60_000, budgetMs: 3_600_000 });
  });
});

describe('clockSummaryState', () => {
  const sla = startSla(MONDAY, ctx('P1', 3));
  it.each([
    ['running before the warning instant', '2026-06-01T10:10:00Z', 'running'],
    ['at-risk from the warning instant even before evaluate ran', '2026-06-01T10:23:00Z', 'at-risk'],
    ['breached from the due instant even before evaluate ran', '2026-06-01T10:30:00Z', 'breached'],
  ] as const)('reports %s', (_name, now, expected) => {
    expect(clockSummaryState(sla.response, at(now))).toBe(expected);
  });

  it('reports met and paused clocks as stored', () => {
    const acked = onAcknowledged(sla, at('2026-06-01T10:05:00Z'), ctx('P1', 3));
    expect(clockSummaryState(acked.response, at('2026-06-01T12:00:00Z'))).toBe('met');
    const paused = onPaused(sla, at('2026-06-01T10:05:00Z'), ctx('P1', 3));
    expect(clockSummaryState(paused.resolution, at('2026-06-01T20:00:00Z'))).toBe('paused');
  });
});

describe('buildSlaPolicy', () => {
  it('refuses a priority that names an unknown calendar', () => {
    const bad = { ...cfg, priorities: { ...cfg.priorities, P3: { ...cfg.priorities.P3, calendar: 'nowhere' } } };
    expect(() => buildSlaPolicy(bad, buildCalendars(cfg.calendars))).toThrow(/sla\.priorities\.P3\.calendar: unknown calendar "nowhere"/);
  });
});

describe('the default targets of DESIGN §7, one row per priority and clock', () => {
  // Opened and acknowledged by the vendor (L3) on Monday 2026-06-01 10:00 BST (09:00Z); P1 on 24x7,
  // P2–P4 on the London business calendar (Mon–Fri 09:00–17:30); `d` is working days.
  const opened = at('2026-06-01T09:00:00Z');
  const acked = (p: Priority) => onAcknowledged(startSla(opened, ctx(p, 3)), opened, ctx(p, 3));
  it.each([
    ['P1', 'respond 30m', 'response', '2026-06-01T09:30:00.000Z'],
    ['P1', 'progress update every 1h', 'progress', '2026-06-01T10:00:00.000Z'],
    ['P1', 'resolve 4h', 'resolution', '2026-06-01T13:00:00.000Z'],
    ['P2', 'respond 1h', 'response', '2026-06-01T10:00:00.000Z'],
    ['P2', 'progress update every 4h', 'progress', '2026-06-01T13:00:00.000Z'],
    ['P2', 'resolve 1 working day', 'resolution', '2026-06-02T09:00:00.000Z'],
    ['P3', 'respond 4h', 'response', '2026-06-01T13:00:00.000Z'],
    ['P3', 'progress update every working day', 'progress', '2026-06-02T09:00:00.000Z'],
    ['P3', 'resolve 3 working days', 'resolution', '2026-06-04T09:00:00.000Z'],
    ['P4', 'respond 1 working day', 'response', '2026-06-02T09:00:00.000Z'],
    ['P4', 'progress update every 2 working days', 'progress', '2026-06-03T09:00:00.000Z'],
    ['P4', 'resolve 10 working days', 'resolution', '2026-06-15T09:00:00.000Z'],
  ] as const)('%s: %s', (priority, _target, clock, due) => {
    const sla = clock === 'response' ? startSla(opened, ctx(priority, 3)) : acked(priority);
    expect(sla[clock].dueAt).toBe(due);
  });
});

describe('clocks on the business calendar across daylight-saving changes and holidays', () => {
  const withHolidays = configSchema.parse({
    sla: { calendars: { business: { timezone: 'Europe/London', hours: { mon: '09:00-17:30', tue: '09:00-17:30', wed: '09:00-17:30', thu: '09:00-17:30', fri: '09:00-17:30' }, holidays: ['2026-12-25', '2026-12-28'] } } },
  }).sla;
  const holidayPolicy = buildSlaPolicy(withHolidays, buildCalendars(withHolidays.calendars));
  const hctx = (priority: Priority): SlaContext => ({ policy: holidayPolicy, priority, level: 3 });

  it.each([
    ['P2 respond, Friday 17:00 BST before fall-back: half an hour each side of the weekend, Monday 09:30 GMT', '2026-10-23T16:00:00Z', 'P2', 'response', '2026-10-26T09:30:00.000Z'],
    ['P2 resolve, Friday 17:00 BST before fall-back: one working day is Monday 17:00 GMT', '2026-10-23T16:00:00Z', 'P2', 'resolution', '2026-10-26T17:00:00.000Z'],
    ['P2 respond, Friday 17:00 GMT before spring-forward: Monday 09:30 BST', '2026-03-27T17:00:00Z', 'P2', 'response', '2026-03-30T08:30:00.000Z'],
    ['P2 resolve, Friday 17:00 GMT before spring-forward: Monday 17:00 BST', '2026-03-27T17:00:00Z', 'P2', 'resolution', '2026-03-30T16:00:00.000Z'],
    ['P1 on 24x7 ignores both: 4h across the spring-forward night are 4 elapsed hours', '2026-03-29T00:00:00Z', 'P1', 'resolution', '2026-03-29T04:00:00.000Z'],
    ['P3 respond, Christmas Eve 16:00: Christmas, the weekend and the substitute holiday skipped', '2026-12-24T16:00:00Z', 'P3', 'response', '2026-12-29T11:30:00.000Z'],
    ['P3 resolve, Christmas Eve 16:00: three working days are the 29th, 30th and 31st', '2026-12-24T16:00:00Z', 'P3', 'resolution', '2026-12-31T16:00:00.000Z'],
  ] as const)('%s', (_line, start, priority, clock, due) => {
    expect(startSla(at(start), hctx(priority))[clock].dueAt).toBe(due);
  });

  it('resumes a clock paused over a holiday weekend with the working time it had left', () => {
    const paused = onPaused(startSla(at('2026-12-24T16:00:00Z'), hctx('P3')), at('2026-12-24T17:00:00Z'), hctx('P3')); // 1h of 4h used
    const resumed = onResumed(paused, at('2026-12-27T12:00:00Z'), hctx('P3')); // Sunday: counts from Tuesday 09:00
    expect(resumed.response.dueAt).toBe('2026-12-29T12:00:00.000Z');
  });
});

describe('warnings at the configured fraction (DESIGN §7: default 0.75, breach at 1.0)', () => {
  it.each([
    [0.75, '2026-06-01T10:22:30.000Z'],
    [0.5, '2026-06-01T10:15:00.000Z'],
    [0.9, '2026-06-01T10:27:00.000Z'],
  ])('warnAt %s puts the P1 response warning at %s and the breach at the due instant', (warnAt, warning) => {
    const custom = configSchema.parse({ sla: { warnAt } }).sla;
    const p = buildSlaPolicy(custom, buildCalendars(custom.calendars));
    const sla = startSla(MONDAY, { policy: p, priority: 'P1', level: 3 });
    expect(sla.response.warnAt).toBe(warning);
    expect(sla.response.dueAt).toBe('2026-06-01T10:30:00.000Z');
    expect(evaluate(sla, at(warning)).fired).toEqual([{ clock: 'response', kind: 'warning' }]);
  });

  it('puts the warning of a business-calendar clock at the fraction of its working budget, not of elapsed time', () => {
    const sla = startSla(at('2026-06-05T16:00:00Z'), ctx('P2', 2)); // Friday 17:00 BST: 30m Friday + 30m Monday
    expect(sla.response.warnAt).toBe('2026-06-08T08:15:00.000Z'); // 45 working minutes in: Monday 09:15 BST
  });
});

describe('isPaused', () => {
  it.each([
    ['fresh clocks', () => startSla(MONDAY, ctx('P1', 3)), false],
    ['clocks awaiting the customer', () => onPaused(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T10:10:00Z'), ctx('P1', 3)), true],
    ['clocks resumed', () => onResumed(onPaused(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T10:10:00Z'), ctx('P1', 3)), at('2026-06-01T11:00:00Z'), ctx('P1', 3)), false],
    ['clocks of a resolved incident', () => onResolved(startSla(MONDAY, ctx('P1', 3)), at('2026-06-01T11:00:00Z')), false],
  ] as const)('%s: %s', (_name, make, expected) => {
    expect(isPaused(make())).toBe(expected);
  });
});

describe('mostUrgentClock', () => {
  const T = '2026-06-01T12:00:00.000Z';
  const clock = (state: SlaClock['state'], dueAt: string | null, extra: Partial<SlaClock> = {}): SlaClock =>
    ({ state, dueAt, warnedAt: null, breachedAt: state === 'breached' ? dueAt : null, startedAt: '2026-06-01T10:00:00.000Z', metAt: null, warnAt: null, ...extra });
  const sla = (response: SlaClock, progress: SlaClock, resolution: SlaClock): IncidentSla => ({ response, progress, resolution });

  it('names a breach still owed before a clock at risk, and that before one merely running', () => {
    expect(mostUrgentClock(sla(clock('met', null), clock('at-risk', '2026-06-01T12:30:00.000Z', { warnedAt: T }), clock('breached', '2026-06-01T11:00:00.000Z')), at(T)))
      .toEqual({ clock: 'resolution', state: 'breached', dueAt: '2026-06-01T11:00:00.000Z' });
    expect(mostUrgentClock(sla(clock('met', null), clock('running', '2026-06-01T12:10:00.000Z'), clock('at-risk', '2026-06-01T13:00:00.000Z', { warnedAt: T })), at(T)))
      .toEqual({ clock: 'resolution', state: 'at-risk', dueAt: '2026-06-01T13:00:00.000Z' });
  });

  it('among running clocks, the one due first; a deadline passed since the last save counts as breached', () => {
    expect(mostUrgentClock(sla(clock('running', '2026-06-01T12:20:00.000Z'), clock('stopped', null), clock('running', '2026-06-01T12:10:00.000Z')), at(T)))
      .toMatchObject({ clock: 'resolution', state: 'running' });
    expect(mostUrgentClock(sla(clock('running', '2026-06-01T11:59:00.000Z'), clock('stopped', null), clock('running', '2026-06-01T12:10:00.000Z')), at(T)))
      .toEqual({ clock: 'response', state: 'breached', dueAt: '2026-06-01T11:59:00.000Z' });
  });

  it('a paused clock when nothing runs; nothing when every obligation is met, stopped or was met late', () => {
    expect(mostUrgentClock(sla(clock('met', null), clock('paused', null, { remainingMs: 60_000 }), clock('paused', null, { remainingMs: 600_000 })), at(T)))
      .toEqual({ clock: 'progress', state: 'paused', dueAt: null });
    expect(mostUrgentClock(sla(clock('met', null), clock('stopped', null), clock('breached', '2026-06-01T11:00:00.000Z', { metAt: T })), at(T))).toBeUndefined();
  });
});

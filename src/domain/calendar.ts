// Business calendars: which instants are working time, and how far a working-time budget reaches.
// Working hours are wall-clock times in the calendar's IANA zone, so every conversion goes through
// luxon; DST days simply have shorter or longer intervals. Walks go interval by interval, day by day.
import { DateTime, IANAZone } from 'luxon';
import { WEEKDAYS, type Weekday } from './enums.js';
import { AppError } from './errors.js';
import type { SlaTarget } from './sla-targets.js';

/** A working-time calendar as configured: an IANA zone, `HH:MM-HH:MM` ranges per weekday, holiday dates. */
export interface CalendarSpec {
  timezone: string;
  /** Wall-clock ranges in the zone; a day may have several (a lunch break); `24:00` ends at midnight. */
  hours: Partial<Record<Weekday, string | readonly string[]>>;
  /** `YYYY-MM-DD` local dates with no working time. */
  holidays?: readonly string[];
}

/** A working-time calendar. Every method is pure; intervals are half-open: [start, end). */
export interface BusinessCalendar {
  readonly id: string;
  isWorkingTime(at: Date): boolean;
  /**
   * The earliest instant by which `ms` of working time has elapsed after `start`. `ms = 0` returns
   * `start`; a budget that runs out exactly at the end of a working interval returns that end (17:30,
   * not the next morning).
   */
  addWorkingMs(start: Date, ms: number): Date;
  /**
   * `days` working days after `start`. From inside working time: the same wall-clock time on the Nth
   * following working day (if that day has shorter hours, the same working offset into it, capped at
   * its end). From outside working time: counted from the start of the next working period. A result
   * that falls on the start of a working period is reported as the end of the previous one (the
   * earliest equivalent instant, as addWorkingMs does): 1 working day from Monday 09:00 is Monday 17:30.
   * A fraction of a day is that fraction of the working hours of the day it lands on.
   */
  addWorkingDays(start: Date, days: number): Date;
  /** Working milliseconds in [from, to); negative when `to` is before `from`. Inverse of addWorkingMs. */
  workingMsBetween(from: Date, to: Date): number;
}

const DAY_MS = 86_400_000;
/** A calendar whose holidays swallow ten years of working days is a configuration mistake. */
const MAX_SCAN_DAYS = 3660;
type Interval = readonly [number, number];
/** Minutes after local midnight; the end may be 1440 (24:00). */
type MinuteRange = readonly [number, number];

export class CalendarError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('calendar_invalid', message, details);
  }
}

/** The built-in calendar: every instant works and a day is 24 hours. */
export const CALENDAR_24X7: BusinessCalendar = Object.freeze({
  id: '24x7',
  isWorkingTime: () => true,
  addWorkingMs: (start: Date, ms: number) => new Date(start.getTime() + checkAmount(ms, 'ms')),
  addWorkingDays: (start: Date, days: number) => new Date(start.getTime() + Math.round(checkAmount(days, 'days') * DAY_MS)),
  workingMsBetween: (from: Date, to: Date) => to.getTime() - from.getTime(),
});

export function addTarget(cal: BusinessCalendar, start: Date, target: SlaTarget): Date {
  return 'days' in target ? cal.addWorkingDays(start, target.days) : cal.addWorkingMs(start, target.ms);
}

/** Builds every configured calendar plus the built-in `24x7`. */
export function buildCalendars(cfgs: Readonly<Record<string, CalendarSpec>>): Map<string, BusinessCalendar> {
  const out = new Map<string, BusinessCalendar>([[CALENDAR_24X7.id, CALENDAR_24X7]]);
  for (const [id, cfg] of Object.entries(cfgs)) {
    if (id === CALENDAR_24X7.id) throw new CalendarError(`calendar "24x7" is built in and cannot be redefined`, { calendar: id });
    out.set(id, buildCalendar(id, cfg));
  }
  return out;
}

/** Throws CalendarError for an unknown zone, a backwards range or a week without working hours. */
export function buildCalendar(id: string, cfg: CalendarSpec): BusinessCalendar {
  if (!IANAZone.isValidZone(cfg.timezone)) throw new CalendarError(`calendar "${id}": unknown time zone "${cfg.timezone}"`, { calendar: id });
  const week = WEEKDAYS.map((key) => parseDay(id, key, cfg.hours[key]));
  if (week.every((ranges) => ranges.length === 0)) {
    throw new CalendarError(`calendar "${id}" has no working hours on any weekday`, { calendar: id });
  }
  for (const h of cfg.holidays ?? []) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(h) || !DateTime.fromISO(h, { zone: 'UTC' }).isValid) {
      throw new CalendarError(`calendar "${id}": holiday "${h}" is not a YYYY-MM-DD date`, { calendar: id });
    }
  }
  return new ZonedCalendar(id, cfg.timezone, week, new Set(cfg.holidays ?? []));
}

function checkAmount(n: number, what: string): number {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`working ${what} must be a finite, non-negative number (got ${n})`);
  return n;
}

function parseDay(id: string, key: Weekday, spec: string | readonly string[] | undefined): MinuteRange[] {
  const ranges = (spec === undefined ? [] : typeof spec === 'string' ? [spec] : spec).map((text) => {
    const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text);
    if (!m) throw new CalendarError(`calendar "${id}": "${text}" on ${key} is not HH:MM-HH:MM`, { calendar: id });
    const start = Number(m[1]) * 60 + Number(m[2]);
    const end = Number(m[3]) * 60 + Number(m[4]);
    if (end <= start || end > 1440) {
      throw new CalendarError(`calendar "${id}": "${text}" on ${key} does not end after it starts (split overnight hours across two days)`, { calendar: id });
    }
    return [start, end] as const;
  });
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [s, e] of ranges) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

class ZonedCalendar implements BusinessCalendar {
  /** Day number (days since 1970-01-01 of the local date) → that day's working intervals in epoch ms. */
  private readonly cache = new Map<number, Interval[]>();

  constructor(
    readonly id: string,
    private readonly zone: string,
    private readonly week: MinuteRange[][],
    private readonly holidays: ReadonlySet<string>,
  ) {}

  isWorkingTime(at: Date): boolean {
    const t = at.getTime();
    return this.intervals(this.dayOf(t)).some(([s, e]) => s <= t && t < e);
  }

  addWorkingMs(start: Date, ms: number): Date {
    checkAmount(ms, 'ms');
    let t = start.getTime();
    if (ms === 0) return new Date(t);
    let remaining = ms;
    const first = this.dayOf(t);
    for (let day = first; day < first + MAX_SCAN_DAYS; day++) {
      for (const [s, e] of this.intervals(day)) {
        if (e <= t) continue;
        const from = Math.max(s, t);
        if (remaining <= e - from) return new Date(from + remaining);
        remaining -= e - from;
        t = e;
      }
    }
    throw this.noWorkingTime(start);
  }

  workingMsBetween(from: Date, to: Date): number {
    const a = from.getTime();
    const b = to.getTime();
    if (b < a) return -this.workingMsBetween(to, from);
    let total = 0;
    for (let day = this.dayOf(a), last = this.dayOf(b); day <= last; day++) {
      for (const [s, e] of this.intervals(day)) total += Math.max(0, Math.min(e, b) - Math.max(s, a));
    }
    return total;
  }

  addWorkingDays(start: Date, days: number): Date {
    checkAmount(days, 'days');
    if (days === 0) return new Date(start.getTime());
    const whole = Math.floor(days);
    const anchor = this.isWorkingTime(start) ? start.getTime() : this.nextWorkingStart(start);
    let result = whole === 0 ? anchor : this.samePositionLater(anchor, whole);
    const fraction = days - whole;
    if (fraction > 0) {
      const len = this.dayLength(this.nextWorkingDay(this.dayOf(result) - 1));
      result = this.addWorkingMs(new Date(result), Math.round(fraction * len)).getTime();
    }
    return new Date(this.earliestEquivalent(result, start.getTime()));
  }

  /** The instant at `anchor`'s wall-clock position on the `n`th working day after its own day. */
  private samePositionLater(anchor: number, n: number): number {
    const anchorDay = this.dayOf(anchor);
    let target = anchorDay;
    for (let i = 0; i < n; i++) target = this.nextWorkingDay(target);
    const local = DateTime.fromMillis(anchor, { zone: this.zone });
    const { year, month, day } = civil(target);
    const candidate = DateTime.fromObject(
      { year, month, day, hour: local.hour, minute: local.minute, second: local.second, millisecond: local.millisecond },
      { zone: this.zone },
    ).toMillis();
    if (this.dayOf(candidate) === target && this.isWorkingTime(new Date(candidate))) return candidate;
    // The target day's hours differ: keep the working offset into the day instead, capped at its end.
    const offset = this.workingMsBetween(new Date(this.intervals(anchorDay)[0][0]), new Date(anchor));
    let left = offset;
    const intervals = this.intervals(target);
    for (const [s, e] of intervals) {
      if (left <= e - s) return s + left;
      left -= e - s;
    }
    return intervals[intervals.length - 1][1];
  }

  /** Moves a result sitting on the start of a working period back to the end of the previous one. */
  private earliestEquivalent(t: number, notBefore: number): number {
    if (this.isWorkingTime(new Date(t - 1))) return t;
    const day = this.dayOf(t);
    if (!this.intervals(day).some(([s]) => s === t)) return t;
    for (let d = day; d > day - MAX_SCAN_DAYS; d--) {
      const ends = this.intervals(d).map(([, e]) => e).filter((e) => e < t);
      if (ends.length > 0) return Math.max(notBefore, ends[ends.length - 1]);
    }
    return t;
  }

  private nextWorkingStart(at: Date): number {
    const t = at.getTime();
    const first = this.dayOf(t);
    for (let day = first; day < first + MAX_SCAN_DAYS; day++) {
      const hit = this.intervals(day).find(([s]) => s >= t);
      if (hit) return hit[0];
    }
    throw this.noWorkingTime(at);
  }

  /** The first day after `day` that has working time. */
  private nextWorkingDay(day: number): number {
    for (let d = day + 1; d < day + MAX_SCAN_DAYS; d++) if (this.intervals(d).length > 0) return d;
    throw this.noWorkingTime(new Date(day * DAY_MS));
  }

  private dayLength(day: number): number {
    return this.intervals(day).reduce((sum, [s, e]) => sum + (e - s), 0);
  }

  private dayOf(t: number): number {
    const local = DateTime.fromMillis(t, { zone: this.zone });
    return Date.UTC(local.year, local.month - 1, local.day) / DAY_MS;
  }

  private intervals(day: number): Interval[] {
    let hit = this.cache.get(day);
    if (hit) return hit;
    const date = civil(day);
    const ranges = this.holidays.has(date.iso) ? [] : this.week[date.weekday];
    hit = ranges
      .map(([s, e]) => [this.wallClock(day, s), this.wallClock(day, e)] as const)
      .filter(([s, e]) => e > s); // a range inside a spring-forward gap has no instants at all
    if (this.cache.size > 4096) this.cache.clear();
    this.cache.set(day, hit);
    return hit;
  }

  /** Epoch ms of `minutes` after local midnight of `day`; 24:00 is the next day's midnight. */
  private wallClock(day: number, minutes: number): number {
    const { year, month, day: d } = civil(minutes === 1440 ? day + 1 : day);
    const m = minutes % 1440;
    return DateTime.fromObject({ year, month, day: d, hour: Math.floor(m / 60), minute: m % 60 }, { zone: this.zone }).toMillis();
  }

  private noWorkingTime(at: Date): CalendarError {
    return new CalendarError(`calendar "${this.id}" has no working time within ten years of ${at.toISOString()}`, { calendar: this.id });
  }
}

function civil(day: number): { year: number; month: number; day: number; weekday: number; iso: string } {
  const d = new Date(day * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay(), iso: d.toISOString().slice(0, 10) };
}

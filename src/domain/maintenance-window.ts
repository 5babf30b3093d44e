// Does a maintenance window cover a failure (DESIGN §5)? A one-off window covers [startsAt, endsAt). A
// weekly recurrence covers, on each listed weekday, the wall-clock span `from`–`to` in the window's IANA
// time zone; `to` at or before `from` runs into the next day (Sunday 22:00–02:00 covers Monday 01:00).
// Wall-clock times are resolved per day by luxon, so the span follows the zone across daylight saving:
// on the night the clocks go forward a 22:00–02:00 window is an hour shorter, on the night they go back an
// hour longer; a `from` inside the skipped hour starts when the clocks reach it (01:30 → 02:30 BST, the
// same instant as 01:30 GMT), and a time that happens twice resolves to its first occurrence.
// Pure: the instant is a parameter.
import { DateTime, IANAZone } from 'luxon';
import type { Weekday } from './enums.js';

export interface WeeklyRecurrence {
  readonly days: readonly string[];
  /** `HH:MM`, local to the window's time zone. */
  readonly from: string;
  readonly to: string;
}

/** The fields of a stored window (store/port.ts MaintenanceWindow) this rule reads. */
export interface MaintenanceScope {
  readonly serverId: string | null;
  readonly customerId: string | null;
  readonly component: string | null;
  readonly startsAt: string;
  readonly endsAt: string | null;
  readonly recurrence?: WeeklyRecurrence | null;
  readonly timezone?: string | null;
}

export const RECURRENCE_DAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/** luxon weekday numbers: Monday 1 … Sunday 7. */
const LUXON_WEEKDAY: Record<Weekday, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };
export const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function minutesOf(hhmm: string): { hour: number; minute: number } {
  const m = HHMM.exec(hhmm);
  if (!m) throw new Error(`not a time of day: ${hhmm}`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

export function isValidTimezone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** Whether the window's server, customer and component scope takes in this server's component (null: the server itself). */
export function scopeMatches(w: MaintenanceScope, serverId: string, customerId: string, component: string | null): boolean {
  return (
    (w.serverId === null || w.serverId === serverId) &&
    (w.customerId === null || w.customerId === customerId) &&
    (w.component === null || component === null || w.component === component)
  );
}

/** The occurrence of a weekly recurrence that starts on a local calendar day, as epoch milliseconds. */
function occurrence(day: DateTime, r: WeeklyRecurrence, zone: string): { start: number; end: number } {
  const from = minutesOf(r.from);
  const to = minutesOf(r.to);
  const start = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, ...from }, { zone });
  const endDay = to.hour * 60 + to.minute <= from.hour * 60 + from.minute ? day.plus({ days: 1 }) : day;
  const end = DateTime.fromObject({ year: endDay.year, month: endDay.month, day: endDay.day, ...to }, { zone });
  return { start: start.toMillis(), end: end.toMillis() };
}

/** Whether a weekly recurrence (ignoring startsAt/endsAt) covers the instant. */
export function recurrenceCovers(r: WeeklyRecurrence, zone: string, at: Date): boolean {
  const t = at.getTime();
  const local = DateTime.fromMillis(t, { zone }).startOf('day');
  const days = new Set(r.days.map((d) => LUXON_WEEKDAY[d as Weekday]).filter((n) => n !== undefined));
  // An occurrence lasts at most a day, so only one starting today or yesterday (local) can cover `at`.
  for (const day of [local, local.minus({ days: 1 })]) {
    if (!days.has(day.weekday)) continue;
    const { start, end } = occurrence(day, r, zone);
    if (start <= t && t < end) return true;
  }
  return false;
}

/** Whether the window is in force at `at` (its interval, and its recurrence when it has one). */
export function windowActiveAt(w: MaintenanceScope, at: Date): boolean {
  const t = at.getTime();
  if (t < Date.parse(w.startsAt)) return false;
  if (w.endsAt !== null && t >= Date.parse(w.endsAt)) return false;
  if (!w.recurrence) return w.endsAt !== null;
  return recurrenceCovers(w.recurrence, w.timezone ?? 'UTC', at);
}

/** Whether the window covers a failure of `component` (null: the server itself) on a server at `at`. */
export function windowCovers(w: MaintenanceScope, serverId: string, customerId: string, component: string | null, at: Date): boolean {
  return scopeMatches(w, serverId, customerId, component) && windowActiveAt(w, at);
}

/** A window that can never cover anything again: a one-off past its end, or a recurrence past its end date. */
export function windowEnded(w: MaintenanceScope, at: Date): boolean {
  return w.endsAt !== null && Date.parse(w.endsAt) <= at.getTime();
}

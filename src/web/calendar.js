// Business calendars as people read them: "business hours Mon–Fri 09:00–17:30 Europe/London — paused
// now, resumes Mon 09:00", and due instants in the calendar's own zone. Calendars come from
// GET /api/v1/sla/policy; wall-clock times are read in the calendar's zone through Intl, so the page
// agrees with the daemon whatever zone the browser is in. No DOM; `now` is passed in.

import { shortDateTime } from './format.js';

const DAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_LABEL = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const formatters = new Map();
function partsFormatter(timeZone) {
  if (!formatters.has(timeZone)) {
    formatters.set(timeZone, new Intl.DateTimeFormat('en-GB', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }));
  }
  return formatters.get(timeZone);
}

/** Wall clock in `timeZone` at instant `ms`: `{ date: 'YYYY-MM-DD', day: 'mon', minutes }`. */
export function wallClock(ms, timeZone) {
  const parts = {};
  for (const p of partsFormatter(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  return { date, day: dayOf(date), minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

function dayOf(date) {
  return DAY_KEYS[new Date(`${date}T00:00:00Z`).getUTCDay()];
}

function addDays(date, n) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

const hhmm = (minutes) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

function parseRange(text) {
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(String(text));
  if (!m) return null;
  return [Number(m[1]) * 60 + Number(m[2]), Number(m[3]) * 60 + Number(m[4])];
}

function rangesOf(cal, day) {
  const list = (cal.hours && cal.hours[day]) || [];
  return [].concat(list).map(parseRange).filter(Boolean).sort((a, b) => a[0] - b[0]);
}

const isAlwaysOpen = (cal) => Boolean(cal.builtIn) || WEEK.every((d) => rangesOf(cal, d).some(([from, to]) => from === 0 && to === 1440));

/** "Mon–Fri 09:00–17:30, Sat 10:00–13:00": consecutive weekdays with the same hours are grouped. */
export function hoursText(cal) {
  const groups = [];
  for (const day of WEEK) {
    const text = rangesOf(cal, day).map(([a, b]) => `${hhmm(a)}–${hhmm(b)}`).join(', ');
    const last = groups[groups.length - 1];
    if (text && last && last.text === text && WEEK.indexOf(last.to) === WEEK.indexOf(day) - 1) last.to = day;
    else if (text) groups.push({ from: day, to: day, text });
  }
  if (groups.length === 0) return 'no working hours';
  return groups.map((g) => `${DAY_LABEL[g.from]}${g.from === g.to ? '' : `–${DAY_LABEL[g.to]}`} ${g.text}`).join(', ');
}

/**
 * Whether the calendar's clock runs at `now`, and if not when it starts again:
 * `{ working: true, until: '17:30' }` or `{ working: false, resumes: { date, day, time } }`.
 */
export function calendarStatus(cal, now) {
  if (isAlwaysOpen(cal)) return { working: true, until: null };
  const holidays = new Set(cal.holidays || []);
  const here = wallClock(now, cal.timezone);
  if (!holidays.has(here.date)) {
    const open = rangesOf(cal, here.day).find(([from, to]) => here.minutes >= from && here.minutes < to);
    if (open) return { working: true, until: open[1] === 1440 ? 'midnight' : hhmm(open[1]) };
  }
  // A calendar whose holidays swallow a year of working days is a configuration mistake; stop looking.
  for (let n = 0; n < 370; n += 1) {
    const date = addDays(here.date, n);
    if (holidays.has(date)) continue;
    const day = dayOf(date);
    const next = rangesOf(cal, day).find(([from]) => n > 0 || from > here.minutes);
    if (next) return { working: false, resumes: { date, day, time: hhmm(next[0]), inDays: n } };
  }
  return { working: false, resumes: null };
}

function dateLabel(date) {
  const [, m, d] = date.split('-');
  return `${Number(d)} ${MONTHS[Number(m) - 1]}`;
}

function resumesText(r) {
  if (!r) return 'not within a year';
  if (r.inDays === 0) return `today ${r.time}`;
  if (r.inDays < 7) return `${DAY_LABEL[r.day]} ${r.time}`;
  return `${DAY_LABEL[r.day]} ${dateLabel(r.date)} ${r.time}`;
}

/**
 * One plain sentence about a calendar at `now`, e.g. "business hours Mon–Fri 09:00–17:30 Europe/London
 * (closed 25 Dec, 28 Dec) — paused now, resumes Mon 09:00". `name` is the calendar's configured name.
 */
export function describeCalendar(name, cal, now) {
  if (!cal) return `${name} calendar (not described by the daemon)`;
  if (isAlwaysOpen(cal)) return 'around the clock (24×7) — the clock always runs';
  const today = wallClock(now, cal.timezone).date;
  const upcoming = (cal.holidays || []).filter((d) => d >= today).slice(0, 3);
  const closed = upcoming.length ? ` (closed ${upcoming.map(dateLabel).join(', ')})` : '';
  const status = calendarStatus(cal, now);
  const state = status.working
    ? `running now, until ${status.until}`
    : `paused now, resumes ${resumesText(status.resumes)}`;
  return `${name} hours ${hoursText(cal)} ${cal.timezone}${closed} — ${state}`;
}

/** An instant written in the calendar's zone, as every time on the page is: "Mon 30 Nov 09:45 Europe/London". */
export function inZone(iso, timeZone) {
  const zone = timeZone || 'UTC';
  const at = shortDateTime(iso, zone);
  return at ? `${at} ${zone}` : '';
}

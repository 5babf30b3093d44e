// The dashboard's calendar sentences (src/web/calendar.js): hours grouped as people write them, whether
// the clock runs now and when it resumes, read in the calendar's zone whatever the machine's zone is.
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- the dashboard is plain JavaScript without type declarations
import * as C from '../../src/web/calendar.js';

const business = {
  timezone: 'Europe/London',
  hours: { mon: ['09:00-17:30'], tue: ['09:00-17:30'], wed: ['09:00-17:30'], thu: ['09:00-17:30'], fri: ['09:00-17:30'] },
  holidays: ['2026-12-25', '2026-12-28'],
  builtIn: false,
};
const ms = (iso: string) => Date.parse(iso);

describe('hoursText', () => {
  it('groups consecutive weekdays with the same hours', () => {
    expect(C.hoursText(business)).toBe('Mon–Fri 09:00–17:30');
    expect(C.hoursText({ ...business, hours: { ...business.hours, fri: ['09:00-12:00', '13:00-16:00'], sat: ['10:00-13:00'] } }))
      .toBe('Mon–Thu 09:00–17:30, Fri 09:00–12:00, 13:00–16:00, Sat 10:00–13:00');
    expect(C.hoursText({ ...business, hours: { mon: '08:00-16:00', wed: '08:00-16:00' } })).toBe('Mon 08:00–16:00, Wed 08:00–16:00');
  });
});

describe('describeCalendar', () => {
  it('says a Sunday is paused and names Monday morning, in the calendar\'s zone', () => {
    // Sunday 29 November 2026, 14:00 in London (GMT).
    expect(C.describeCalendar('business', business, ms('2026-11-29T14:00:00Z')))
      .toBe('business hours Mon–Fri 09:00–17:30 Europe/London (closed 25 Dec, 28 Dec) — paused now, resumes Mon 09:00');
  });

  it('says the clock runs during working hours, and until when', () => {
    expect(C.describeCalendar('business', business, ms('2026-11-25T10:00:00Z'))).toMatch(/— running now, until 17:30$/);
  });

  it('counts hours in summer time in the zone, not in UTC', () => {
    // 08:30 UTC on a Monday in July is 09:30 in London (BST): working.
    expect(C.calendarStatus(business, ms('2026-07-06T08:30:00Z'))).toEqual({ working: true, until: '17:30' });
    // 07:30 UTC is 08:30 in London: paused, resumes the same morning.
    expect(C.calendarStatus(business, ms('2026-07-06T07:30:00Z')).resumes).toMatchObject({ date: '2026-07-06', time: '09:00', inDays: 0 });
    expect(C.describeCalendar('business', business, ms('2026-07-06T07:30:00Z'))).toMatch(/paused now, resumes today 09:00$/);
  });

  it('skips holidays: after Christmas Eve the clock resumes on the Tuesday after the bank holidays', () => {
    // Thursday 24 December 2026, 18:00: Friday 25th and Monday 28th are holidays.
    const status = C.calendarStatus(business, ms('2026-12-24T18:00:00Z'));
    expect(status).toMatchObject({ working: false, resumes: { date: '2026-12-29', day: 'tue', time: '09:00' } });
    expect(C.describeCalendar('business', business, ms('2026-12-24T18:00:00Z'))).toMatch(/resumes Tue 09:00$/);
  });

  it('writes a resumption more than a week away with its date', () => {
    const sparse = { ...business, hours: { mon: ['09:00-10:00'] }, holidays: ['2026-11-30'] };
    expect(C.describeCalendar('sparse', sparse, ms('2026-11-29T12:00:00Z'))).toMatch(/resumes Mon 7 Dec 09:00$/);
  });

  it('describes the built-in 24x7 calendar as always running', () => {
    expect(C.describeCalendar('24x7', { timezone: 'UTC', hours: {}, holidays: [], builtIn: true }, ms('2026-11-29T03:00:00Z')))
      .toBe('around the clock (24×7) — the clock always runs');
  });

  it('reads a zone east of UTC on its own date', () => {
    const tokyo = { timezone: 'Asia/Tokyo', hours: { mon: ['09:00-18:00'] }, holidays: [], builtIn: false };
    // Sunday 23:30 UTC is Monday 08:30 in Tokyo: resumes today at 09:00.
    expect(C.calendarStatus(tokyo, ms('2026-11-29T23:30:00Z')).resumes).toMatchObject({ date: '2026-11-30', inDays: 0 });
  });
});

describe('inZone', () => {
  it('writes an instant in the calendar\'s zone with the zone\'s name', () => {
    expect(C.inZone('2026-11-30T09:45:00Z', 'Europe/London')).toBe('Mon 30 Nov 09:45 Europe/London');
    expect(C.inZone('2026-07-06T08:45:00Z', 'Europe/London')).toBe('Mon 6 Jul 09:45 Europe/London');
    expect(C.inZone('not a date', 'Europe/London')).toBe('');
  });
});

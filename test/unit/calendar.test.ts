import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { addTarget, buildCalendar, buildCalendars, CALENDAR_24X7, CalendarError, type BusinessCalendar } from '../../src/domain/calendar.js';

const weekdays = (hours: string | string[]) => ({ mon: hours, tue: hours, wed: hours, thu: hours, fri: hours });
const everyDay = (hours: string) => ({ ...weekdays(hours), sat: hours, sun: hours });

const london = buildCalendar('business', { timezone: 'Europe/London', hours: weekdays('09:00-17:30'), holidays: ['2026-12-25', '2026-12-28'] });
const newYork = buildCalendar('ny', { timezone: 'America/New_York', hours: weekdays('09:00-17:00'), holidays: [] });
const london24 = buildCalendar('london-24', { timezone: 'Europe/London', hours: everyDay('00:00-24:00'), holidays: [] });
const newYork24 = buildCalendar('ny-24', { timezone: 'America/New_York', hours: everyDay('00:00-24:00'), holidays: [] });
const sydney = buildCalendar('sydney', { timezone: 'Australia/Sydney', hours: weekdays('09:00-17:00'), holidays: [] });
const lunch = buildCalendar('lunch', { timezone: 'Europe/London', hours: weekdays(['09:00-12:00', '13:00-17:00']), holidays: [] });
const shortFriday = buildCalendar('short-friday', {
  timezone: 'Europe/London',
  hours: { mon: '09:00-17:00', tue: '09:00-17:00', wed: '09:00-17:00', thu: '09:00-17:00', fri: '09:00-13:00' },
  holidays: [],
});

const H = 3_600_000;
const M = 60_000;
const at = (iso: string) => new Date(iso);

describe('addWorkingMs', () => {
  it.each([
    // [calendar, start, working ms, expected] — expectations written in UTC, comments in local time
    ['London, Friday 17:00 GMT + 2h crosses the spring-forward weekend to Monday 10:30 BST', london, '2026-03-27T17:00:00Z', 2 * H, '2026-03-30T09:30:00Z'],
    ['London, Friday 17:00 BST + 2h crosses the fall-back weekend to Monday 10:30 GMT', london, '2026-10-23T16:00:00Z', 2 * H, '2026-10-26T10:30:00Z'],
    ['New York, Friday 16:00 EST + 2h crosses the spring-forward weekend to Monday 10:00 EDT', newYork, '2026-03-06T21:00:00Z', 2 * H, '2026-03-09T14:00:00Z'],
    ['New York, Friday 16:00 EDT + 2h crosses the fall-back weekend to Monday 10:00 EST', newYork, '2026-10-30T20:00:00Z', 2 * H, '2026-11-02T15:00:00Z'],
    ['London all-day calendar: 24 working hours from Saturday noon GMT end at Sunday 13:00 BST', london24, '2026-03-28T12:00:00Z', 24 * H, '2026-03-29T12:00:00Z'],
    ['London all-day calendar: 24 working hours from Saturday noon BST end at Sunday 11:00 GMT', london24, '2026-10-24T11:00:00Z', 24 * H, '2026-10-25T11:00:00Z'],
    ['New York all-day calendar: 24 working hours are 24 elapsed hours across spring-forward', newYork24, '2026-03-07T17:00:00Z', 24 * H, '2026-03-08T17:00:00Z'],
    ['a budget that runs out exactly at closing time ends at closing time, not the next morning', london, '2026-06-01T15:30:00Z', H, '2026-06-01T16:30:00Z'],
    ['a start before hours counts from opening time', london, '2026-06-01T06:00:00Z', H, '2026-06-01T09:00:00Z'],
    ['a start after hours counts from the next morning', london, '2026-06-01T17:00:00Z', H, '2026-06-02T09:00:00Z'],
    ['a start on Saturday counts from Monday morning', london, '2026-06-06T11:00:00Z', 30 * M, '2026-06-08T08:30:00Z'],
    ['Christmas Day, the weekend and the substitute holiday are skipped', london, '2026-12-24T16:00:00Z', 4 * H, '2026-12-29T11:30:00Z'],
    ['Sydney, Friday 16:00 AEST + 2h crosses the southern spring-forward weekend to Monday 10:00 AEDT', sydney, '2026-10-02T06:00:00Z', 2 * H, '2026-10-04T23:00:00Z'],
    ['Sydney, Friday 16:00 AEDT + 2h crosses the southern fall-back weekend to Monday 10:00 AEST', sydney, '2026-04-03T05:00:00Z', 2 * H, '2026-04-06T00:00:00Z'],
    ['a start on a holiday counts from the next working morning', london, '2026-12-28T10:00:00Z', H, '2026-12-29T10:00:00Z'],
    ['a lunch break is not working time', lunch, '2026-06-01T10:30:00Z', H, '2026-06-01T12:30:00Z'],
    ['zero working time is the start itself, even out of hours', london, '2026-06-06T11:00:00Z', 0, '2026-06-06T11:00:00Z'],
    ['the 24x7 calendar adds elapsed time', CALENDAR_24X7, '2026-03-28T12:00:00Z', 24 * H, '2026-03-29T12:00:00Z'],
  ] as const)('%s', (_name, cal, start, ms, expected) => {
    expect(cal.addWorkingMs(at(start), ms).toISOString()).toBe(at(expected).toISOString());
  });

  it('refuses a negative budget', () => {
    expect(() => london.addWorkingMs(at('2026-06-01T10:00:00Z'), -1)).toThrow(RangeError);
  });
});

describe('addWorkingDays', () => {
  it.each([
    ['from inside hours, one working day is the same time on the next working day', london, '2026-06-01T09:00:00Z', 1, '2026-06-02T09:00:00Z'],
    ['from inside hours on Friday, one working day is the same time on Monday', london, '2026-06-05T13:00:00Z', 1, '2026-06-08T13:00:00Z'],
    ['ten working days from Monday 10:00 are two weeks later at 10:00', london, '2026-06-01T09:00:00Z', 10, '2026-06-15T09:00:00Z'],
    ['the wall-clock position survives the spring-forward weekend', london, '2026-03-27T10:00:00Z', 1, '2026-03-30T09:00:00Z'],
    ['the wall-clock position survives the fall-back weekend', london, '2026-10-23T09:00:00Z', 1, '2026-10-26T10:00:00Z'],
    ['the wall-clock position survives New York spring-forward', newYork, '2026-03-06T15:00:00Z', 1, '2026-03-09T14:00:00Z'],
    ['the wall-clock position survives New York fall-back', newYork, '2026-10-30T14:00:00Z', 1, '2026-11-02T15:00:00Z'],
    ['London all-day calendar: one day from Saturday noon is Sunday noon, 23 hours later', london24, '2026-03-28T12:00:00Z', 1, '2026-03-29T11:00:00Z'],
    ['London all-day calendar: one day from Saturday noon is Sunday noon, 25 hours later', london24, '2026-10-24T11:00:00Z', 1, '2026-10-25T12:00:00Z'],
    ['New York all-day calendar: one day across spring-forward is 23 hours', newYork24, '2026-03-07T17:00:00Z', 1, '2026-03-08T16:00:00Z'],
    ['New York all-day calendar: one day across fall-back is 25 hours', newYork24, '2026-10-31T16:00:00Z', 1, '2026-11-01T17:00:00Z'],
    ['a wall-clock time that does not exist on the target day moves forward with the clocks', london24, '2026-03-28T01:30:00Z', 1, '2026-03-29T01:30:00Z'],
    ['from the opening minute, one working day ends at closing time the same day', london, '2026-06-01T08:00:00Z', 1, '2026-06-01T16:30:00Z'],
    ['from before hours, one working day ends at closing time the same day', london, '2026-06-01T05:00:00Z', 1, '2026-06-01T16:30:00Z'],
    ['from after hours, one working day ends at closing time the next working day', london, '2026-06-01T17:00:00Z', 1, '2026-06-02T16:30:00Z'],
    ['from Saturday, three working days end at Wednesday closing time', london, '2026-06-06T11:00:00Z', 3, '2026-06-10T16:30:00Z'],
    ['holidays do not count as working days', london, '2026-12-24T10:00:00Z', 1, '2026-12-29T10:00:00Z'],
    ['from a holiday, one working day ends at closing time of the next working day', london, '2026-12-25T11:00:00Z', 1, '2026-12-29T17:30:00Z'],
    ['the wall-clock position survives the southern spring-forward (Sydney)', sydney, '2026-10-02T00:00:00Z', 1, '2026-10-04T23:00:00Z'],
    ['from a lunch break, one working day ends at the next lunch break', lunch, '2026-06-01T11:30:00Z', 1, '2026-06-02T11:00:00Z'],
    ['a shorter next day caps the position at its closing time', shortFriday, '2026-06-04T14:00:00Z', 1, '2026-06-05T12:00:00Z'],
    ['half a working day is half of that day’s hours', london, '2026-06-01T09:00:00Z', 1.5, '2026-06-02T13:15:00Z'],
    ['the 24x7 calendar counts a day as 24 hours', CALENDAR_24X7, '2026-03-28T12:00:00Z', 1, '2026-03-29T12:00:00Z'],
  ] as const)('%s', (_name, cal, start, days, expected) => {
    expect(cal.addWorkingDays(at(start), days).toISOString()).toBe(at(expected).toISOString());
  });

  it('walks a year of working days day by day, not minute by minute: a few time-zone conversions per day', () => {
    // Counted rather than timed: every step of a walk converts through luxon, so the number of
    // conversions is the work done, the same on a busy machine as on an idle one.
    const fresh = buildCalendar('business', { timezone: 'Europe/London', hours: weekdays('09:00-17:30'), holidays: ['2026-12-25', '2026-12-28'] });
    const conversions = [vi.spyOn(DateTime, 'fromMillis'), vi.spyOn(DateTime, 'fromObject')];
    const count = () => conversions.reduce((n, spy) => n + spy.mock.calls.length, 0);
    try {
      // 350 calendar days: a minute-by-minute walk would make about half a million conversions.
      expect(fresh.addWorkingDays(at('2026-01-05T10:00:00Z'), 250).toISOString()).toBe('2026-12-21T10:00:00.000Z');
      expect(count()).toBeGreaterThan(0);
      expect(count()).toBeLessThan(4 * 350);
      // The days' hours are remembered: a walk of ten working days over days already seen costs a
      // handful of conversions (about 8 today), where stepping minute by minute would cost thousands.
      const before = count();
      for (let i = 0; i < 500; i++) fresh.addWorkingDays(new Date(Date.UTC(2026, 0, 1) + i * 7 * 3_600_000), 10);
      expect(count() - before).toBeLessThan(500 * 30);
    } finally {
      for (const spy of conversions) spy.mockRestore();
    }
  });
});

describe('isWorkingTime', () => {
  it.each([
    ['Monday 09:30 BST just after spring-forward is working time', london, '2026-03-30T08:30:00Z', true],
    ['Monday 08:30 BST is before opening even though it is 07:30 UTC', london, '2026-03-30T07:30:00Z', false],
    ['Monday 17:15 GMT just after fall-back is working time', london, '2026-10-26T17:15:00Z', true],
    ['closing time itself is not working time', london, '2026-06-01T16:30:00Z', false],
    ['opening time itself is working time', london, '2026-06-01T08:00:00Z', true],
    ['a holiday is not working time', london, '2026-12-25T11:00:00Z', false],
    ['a substitute holiday on a Monday is not working time', london, '2026-12-28T10:00:00Z', false],
    ['the working day after the holidays is working time again', london, '2026-12-29T09:00:00Z', true],
    ['Sunday is not working time', london, '2026-06-07T11:00:00Z', false],
    ['the lunch break is not working time', lunch, '2026-06-01T11:30:00Z', false],
  ] as const)('%s', (_name, cal, instant, expected) => {
    expect(cal.isWorkingTime(at(instant))).toBe(expected);
  });
});

describe('workingMsBetween', () => {
  it.each([
    ['a weekend across spring-forward holds no working time', london, '2026-03-27T17:30:00Z', '2026-03-30T08:00:00Z', 0],
    ['the London all-day calendar counts 47 hours over the spring-forward weekend', london24, '2026-03-28T00:00:00Z', '2026-03-29T23:00:00Z', 47 * H],
    ['the London all-day calendar counts 49 hours over the fall-back weekend', london24, '2026-10-23T23:00:00Z', '2026-10-26T00:00:00Z', 49 * H],
    ['a working week is five working days', london, '2026-06-01T00:00:00Z', '2026-06-08T00:00:00Z', 5 * 8.5 * H],
    ['Christmas week holds three working days: Christmas Eve, the 29th and the 30th', london, '2026-12-24T00:00:00Z', '2026-12-31T00:00:00Z', 3 * 8.5 * H],
    ['two working weeks across the British fall-back are ten working days', london, '2026-10-19T00:00:00Z', '2026-10-31T00:00:00Z', 10 * 8.5 * H],
    ['a reversed span is negative', london, '2026-06-01T10:00:00Z', '2026-06-01T09:00:00Z', -H],
  ] as const)('%s', (_name, cal, from, to, expected) => {
    expect(cal.workingMsBetween(at(from), at(to))).toBe(expected);
  });

  const calendars: BusinessCalendar[] = [london, newYork, sydney, london24, newYork24, lunch, shortFriday, CALENDAR_24X7];
  const starts = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }).map((t) => new Date(t));

  it('is the inverse of addWorkingMs for any start and budget', () => {
    fc.assert(
      fc.property(fc.constantFrom(...calendars), starts, fc.integer({ min: 0, max: 30 * 24 * H }), (cal, start, ms) => {
        expect(cal.workingMsBetween(start, cal.addWorkingMs(start, ms))).toBe(ms);
      }),
      { numRuns: 400 },
    );
  });

  it('measures N working days as N times the day length when every working day is equally long, holidays included', () => {
    fc.assert(
      fc.property(starts, fc.integer({ min: 1, max: 15 }), (start, days) => {
        expect(london.workingMsBetween(start, london.addWorkingDays(start, days))).toBe(days * 8.5 * H);
      }),
      { numRuns: 300 },
    );
  });
});

describe('addTarget', () => {
  it('reads {ms} as working time and {days} as working days', () => {
    const start = at('2026-06-05T15:00:00Z'); // Friday 16:00 BST
    expect(addTarget(london, start, { ms: 2 * H }).toISOString()).toBe('2026-06-08T08:30:00.000Z');
    expect(addTarget(london, start, { days: 1 }).toISOString()).toBe('2026-06-08T15:00:00.000Z');
  });
});

describe('building calendars', () => {
  it('always includes the built-in 24x7 calendar', () => {
    const all = buildCalendars({ business: { timezone: 'Europe/London', hours: weekdays('09:00-17:30'), holidays: [] } });
    expect([...all.keys()].sort()).toEqual(['24x7', 'business']);
    expect(all.get('24x7')).toBe(CALENDAR_24X7);
  });

  it('refuses a calendar with no working hours at all', () => {
    expect(() => buildCalendar('empty', { timezone: 'Europe/London', hours: {}, holidays: [] })).toThrow(/no working hours/);
  });

  it('refuses an unknown time zone', () => {
    expect(() => buildCalendar('mars', { timezone: 'Mars/Olympus', hours: weekdays('09:00-17:00'), holidays: [] })).toThrow(CalendarError);
  });

  it('refuses a range that ends before it starts', () => {
    expect(() => buildCalendar('night', { timezone: 'Europe/London', hours: weekdays('22:00-06:00'), holidays: [] })).toThrow(/overnight/);
  });

  it('refuses to redefine 24x7', () => {
    expect(() => buildCalendars({ '24x7': { timezone: 'UTC', hours: weekdays('09:00-17:00'), holidays: [] } })).toThrow(/built in/);
  });

  it('merges overlapping ranges on one day', () => {
    const cal = buildCalendar('overlap', { timezone: 'UTC', hours: { mon: ['09:00-12:00', '11:00-13:00'] }, holidays: [] });
    expect(cal.workingMsBetween(at('2026-06-01T00:00:00Z'), at('2026-06-02T00:00:00Z'))).toBe(4 * H);
  });
});

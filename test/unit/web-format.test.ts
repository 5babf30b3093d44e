// The dashboard's times (src/web/format.js, src/web/calendar.js): one format everywhere, a 24-hour clock
// with the day, whatever the browser's locale — "Sun 29 Nov 20:42" on a card, the same with the zone
// after an SLA due instant — so no screen mixes "Nov 29, 08:42 PM" with "Mon 30 Nov 10:00".
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- the dashboard is plain JavaScript without type declarations
import * as F from '../../src/web/format.js';
// @ts-expect-error -- the dashboard is plain JavaScript without type declarations
import * as C from '../../src/web/calendar.js';

const EVENING = '2026-11-29T20:42:06Z';

describe('times on the page', () => {
  it('writes a card\'s instant as weekday, day, month and a 24-hour time', () => {
    expect(F.shortDateTime(EVENING, 'UTC')).toBe('Sun 29 Nov 20:42');
    expect(F.shortDateTime('2026-11-30T09:05:00Z', 'Europe/London')).toBe('Mon 30 Nov 09:05');
  });

  it('writes a full instant (a tooltip) the same way, with the year and seconds', () => {
    expect(F.dateTime(EVENING, 'UTC')).toBe('Sun 29 Nov 2026 20:42:06');
  });

  it('writes an SLA due instant in the same format, followed by the calendar\'s zone', () => {
    expect(C.inZone(EVENING, 'Europe/London')).toBe(`${F.shortDateTime(EVENING, 'Europe/London')} Europe/London`);
  });

  it('never uses a 12-hour clock, whatever the machine\'s locale', () => {
    for (const text of [F.shortDateTime(EVENING), F.dateTime(EVENING), F.when(EVENING, Date.parse(EVENING) + 3_600_000)]) {
      expect(text).not.toMatch(/AM|PM/i);
      expect(text).toMatch(/\d{2}:\d{2}/);
    }
  });

  it('says a date and an age where a time matters', () => {
    expect(F.when(EVENING, Date.parse(EVENING) + 2 * 3_600_000, 'UTC')).toBe('Sun 29 Nov 20:42 · 2h ago');
  });
});

// Maintenance windows: one-off intervals and weekly recurrences in a time zone, across midnight and across
// Europe/London's daylight-saving changes (29 March 2026: 01:00 GMT → 02:00 BST; 25 October 2026:
// 02:00 BST → 01:00 GMT).
import { describe, expect, it } from 'vitest';
import { recurrenceCovers, windowActiveAt, windowCovers, windowEnded, type MaintenanceScope } from '../../src/domain/maintenance-window.js';

const at = (iso: string) => new Date(iso);
const weekendNights: MaintenanceScope = {
  serverId: null, customerId: 'acme', component: null,
  startsAt: '2026-01-01T00:00:00Z', endsAt: null,
  recurrence: { days: ['sat', 'sun'], from: '22:00', to: '02:00' }, timezone: 'Europe/London',
};

describe('weekly recurrence across midnight and daylight saving (Europe/London, Sat+Sun 22:00–02:00)', () => {
  it.each([
    // An ordinary winter weekend: GMT = UTC.
    ['Friday 23:00, not a listed day', '2026-01-09T23:00:00Z', false],
    ['Saturday 21:59', '2026-01-10T21:59:00Z', false],
    ['Saturday 22:00, the start', '2026-01-10T22:00:00Z', true],
    ['Sunday 01:59, carried over from Saturday', '2026-01-11T01:59:00Z', true],
    ['Sunday 02:00, the end', '2026-01-11T02:00:00Z', false],
    ['Sunday 12:00', '2026-01-11T12:00:00Z', false],
    ['Monday 01:00, from the window that started Sunday 22:00', '2026-01-12T01:00:00Z', true],
    ['Monday 02:30', '2026-01-12T02:30:00Z', false],
    // Spring forward: Saturday night's window ends at 02:00 BST = 01:00Z, one hour short.
    ['Sunday 29 March 00:30 GMT', '2026-03-29T00:30:00Z', true],
    ['Sunday 29 March 00:59 GMT', '2026-03-29T00:59:00Z', true],
    ['Sunday 29 March 02:00 BST (01:00Z), the end', '2026-03-29T01:00:00Z', false],
    // Sunday night after the change runs in BST: 22:00 BST = 21:00Z until Monday 02:00 BST = 01:00Z.
    ['Sunday 29 March 21:30Z = 22:30 BST', '2026-03-29T21:30:00Z', true],
    ['Sunday 29 March 20:59Z = 21:59 BST', '2026-03-29T20:59:00Z', false],
    ['Monday 30 March 01:00 BST (00:00Z)', '2026-03-30T00:00:00Z', true],
    ['Monday 30 March 02:00 BST (01:00Z)', '2026-03-30T01:00:00Z', false],
    // Fall back: Saturday night starts at 22:00 BST = 21:00Z and ends at 02:00 GMT = 02:00Z, an hour long.
    ['Saturday 24 October 21:00Z = 22:00 BST', '2026-10-24T21:00:00Z', true],
    ['Saturday 24 October 20:59Z = 21:59 BST', '2026-10-24T20:59:00Z', false],
    ['Sunday 25 October 00:30Z = 01:30 BST', '2026-10-25T00:30:00Z', true],
    ['Sunday 25 October 01:30Z = 01:30 GMT, the repeated hour', '2026-10-25T01:30:00Z', true],
    ['Sunday 25 October 02:00Z = 02:00 GMT, the end', '2026-10-25T02:00:00Z', false],
    ['Sunday 25 October 22:00Z = 22:00 GMT', '2026-10-25T22:00:00Z', true],
    ['Sunday 25 October 21:30Z = 21:30 GMT', '2026-10-25T21:30:00Z', false],
  ])('%s → %s', (_what, iso, covered) => {
    expect(windowCovers(weekendNights, 'srv-0001', 'acme', 'backup', at(iso))).toBe(covered);
  });
});

describe('recurrence edge cases', () => {
  it('starts a window whose start falls in the skipped hour when the clocks reach it', () => {
    const r = { days: ['sun'], from: '01:30', to: '03:00' };
    // 01:30 local never happens on 29 March; the window runs 02:30–03:00 BST = 01:30Z–02:00Z.
    expect(recurrenceCovers(r, 'Europe/London', at('2026-03-29T01:29:00Z'))).toBe(false);
    expect(recurrenceCovers(r, 'Europe/London', at('2026-03-29T01:30:00Z'))).toBe(true);
    expect(recurrenceCovers(r, 'Europe/London', at('2026-03-29T01:59:00Z'))).toBe(true);
    expect(recurrenceCovers(r, 'Europe/London', at('2026-03-29T02:00:00Z'))).toBe(false);
  });

  it('treats from equal to to as a whole day from that time', () => {
    const r = { days: ['wed'], from: '06:00', to: '06:00' };
    expect(recurrenceCovers(r, 'UTC', at('2026-11-25T06:00:00Z'))).toBe(true); // Wednesday
    expect(recurrenceCovers(r, 'UTC', at('2026-11-26T05:59:00Z'))).toBe(true);
    expect(recurrenceCovers(r, 'UTC', at('2026-11-26T06:00:00Z'))).toBe(false);
  });

  it('reads the weekday in the window time zone, not in UTC', () => {
    // Monday 00:30 in Auckland (UTC+13 in November) is Sunday 11:30Z.
    const r = { days: ['mon'], from: '00:00', to: '01:00' };
    expect(recurrenceCovers(r, 'Pacific/Auckland', at('2026-11-22T11:30:00Z'))).toBe(true);
    expect(recurrenceCovers(r, 'UTC', at('2026-11-22T11:30:00Z'))).toBe(false);
  });
});

describe('window in force and scope', () => {
  const oneOff: MaintenanceScope = { serverId: 'srv-0001', customerId: null, component: 'backup', startsAt: '2026-11-25T10:00:00Z', endsAt: '2026-11-25T12:00:00Z' };

  it('covers a one-off window from its start up to, not including, its end', () => {
    expect(windowActiveAt(oneOff, at('2026-11-25T09:59:59Z'))).toBe(false);
    expect(windowActiveAt(oneOff, at('2026-11-25T10:00:00Z'))).toBe(true);
    expect(windowActiveAt(oneOff, at('2026-11-25T12:00:00Z'))).toBe(false);
  });

  it('covers only the server, customer and component it names; a server-level failure is covered by any window on the server', () => {
    const t = at('2026-11-25T11:00:00Z');
    expect(windowCovers(oneOff, 'srv-0001', 'acme', 'backup', t)).toBe(true);
    expect(windowCovers(oneOff, 'srv-0001', 'acme', 'raid', t)).toBe(false);
    expect(windowCovers(oneOff, 'srv-0002', 'acme', 'backup', t)).toBe(false);
    expect(windowCovers(oneOff, 'srv-0001', 'acme', null, t)).toBe(true);
    expect(windowCovers(weekendNights, 'srv-0009', 'globex', null, at('2026-01-10T23:00:00Z'))).toBe(false);
  });

  it('holds a recurrence to its start and optional end date', () => {
    const bounded = { ...weekendNights, startsAt: '2026-01-10T23:00:00Z', endsAt: '2026-01-17T00:00:00Z' };
    expect(windowCovers(bounded, 's', 'acme', null, at('2026-01-10T22:30:00Z'))).toBe(false);
    expect(windowCovers(bounded, 's', 'acme', null, at('2026-01-10T23:30:00Z'))).toBe(true);
    expect(windowCovers(bounded, 's', 'acme', null, at('2026-01-17T23:00:00Z'))).toBe(false);
    expect(windowEnded(bounded, at('2026-01-17T00:00:00Z'))).toBe(true);
    expect(windowEnded(weekendNights, at('2030-01-01T00:00:00Z'))).toBe(false);
  });
});

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { EVENT_TYPES, type LoggedEvent } from '../../src/domain/types.js';
import { parseClientMessage } from '../../src/live/client-messages.js';
import { compileFilter, parseFilter, type LiveFilter } from '../../src/live/subscription-filter.js';

const event = (over: Partial<LoggedEvent> = {}): LoggedEvent => ({ seq: 1, at: '2026-11-25T10:00:00Z', type: 'incident.created', data: {}, ...over });
const filter = (over: Partial<LiveFilter>): LiveFilter => ({ levels: [], customerIds: [], serverIds: [], types: [], ...over });

describe('parseFilter', () => {
  test('a missing or null filter means every event', () => {
    expect(parseFilter(undefined)).toEqual({ ok: true, value: filter({}) });
    expect(parseFilter(null)).toEqual({ ok: true, value: filter({}) });
  });

  test('lists are de-duplicated and missing lists become empty', () => {
    expect(parseFilter({ levels: [3, 2, 3], customerIds: ['acme', 'acme'] })).toEqual({ ok: true, value: filter({ levels: [2, 3], customerIds: ['acme'] }) });
  });

  test.each([
    [{ levels: [5] }, 'levels'],
    [{ levels: ['2'] }, 'levels'],
    [{ types: ['incident.exploded'] }, 'types'],
    [{ serverIds: 'srv-1' }, 'serverIds'],
    [{ level: [2] }, 'level'],
    ['everything', 'invalid filter'],
  ])('rejects %j naming the bad field', (raw, field) => {
    const result = parseFilter(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(field);
  });
});

describe('compileFilter', () => {
  test('level, customer and server filters apply to events that carry those facts', () => {
    const matches = compileFilter(filter({ levels: [2], customerIds: ['acme'], serverIds: ['srv-1'] }));
    expect(matches(event({ scope: { level: 2, customerId: 'acme', serverId: 'srv-1' } }))).toBe(true);
    expect(matches(event({ scope: { level: 3, customerId: 'acme', serverId: 'srv-1' } }))).toBe(false);
    expect(matches(event({ scope: { level: 2, customerId: 'globex', serverId: 'srv-1' } }))).toBe(false);
    expect(matches(event({ scope: { level: 2, customerId: 'acme', serverId: 'srv-2' } }))).toBe(false);
  });

  test('events without a level, customer or server pass filters on those fields', () => {
    const matches = compileFilter(filter({ levels: [2], customerIds: ['acme'] }));
    expect(matches(event({ type: 'console.down' }))).toBe(true);
    expect(matches(event({ type: 'component.changed', scope: { serverId: 'srv-9', customerId: 'acme' } }))).toBe(true);
  });

  test('a types filter applies to every event, scoped or not', () => {
    const matches = compileFilter(filter({ types: ['sla.breached'] }));
    expect(matches(event({ type: 'console.down' }))).toBe(false);
    expect(matches(event({ type: 'sla.breached', scope: { level: 3 } }))).toBe(true);
  });

  test('agrees with the documented rule for any filter and event', () => {
    const ids = fc.constantFrom('a', 'b', 'c');
    const level = fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const);
    fc.assert(fc.property(
      fc.record({ levels: fc.uniqueArray(level), customerIds: fc.uniqueArray(ids), serverIds: fc.uniqueArray(ids), types: fc.uniqueArray(fc.constantFrom(...EVENT_TYPES)) }),
      fc.constantFrom(...EVENT_TYPES),
      fc.option(fc.record({ level, customerId: ids, serverId: ids }, { requiredKeys: [] }), { nil: undefined }),
      (f, type, scope) => {
        const allows = <T>(list: T[], value: T | undefined) => list.length === 0 || value === undefined || list.includes(value);
        const expected = (f.types.length === 0 || f.types.includes(type)) && allows<number>(f.levels, scope?.level)
          && allows(f.customerIds, scope?.customerId) && allows(f.serverIds, scope?.serverId);
        expect(compileFilter(f)(event({ type, scope }))).toBe(expected);
      },
    ));
  });
});

describe('parseClientMessage', () => {
  const text = (s: string) => parseClientMessage(Buffer.from(s), false);

  test('accepts subscribe and resume', () => {
    expect(text('{"type":"subscribe","filter":{"levels":[2]}}')).toEqual({ ok: true, value: { type: 'subscribe', filter: filter({ levels: [2] }) } });
    expect(text('{"type":"resume","fromSeq":0}')).toEqual({ ok: true, value: { type: 'resume', fromSeq: 0 } });
  });

  test.each(['', '{', '"resume"', '[]', 'null', '{"type":"resume"}', '{"type":"resume","fromSeq":1.5}', '{"type":"nope"}', '{}'])(
    'answers %j with an error instead of throwing', (raw) => {
      const result = text(raw);
      expect(result.ok).toBe(false);
    });

  test('binary frames are refused', () => {
    expect(parseClientMessage(Buffer.from('{"type":"resume","fromSeq":1}'), true).ok).toBe(false);
  });
});

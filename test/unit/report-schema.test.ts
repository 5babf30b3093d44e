import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import fc from 'fast-check';
import { LIMITS, parseReportBody, parseStatusReport, quickReport } from '../../src/domain/report-schema.js';

const good = { serverId: 'srv-1', observedAt: '2026-11-25T11:00:00+01:00', reachable: true, components: [{ name: 'backup', kind: 'software', status: 'failed', since: '2026-11-25T09:58:00Z' }] };

function fields(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).problems.map((p) => p.field);
  }
  throw new Error('expected a ValidationError');
}

describe('status report validation', () => {
  it('accepts one report or a batch and normalises instants to UTC', () => {
    const [r] = parseReportBody(good);
    expect(r.observedAt).toBe('2026-11-25T10:00:00.000Z');
    expect(r.components[0].since).toBe('2026-11-25T09:58:00.000Z');
    expect(parseReportBody({ reports: [good, good] })).toHaveLength(2);
  });

  it('drops unknown keys rather than storing whatever a sender adds', () => {
    const [r] = parseReportBody({ ...good, extra: 'x'.repeat(10) });
    expect(r).not.toHaveProperty('extra');
  });

  it('names every bad field with its full path', () => {
    const bad = { reports: [good, { ...good, reachable: 1, components: [{ name: 'a', kind: 'software', status: 'ok' }, { name: 'b', kind: 'x', status: 'y' }] }] };
    expect(fields(() => parseReportBody(bad)).sort()).toEqual(['reports.1.components.1.kind', 'reports.1.components.1.status', 'reports.1.reachable']);
    expect(fields(() => parseReportBody({ ...good, observedAt: '2026-11-25 10:00' }))).toEqual(['observedAt']);
    expect(fields(() => parseReportBody([good]))).toEqual(['body']);
    expect(fields(() => parseReportBody({ reports: [] }))).toEqual(['reports']);
  });

  it('refuses a report that names a component twice: which of the two would be the truth?', () => {
    const twice = { ...good, components: [{ name: 'antivirus', kind: 'software', status: 'failed' }, { name: 'raid', kind: 'hardware', status: 'ok' }, { name: 'antivirus', kind: 'software', status: 'ok' }] };
    expect(fields(() => parseReportBody(twice))).toEqual(['components.2.name']);
    expect(fields(() => parseReportBody({ reports: [good, twice] }))).toEqual(['reports.1.components.2.name']);
    expect(fields(() => parseStatusReport(twice))).toEqual(['components.2.name']);
    expect(quickReport(twice)).toBeUndefined();
    // The same name on two servers, or twice in one batch for one server, is fine.
    expect(parseReportBody({ reports: [good, { ...good, serverId: 'srv-2' }, good] })).toHaveLength(3);
  });

  it('bounds ids, components per report and reports per body', () => {
    expect(fields(() => parseStatusReport({ ...good, serverId: 'x'.repeat(LIMITS.idLength + 1) }))).toEqual(['serverId']);
    const many = Array.from({ length: LIMITS.componentsPerReport + 1 }, (_, i) => ({ name: `c${i}`, kind: 'software', status: 'ok' }));
    expect(fields(() => parseStatusReport({ ...good, components: many }))).toEqual(['components']);
    expect(fields(() => parseReportBody({ reports: Array.from({ length: LIMITS.reportsPerBody + 1 }, () => good) }))).toEqual(['reports']);
  });
});

describe('the quick path of report validation', () => {
  // statusReportSchema is the definition; quickReport only saves its cost on well-formed reports.
  const schemaResult = (v: unknown) => {
    try {
      return { ok: true as const, value: parseStatusReport(v) };
    } catch {
      return { ok: false as const };
    }
  };
  const mostly = <T, U>(good: fc.Arbitrary<T>, odd: fc.Arbitrary<U>) => fc.oneof({ arbitrary: good, weight: 6 }, { arbitrary: odd, weight: 1 });
  const instants = fc.oneof(
    { arbitrary: fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()), weight: 8 },
    fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
    fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().replace('.000', '')),
    fc.constantFrom('2026-02-30T10:00:00Z', '2026-11-25T24:00:00Z', '2026-11-25T10:00:60Z', '2026-11-25T10:00:00+01:00', '2026-11-25T10:00:00.1234Z',
      '2026-11-25T10:00:00.1Z', '2026-11-25 10:00:00Z', '2026-11-25T10:00:00z', '0000-01-01T00:00:00Z', '2026-13-01T00:00:00Z', '',
      '2024-02-29T23:59:59.99Z', '2000-02-29T00:00:00Z', '2100-02-29T00:00:00Z', '2026-02-29T00:00:00Z', '2026-04-31T00:00:00Z',
      '2026-04-30T00:00:00Z', '2026-00-10T00:00:00Z', '2026-12-00T00:00:00Z', '2026-12-31T23:59:59.999Z', '9999-12-31T23:59:60Z'),
    fc.string(),
  );
  const ids = mostly(fc.constantFrom('srv-0001', 'backup', 'x'.repeat(200)), fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom('', 'x'.repeat(201), '__proto__', 'constructor')));
  const component = fc.record({
    name: ids,
    kind: mostly(fc.constantFrom('software', 'hardware'), fc.constantFrom('firmware', 1)),
    status: mostly(fc.constantFrom('ok', 'degraded', 'failed', 'unknown'), fc.constantFrom('OK', null)),
    message: fc.option(mostly(fc.string(), fc.oneof(fc.constant('m'.repeat(4001)), fc.integer())), { nil: undefined }),
    since: fc.option(instants, { nil: undefined }),
    extra: fc.option(fc.string(), { nil: undefined }),
  }, { requiredKeys: ['name', 'kind', 'status'] });
  const report = fc.record({
    serverId: ids,
    observedAt: instants,
    reachable: mostly(fc.boolean(), fc.constant('true')),
    components: mostly(fc.array(component, { maxLength: 4 }), fc.constant({})),
    name: fc.option(mostly(fc.string(), fc.constant('n'.repeat(201))), { nil: undefined }),
    customerId: fc.option(ids, { nil: undefined }),
    other: fc.option(fc.anything(), { nil: undefined }),
  }, { requiredKeys: ['serverId', 'observedAt', 'reachable', 'components'] });

  it('accepts only what the schema accepts, and returns exactly what the schema returns', () => {
    let quick = 0;
    fc.assert(fc.property(report, (r) => {
      const body = JSON.parse(JSON.stringify(r)) as unknown;
      const fast = quickReport(body);
      const schema = schemaResult(body);
      if (fast === undefined) return;
      quick++;
      expect(schema.ok).toBe(true);
      expect(fast).toStrictEqual(schema.ok ? schema.value : null);
    }), { numRuns: 3000 });
    // The property is not vacuous: well-formed reports do take the quick path.
    expect(quick).toBeGreaterThan(100);
  });

  it('normalises instants as the schema does, and leaves a date the calendar does not have to it', () => {
    const at = (observedAt: string) => quickReport({ serverId: 'srv-1', observedAt, reachable: true, components: [] })?.observedAt;
    for (const [sent, stored] of [
      ['2026-11-25T10:00:05Z', '2026-11-25T10:00:05.000Z'], ['2026-11-25T10:00:05.5Z', '2026-11-25T10:00:05.500Z'],
      ['2026-11-25T10:00:05.25Z', '2026-11-25T10:00:05.250Z'], ['2024-02-29T10:00:05.123Z', '2024-02-29T10:00:05.123Z'],
      ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ]) {
      expect(at(sent)).toBe(stored);
      expect(schemaResult({ serverId: 'srv-1', observedAt: sent, reachable: true, components: [] })).toMatchObject({ ok: true, value: { observedAt: stored } });
    }
    for (const sent of ['2100-02-29T00:00:00Z', '2026-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-11-25T24:00:00Z', '2026-11-25T10:60:00Z', '2026-11-25T10:00:60Z']) {
      expect(at(sent), sent).toBeUndefined();
    }
  });

  it('takes the quick path for what consoles send and leaves a bad field to the schema, which names it', () => {
    const plain = { serverId: 'srv-1', observedAt: '2026-11-25T10:00:00.000Z', reachable: true, components: [{ name: 'backup', kind: 'software', status: 'ok' }] };
    expect(quickReport(plain)).toStrictEqual(parseStatusReport(plain));
    expect(quickReport({ ...plain, observedAt: '2026-02-30T10:00:00Z' })).toBeUndefined();
    expect(fields(() => parseReportBody({ reports: [plain, { ...plain, components: [{ name: 'x', kind: 'software', status: 'broken' }] }] }))).toEqual(['reports.1.components.0.status']);
  });
});

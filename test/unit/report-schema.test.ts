import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { LIMITS, parseReportBody, parseStatusReport } from '../../src/domain/report-schema.js';

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

  it('bounds ids, components per report and reports per body', () => {
    expect(fields(() => parseStatusReport({ ...good, serverId: 'x'.repeat(LIMITS.idLength + 1) }))).toEqual(['serverId']);
    const many = Array.from({ length: LIMITS.componentsPerReport + 1 }, (_, i) => ({ name: `c${i}`, kind: 'software', status: 'ok' }));
    expect(fields(() => parseStatusReport({ ...good, components: many }))).toEqual(['components']);
    expect(fields(() => parseReportBody({ reports: Array.from({ length: LIMITS.reportsPerBody + 1 }, () => good) }))).toEqual(['reports']);
  });
});

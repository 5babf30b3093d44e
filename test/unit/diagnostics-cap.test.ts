import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { capDiagnostics } from '../../src/domain/diagnostics-cap.js';

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const excerptOf = (data: unknown) => (data as { excerpt?: string } | null)?.excerpt ?? '';

describe('diagnostics cap', () => {
  test('returns small diagnostics unchanged', () => {
    const data = { summary: 'ok', tail: ['a'] };
    expect(capDiagnostics(data, 1024)).toEqual({ data, truncated: false });
  });

  test('a truncated result is valid JSON under the limit that marks the cut and the original size', () => {
    const data = { log: 'line\n"quoted"\\ €'.repeat(2000) };
    const result = capDiagnostics(data, 1000);
    expect(result.truncated).toBe(true);
    const round = JSON.parse(JSON.stringify(result.data));
    expect(round).toMatchObject({ _truncated: true, _originalBytes: bytes(data) });
    expect(bytes(result.data)).toBeLessThanOrEqual(1000);
    expect(JSON.stringify(data).startsWith(round.excerpt)).toBe(true);
    // The search finds the longest excerpt that fits, not a timid one.
    expect(bytes(result.data)).toBeGreaterThan(900);
  });

  test('any JSON value fits under any limit of at least 256 bytes, and never splits a surrogate pair', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 256, max: 4096 }), (value, max) => {
        const result = capDiagnostics(value, max);
        expect(bytes(result.data)).toBeLessThanOrEqual(max);
        expect(LONE_SURROGATE.test(excerptOf(result.data))).toBe(false);
        if (!result.truncated) expect(result.data).toEqual(value);
      }),
      { numRuns: 200 },
    );
    // Every limit in a range, so the cut lands on both halves of a pair at least once.
    for (let max = 300; max < 340; max++) {
      const emoji = capDiagnostics({ s: '😀'.repeat(500) }, max);
      expect(emoji.truncated).toBe(true);
      expect(excerptOf(emoji.data).length).toBeGreaterThan(100);
      expect(LONE_SURROGATE.test(excerptOf(emoji.data))).toBe(false);
    }
  });

  test('a value JSON cannot represent becomes an empty truncated marker instead of throwing', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(capDiagnostics(cyclic, 1000)).toEqual({ data: { _truncated: true, _originalBytes: 0, excerpt: '' }, truncated: true });
    expect(capDiagnostics(undefined, 1000)).toEqual({ data: null, truncated: false });
  });
});

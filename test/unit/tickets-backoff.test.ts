import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { backoffCeiling, backoffDelay } from '../../src/tickets/backoff.js';

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('full-jitter backoff', () => {
  test('every delay lies in [0, min(cap, base * 2^attempt)]', () => {
    fc.assert(
      fc.property(fc.nat(2000), fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 1, max: 3_600_000 }), unit, (attempt, base, cap, r) => {
        const delay = backoffDelay({ attempt, baseMs: base, capMs: cap, random: () => r });
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(Math.min(cap, base * 2 ** attempt));
      }),
    );
  });

  test('the delay is never shorter than a Retry-After below the honoured maximum', () => {
    fc.assert(
      fc.property(fc.nat(50), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 600_000 }), fc.integer({ min: 1, max: 3_600_000 }), unit,
        (attempt, base, cap, retryAfter, r) => {
          const delay = backoffDelay({ attempt, baseMs: base, capMs: cap, retryAfterMs: retryAfter, random: () => r });
          expect(delay).toBeGreaterThanOrEqual(retryAfter);
          expect(delay).toBe(Math.max(retryAfter, Math.floor(r * backoffCeiling(attempt, base, cap))));
        }),
    );
  });

  test('a far-future Retry-After is clamped so an item is not parked for ever', () => {
    expect(backoffDelay({ attempt: 0, baseMs: 1000, capMs: 60_000, retryAfterMs: 400 * 86_400_000, random: () => 0 })).toBe(3_600_000);
    expect(backoffDelay({ attempt: 0, baseMs: 1000, capMs: 60_000, retryAfterMs: 10_000_000, retryAfterMaxMs: 5000, random: () => 0 })).toBe(5000);
  });

  test('the window doubles with each attempt until it reaches the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffCeiling(a, 1000, 30_000))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(backoffCeiling(10_000, 1000, 30_000)).toBe(30_000);
  });

  test('uses the random source for jitter rather than a fixed delay', () => {
    expect(backoffDelay({ attempt: 3, baseMs: 1000, capMs: 60_000, random: () => 0 })).toBe(0);
    expect(backoffDelay({ attempt: 3, baseMs: 1000, capMs: 60_000, random: () => 0.5 })).toBe(4000);
  });
});

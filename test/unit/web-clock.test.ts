// The page's idea of the daemon's clock (src/web/clock.js): counted from the hello snapshot's `at`.
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- the dashboard is plain JavaScript without type declarations
import * as C from '../../src/web/clock.js';

describe('createServerClock', () => {
  it('runs on the local clock until the daemon has said what time it is', () => {
    let local = 1_000_000;
    const clock = C.createServerClock(() => local);
    expect(clock.now()).toBe(1_000_000);
    local += 5000;
    expect(clock.now()).toBe(1_005_000);
  });

  it('follows the daemon\'s clock 16 minutes ahead, and keeps counting from it', () => {
    let local = Date.parse('2026-11-29T20:45:00Z');
    const clock = C.createServerClock(() => local);
    clock.observe('2026-11-29T21:01:00.000Z');
    expect(clock.now()).toBe(Date.parse('2026-11-29T21:01:00Z'));
    local += 30_000;
    expect(new Date(clock.now()).toISOString()).toBe('2026-11-29T21:01:30.000Z');
    // A later hello moves it again: the daemon's clock was set back.
    clock.observe('2026-11-29T20:40:00.000Z');
    expect(clock.offset()).toBe(-330_000);
    expect(new Date(clock.now()).toISOString()).toBe('2026-11-29T20:40:00.000Z');
  });

  it('ignores an `at` it cannot read', () => {
    const clock = C.createServerClock(() => 0);
    clock.observe(undefined);
    clock.observe('not a time');
    expect(clock.offset()).toBe(0);
  });
});

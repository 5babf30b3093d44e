import { describe, expect, test } from 'vitest';
import { CircuitBreaker, type BreakerState } from '../../src/tickets/circuit-breaker.js';
import { TicketError } from '../../src/tickets/ticket-error.js';

function setup(threshold = 3, cooldownMs = 10_000) {
  let t = 1_000_000;
  const changes: Array<[BreakerState, BreakerState]> = [];
  const breaker = new CircuitBreaker({ threshold, cooldownMs, now: () => t, onStateChange: (to, from) => changes.push([from, to]) });
  return { breaker, changes, advance: (ms: number) => (t += ms) };
}

const retryable = new TicketError('server-error', 'down', { retryable: true, status: 503 });
const fatal = new TicketError('client-error', 'bad', { retryable: false, status: 400 });

describe('circuit breaker', () => {
  test('stays closed below the threshold and opens at N consecutive retryable failures', () => {
    const { breaker, changes } = setup(3);
    breaker.recordFailure(true);
    breaker.recordFailure(true);
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordFailure(true);
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    expect(changes).toEqual([['closed', 'open']]);
  });

  test('a success in between resets the count of consecutive failures', () => {
    const { breaker } = setup(3);
    breaker.recordFailure(true);
    breaker.recordFailure(true);
    breaker.recordSuccess();
    breaker.recordFailure(true);
    breaker.recordFailure(true);
    expect(breaker.state).toBe('closed');
  });

  test('non-retryable failures prove the system is answering and never open the breaker', () => {
    const { breaker } = setup(2);
    for (let i = 0; i < 5; i++) breaker.recordFailure(false);
    expect(breaker.state).toBe('closed');
  });

  test('after the cooldown it lets exactly one trial through, and a successful trial closes it', () => {
    const { breaker, changes, advance } = setup(1, 10_000);
    breaker.recordFailure(true);
    advance(9_999);
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.retryInMs()).toBe(1);
    advance(1);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual([['closed', 'open'], ['open', 'half-open'], ['half-open', 'closed']]);
  });

  test('a failed trial opens it again for a full cooldown', () => {
    const { breaker, advance } = setup(1, 10_000);
    breaker.recordFailure(true);
    advance(10_000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordFailure(true);
    expect(breaker.state).toBe('open');
    advance(5_000);
    expect(breaker.tryAcquire()).toBe(false);
    advance(5_000);
    expect(breaker.tryAcquire()).toBe(true);
  });

  test('a trial that never reports back is presumed lost after another cooldown', () => {
    const { breaker, advance } = setup(1, 10_000);
    breaker.recordFailure(true);
    advance(10_000);
    expect(breaker.tryAcquire()).toBe(true);
    advance(9_000);
    expect(breaker.tryAcquire()).toBe(false);
    advance(1_000);
    expect(breaker.tryAcquire()).toBe(true);
  });

  test('run() fails fast with a retryable circuit-open error while open, without calling', async () => {
    const { breaker } = setup(2, 10_000);
    await expect(breaker.run(() => Promise.reject(retryable))).rejects.toBe(retryable);
    await expect(breaker.run(() => Promise.reject(retryable))).rejects.toBe(retryable);
    let called = false;
    const err = await breaker.run(async () => (called = true)).catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(err).toBeInstanceOf(TicketError);
    expect(err).toMatchObject({ reason: 'circuit-open', retryable: true, retryAfterMs: 10_000 });
  });

  test('run() records a 400 as a sign of life and counts unknown errors as retryable', async () => {
    const { breaker } = setup(2);
    await breaker.run(() => Promise.reject(new Error('boom'))).catch(() => undefined);
    await breaker.run(() => Promise.reject(fatal)).catch(() => undefined);
    expect(breaker.consecutiveFailures).toBe(0);
    await breaker.run(() => Promise.reject(new Error('boom'))).catch(() => undefined);
    await breaker.run(() => Promise.reject(new Error('boom'))).catch(() => undefined);
    expect(breaker.state).toBe('open');
  });
});

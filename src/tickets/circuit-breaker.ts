// Stops hammering a ticketing system that is down: after `threshold` consecutive retryable failures the
// breaker opens and calls fail fast; after `cooldownMs` one trial call is let through (half-open); its
// success closes the breaker, its failure opens it again for another cooldown.
import { TicketError } from './ticket-error.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerDeps {
  threshold: number;
  cooldownMs: number;
  now?: () => number;
  /** Called on every state change, for a gauge or a log line. */
  onStateChange?: (to: BreakerState, from: BreakerState) => void;
}

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialStartedAt: number | null = null;
  private readonly now: () => number;

  constructor(private readonly deps: CircuitBreakerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The state as of now: an open breaker whose cooldown has passed reads as half-open. */
  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.deps.cooldownMs) return 'half-open';
    return this.current;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Milliseconds until a call may be tried again (0 when one may be tried now). */
  retryInMs(): number {
    if (this.current === 'closed') return 0;
    if (this.current === 'open') return Math.max(0, this.openedAt + this.deps.cooldownMs - this.now());
    // Half-open with a trial in flight: the next chance is when that trial is presumed lost.
    if (this.trialStartedAt === null) return 0;
    return Math.max(0, this.trialStartedAt + this.deps.cooldownMs - this.now());
  }

  /**
   * Asks to make one call. True when closed; when half-open, true for exactly one trial at a time. A
   * trial that never reports back is presumed lost after another cooldown, so the breaker cannot wedge.
   */
  tryAcquire(): boolean {
    const t = this.now();
    if (this.current === 'closed') return true;
    if (this.current === 'open') {
      if (t - this.openedAt < this.deps.cooldownMs) return false;
      this.transition('half-open');
    }
    if (this.trialStartedAt !== null && t - this.trialStartedAt < this.deps.cooldownMs) return false;
    this.trialStartedAt = t;
    return true;
  }

  recordSuccess(): void {
    this.failures = 0;
    this.trialStartedAt = null;
    if (this.current !== 'closed') this.transition('closed');
  }

  /**
   * Records a failed call. Only retryable failures (timeouts, network, 5xx, 429) count: a 400 proves the
   * system is up and answering, so it counts as a sign of life rather than of an outage.
   */
  recordFailure(retryable: boolean): void {
    if (!retryable) {
      this.recordSuccess();
      return;
    }
    this.failures += 1;
    this.trialStartedAt = null;
    if (this.current === 'half-open' || (this.current === 'closed' && this.failures >= this.deps.threshold)) {
      this.openedAt = this.now();
      this.transition('open');
    }
  }

  /**
   * Runs `call` under the breaker. Throws a retryable `circuit-open` TicketError without calling when the
   * breaker refuses; otherwise records the outcome (a non-TicketError counts as retryable) and rethrows.
   */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (!this.tryAcquire()) {
      throw new TicketError('circuit-open', 'the ticketing circuit breaker is open', {
        retryable: true,
        retryAfterMs: this.retryInMs(),
      });
    }
    try {
      const result = await call();
      this.recordSuccess();
      return result;
    } catch (err) {
      this.recordFailure(err instanceof TicketError ? err.retryable : true);
      throw err;
    }
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.deps.onStateChange?.(to, from);
  }
}

// Retry delays for the outbox dispatcher: "full jitter" exponential backoff with a cap, so that many
// items failing together do not retry together, and never sooner than the server asked (Retry-After).

export interface BackoffOptions {
  /** 0 for the first retry. */
  attempt: number;
  baseMs: number;
  capMs: number;
  /** What the server asked for, if anything; the larger of this and the jittered delay wins. */
  retryAfterMs?: number;
  /** Upper bound for a Retry-After we honour, so a bogus far-future date cannot park an item forever. Default 1h. */
  retryAfterMaxMs?: number;
  /** Returns a number in [0, 1); injectable for tests. Default Math.random. */
  random?: () => number;
}

export const DEFAULT_RETRY_AFTER_MAX_MS = 3_600_000;

/** The ceiling of the jitter window for an attempt: min(cap, base * 2^attempt). */
export function backoffCeiling(attempt: number, baseMs: number, capMs: number): number {
  const exp = baseMs * 2 ** Math.max(0, Math.floor(attempt));
  return Math.max(0, Math.min(capMs, Number.isFinite(exp) ? exp : capMs));
}

/** delay = random(0, min(cap, base * 2^attempt)), raised to Retry-After when the server asked for longer. */
export function backoffDelay(options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  const r = Math.min(Math.max(random(), 0), 1);
  const jittered = Math.floor(r * backoffCeiling(options.attempt, options.baseMs, options.capMs));
  if (options.retryAfterMs === undefined || !(options.retryAfterMs > 0)) return jittered;
  const retryAfter = Math.min(options.retryAfterMs, options.retryAfterMaxMs ?? DEFAULT_RETRY_AFTER_MAX_MS);
  return Math.max(jittered, Math.ceil(retryAfter));
}

// What a PostgreSQL error means to the engine: run the unit again, the database is unavailable, or the
// caller's own problem (passed on as it is).

interface PgErrorFields {
  code?: unknown;
  constraint?: unknown;
  severity?: unknown;
}

const fields = (err: unknown): PgErrorFields => (typeof err === 'object' && err !== null ? (err as PgErrorFields) : {});

/** A server error carries a SQLSTATE and a severity; a lost socket or a refused connection does not. */
export function isServerError(err: unknown): boolean {
  const f = fields(err);
  return typeof f.code === 'string' && /^[0-9A-Z]{5}$/.test(f.code) && typeof f.severity === 'string';
}

/**
 * Worth running the whole unit again: a serialization failure, a deadlock (PostgreSQL aborted one of the
 * units), or two instances opening the same monitoring incident at once (the next attempt finds it).
 */
export function isRetryable(err: unknown): boolean {
  const f = fields(err);
  if (!isServerError(err)) return false;
  if (f.code === '40001' || f.code === '40P01') return true;
  return (f.code === '23P01' || f.code === '23505') && f.constraint === 'incidents_open_key';
}

// Connection exceptions (08…), the server shutting down or starting (57P01–57P03), too many connections,
// a full disk or out of memory (53…), a standby that cannot write (25006), and a statement cancelled by
// the engine's own timeouts (57014, 55P03) — none of it is the caller's fault; all of it may pass.
const UNAVAILABLE = /^(08|53|57P0[1-3])/;
const UNAVAILABLE_CODES = new Set(['25006', '57014', '55P03', '25P03']);

export function isUnavailable(err: unknown): boolean {
  if (!isServerError(err)) {
    if (!(err instanceof Error)) return false;
    const code = fields(err).code;
    // Socket errors (ECONNREFUSED, ECONNRESET, …) and pg's own: "Connection terminated", "timeout
    // exceeded when trying to connect", "Client has encountered a connection error and is not queryable".
    return (typeof code === 'string' && code.startsWith('E')) || /connect|terminated|not queryable|timeout/i.test(err.message);
  }
  const code = fields(err).code as string;
  return UNAVAILABLE.test(code) || UNAVAILABLE_CODES.has(code);
}

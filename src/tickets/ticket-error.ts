// Every outbound ticketing failure is classified: may a retry help, and why it failed (a bounded reason
// that can label a metric). The dispatcher decides retry vs dead letter from `retryable` alone.
import axios from 'axios';
import { AppError } from '../domain/errors.js';

/** Why a ticketing call failed: bounded, so it labels `escalatord_ticket_requests_total{outcome}`. */
export const TICKET_ERROR_REASONS = ['timeout', 'network', 'server-error', 'rate-limited', 'client-error', 'auth', 'circuit-open', 'bad-response'] as const;
export type TicketErrorReason = (typeof TICKET_ERROR_REASONS)[number];

export interface TicketErrorOptions {
  retryable: boolean;
  status?: number;
  /** How long the remote side asked us to wait (Retry-After), in ms from the moment of the failure. */
  retryAfterMs?: number;
  /** A short excerpt of the response body, for logs and dead letters. Never contains request headers. */
  detail?: string;
}

export class TicketError extends AppError {
  readonly retryable: boolean;
  readonly reason: TicketErrorReason;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly detail?: string;

  constructor(reason: TicketErrorReason, message: string, options: TicketErrorOptions) {
    super('ticket_failed', message, { reason, retryable: options.retryable, status: options.status });
    this.reason = reason;
    this.retryable = options.retryable;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.detail !== undefined) this.detail = options.detail;
  }
}

const DETAIL_MAX = 500;
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'ERR_NETWORK', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_SOCKET',
]);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED', 'ESOCKETTIMEDOUT']);

/**
 * `Retry-After` in either form RFC 9110 allows: delay-seconds or an HTTP-date. Returns milliseconds from
 * `now` (never negative), or undefined when absent or unparseable.
 */
export function parseRetryAfter(value: unknown, now: Date): number | undefined {
  if (Array.isArray(value)) value = value[0];
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only accept things that look like a date, so "soon" or "-5" are not read as one.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

function excerpt(data: unknown): string | undefined {
  if (data === undefined || data === null || data === '') return undefined;
  let text: string;
  if (typeof data === 'string') text = data;
  else if (Buffer.isBuffer(data)) text = data.toString('utf8');
  else {
    try {
      text = JSON.stringify(data);
    } catch {
      return undefined;
    }
  }
  return text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX)}…` : text;
}

function classifyStatus(status: number): { reason: TicketErrorReason; retryable: boolean } {
  if (status === 408) return { reason: 'timeout', retryable: true };
  if (status === 429) return { reason: 'rate-limited', retryable: true };
  if (status >= 500) return { reason: 'server-error', retryable: true };
  if (status === 401 || status === 403) return { reason: 'auth', retryable: false };
  if (status >= 400) return { reason: 'client-error', retryable: false };
  // A redirect (we never follow them) or another unexpected status is a misconfigured URL: retrying won't help.
  return { reason: 'bad-response', retryable: false };
}

/**
 * Turns whatever an HTTP call threw into a TicketError: timeouts, network errors, 5xx, 408 and 429 are
 * retryable; other 4xx are not. Errors that are already TicketErrors pass through unchanged. Anything else
 * (a response we could not understand) is a retryable `bad-response`: the idempotency key makes a retry safe.
 */
export function classifyAxiosError(err: unknown, now: Date): TicketError {
  if (err instanceof TicketError) return err;
  if (axios.isAxiosError(err)) {
    const method = err.config?.method?.toUpperCase() ?? 'request';
    const url = err.config?.url ?? '';
    if (err.response) {
      const status = err.response.status;
      const { reason, retryable } = classifyStatus(status);
      const retryAfterMs = parseRetryAfter(err.response.headers?.['retry-after'], now);
      return new TicketError(reason, `${method} ${url} answered ${status}`, {
        retryable,
        status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        ...(excerpt(err.response.data) !== undefined ? { detail: excerpt(err.response.data) } : {}),
      });
    }
    const code = err.code ?? '';
    if (TIMEOUT_CODES.has(code) || /timeout/i.test(err.message)) {
      return new TicketError('timeout', `${method} ${url} timed out`, { retryable: true });
    }
    if (code === 'ERR_INVALID_URL' || code === 'ERR_BAD_OPTION' || code === 'ERR_BAD_OPTION_VALUE') {
      return new TicketError('client-error', `${method} ${url}: ${err.message}`, { retryable: false });
    }
    if (code === 'ERR_FR_TOO_MANY_REDIRECTS' || code === 'ERR_BAD_RESPONSE') {
      return new TicketError('bad-response', `${method} ${url}: ${err.message}`, { retryable: true });
    }
    return new TicketError('network', `${method} ${url} failed: ${code || err.message}`, { retryable: true });
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) {
    return new TicketError('network', `request failed: ${code}`, { retryable: true });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TicketError('bad-response', `could not use the ticketing response: ${message}`, { retryable: true });
}

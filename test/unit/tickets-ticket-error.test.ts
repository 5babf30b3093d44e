import { AxiosError, AxiosHeaders } from 'axios';
import { describe, expect, test } from 'vitest';
import { TicketError, classifyAxiosError, parseRetryAfter } from '../../src/tickets/ticket-error.js';

const now = new Date('2026-11-25T10:00:00Z');

function httpError(status: number, headers: Record<string, string> = {}, data: unknown = {}): AxiosError {
  const config = { url: 'http://t.test/tickets', method: 'post', headers: new AxiosHeaders({ Authorization: 'Bearer secret' }) };
  return new AxiosError(`Request failed with status code ${status}`, 'ERR_BAD_RESPONSE', config, {}, {
    status, statusText: '', headers, config, data,
  });
}

describe('ticket error classification', () => {
  test.each([
    [500, 'server-error', true], [502, 'server-error', true], [503, 'server-error', true], [408, 'timeout', true],
    [429, 'rate-limited', true], [400, 'client-error', false], [404, 'client-error', false], [409, 'client-error', false],
    [422, 'client-error', false], [401, 'auth', false], [403, 'auth', false], [302, 'bad-response', false],
  ] as const)('status %i is %s, retryable %s', (status, reason, retryable) => {
    expect(classifyAxiosError(httpError(status), now)).toMatchObject({ status, reason, retryable });
  });

  test('timeouts and connection failures without a response are retryable', () => {
    expect(classifyAxiosError(new AxiosError('timeout of 10ms exceeded', 'ECONNABORTED'), now)).toMatchObject({ reason: 'timeout', retryable: true });
    expect(classifyAxiosError(new AxiosError('canceled', 'ERR_CANCELED'), now)).toMatchObject({ reason: 'timeout', retryable: true });
    expect(classifyAxiosError(new AxiosError('connect ECONNREFUSED', 'ECONNREFUSED'), now)).toMatchObject({ reason: 'network', retryable: true });
    expect(classifyAxiosError(new AxiosError('getaddrinfo ENOTFOUND', 'ENOTFOUND'), now)).toMatchObject({ reason: 'network', retryable: true });
  });

  test('an invalid URL is a configuration mistake that retrying cannot fix', () => {
    expect(classifyAxiosError(new AxiosError('Invalid URL', 'ERR_INVALID_URL'), now)).toMatchObject({ reason: 'client-error', retryable: false });
  });

  test('a TicketError passes through unchanged and other errors become retryable bad responses', () => {
    const original = new TicketError('auth', 'no', { retryable: false });
    expect(classifyAxiosError(original, now)).toBe(original);
    expect(classifyAxiosError(new TypeError('x is undefined'), now)).toMatchObject({ reason: 'bad-response', retryable: true });
  });

  test('never copies the request headers (credentials) into the error', () => {
    const err = classifyAxiosError(httpError(500, {}, { message: 'boom' }), now);
    expect(JSON.stringify({ ...err, message: err.message })).not.toContain('secret');
    expect(err.code).toBe('ticket_failed');
  });

  test('reads Retry-After from a failed response in either form', () => {
    expect(classifyAxiosError(httpError(503, { 'retry-after': '30' }), now).retryAfterMs).toBe(30_000);
    expect(classifyAxiosError(httpError(429, { 'retry-after': 'Wed, 25 Nov 2026 10:01:00 GMT' }), now).retryAfterMs).toBe(60_000);
    expect(classifyAxiosError(httpError(503), now).retryAfterMs).toBeUndefined();
  });
});

describe('Retry-After parsing', () => {
  test('reads delay-seconds and HTTP-dates, never negative, and ignores nonsense', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

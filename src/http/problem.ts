// RFC 9457 problem+json responses; the single place that turns error codes into HTTP status codes.
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, ValidationError } from '../domain/errors.js';
import { redactUrl } from '../observability/logger.js';

const STATUS_BY_CODE: Record<string, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  store_unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Content',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** RFC 9457 members: an error's details never replace them (a 409 once said `"status":"in-progress"`). */
const PROBLEM_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance']);

/** `status` → `currentStatus`: a detail named like a problem member keeps its value under another name. */
function withoutProblemMembers(extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extra)) out[PROBLEM_MEMBERS.has(k) ? `current${k[0].toUpperCase()}${k.slice(1)}` : k] = v;
  return out;
}

/** An answer as status, headers and body: express routes and the console fast path send the same bytes. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function problemAnswer(status: number, detail: string, extra: Record<string, unknown> = {}): HttpAnswer {
  const headers: Record<string, string> = { 'Content-Type': 'application/problem+json; charset=utf-8' };
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="escalatord"';
  if (status === 503) headers['Retry-After'] = '5';
  const body = JSON.stringify({ ...withoutProblemMembers(extra), type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail });
  return { status, headers, body };
}

export function sendProblem(res: Response, status: number, detail: string, extra: Record<string, unknown> = {}): void {
  const answer = problemAnswer(status, detail, extra);
  res.status(status).set(answer.headers).send(answer.body);
}

/**
 * The answer to an error a request ended with, or null for one nobody raised on purpose (a bug: the
 * caller logs it and answers 500).
 */
export function problemFor(err: unknown): HttpAnswer | null {
  // body-parser errors carry `type` and `status`.
  const e = err as { type?: string; status?: number; code?: string; message?: string };
  if (e.type === 'entity.too.large') return problemAnswer(413, 'the request body exceeds the size limit');
  if (e.type === 'entity.parse.failed') return problemAnswer(400, `the body is not valid JSON: ${e.message}`, { errors: [{ field: 'body', message: 'invalid JSON' }] });
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return problemAnswer(415, e.message ?? 'unsupported encoding');
  // body-parser passes zlib's error on for a body that claims gzip/deflate/br and is not (status 400).
  if (e.status === 400 && (err as { expose?: boolean }).expose === true) {
    return problemAnswer(400, `the body could not be read: ${e.message ?? 'invalid'}`, { errors: [{ field: 'body', message: 'not valid for its Content-Encoding' }] });
  }
  if (err instanceof ValidationError) return problemAnswer(400, err.message, { errors: err.problems });
  if (err instanceof AppError || (e.code && STATUS_BY_CODE[e.code])) {
    const status = STATUS_BY_CODE[e.code ?? ''] ?? 500;
    const details = err instanceof AppError ? err.details : {};
    return problemAnswer(status, e.message ?? 'error', details);
  }
  return null;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return;
    const answer = problemFor(err);
    if (answer) {
      res.status(answer.status).set(answer.headers).send(answer.body);
      return;
    }
    logger.error({ err, method: req.method, url: redactUrl(req.originalUrl) }, 'unhandled error in a request');
    sendProblem(res, 500, 'internal error');
  };
}

// Plumbing shared by both simulators: listening, closing (keep-alive sockets included, so `stop()` does
// not hang on an idle client), problem+json errors, bearer auth and request logging.
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { pino, type Logger } from 'pino';
import { redactUrl } from '../observability/logger.js';

export function defaultSimulatorLogger(name: string): Logger {
  return pino({ name, level: 'info', timestamp: pino.stdTimeFunctions.isoTime });
}

export function listen(app: Express, host: string, port: number): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({ server, url: `http://${shownHost}:${address.port}` });
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export function problem(res: Response, status: number, title: string, detail?: string, extra: Record<string, unknown> = {}): void {
  res.status(status).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title, status, detail, ...extra }));
}

/** `Authorization: Bearer <token>` when a token is configured; compared in constant time. */
export function bearerAuth(token: string | undefined): RequestHandler {
  const expected = token === undefined ? null : Buffer.from(token);
  return (req: Request, res: Response, next: NextFunction) => {
    if (!expected) return next();
    const header = req.headers.authorization ?? '';
    const offered = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    if (offered.length === expected.length && timingSafeEqual(offered, expected)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer');
    problem(res, 401, 'Unauthorized', 'a valid bearer token is required');
  };
}

export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (!logger.isLevelEnabled('debug')) return next();
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug({ method: req.method, url: redactUrl(req.originalUrl), status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}

/** Last-resort error handler: a malformed JSON body is the client's fault, anything else is ours. */
export function errorHandler(logger: Logger) {
  return (err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.parse.failed') return problem(res, 400, 'Bad Request', 'the body is not valid JSON');
    if (err.status && err.status >= 400 && err.status < 500) return problem(res, err.status, 'Bad Request', err.message);
    logger.error({ err }, 'simulator request failed');
    problem(res, 500, 'Internal Server Error');
  };
}

/** A JSON object body, or null when the body is absent or not an object. */
export function objectBody(req: Request): Record<string, unknown> | null {
  const body: unknown = req.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
}

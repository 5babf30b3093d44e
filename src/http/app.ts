// The express app factory: middleware, health endpoints and error mapping. No listen() here; the
// composition root owns the server so tests can mount the same app on an ephemeral port.
import express, { type Express, type Router } from 'express';
import type { Logger } from 'pino';
import { redactUrl } from '../observability/logger.js';
import { errorHandler, sendProblem } from './problem.js';

export interface HttpAppDeps {
  logger: Logger;
  /** True once the store is loaded and until shutdown starts. */
  isReady: () => boolean;
  /** Routers mounted in order under `/`. */
  routers: Router[];
}

export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => logRequest(deps.logger, { method: req.method, path: req.path, url: req.originalUrl, status: res.statusCode, started, principal: req.principal }));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    if (deps.isReady()) res.json({ status: 'ready' });
    else sendProblem(res, 503, 'not ready: starting up or shutting down');
  });

  for (const router of deps.routers) app.use(router);

  app.use((req, res) => sendProblem(res, 404, `no route for ${req.method} ${req.path}`));
  app.use(errorHandler(deps.logger));
  return app;
}

/** The request's log line, when its level is on: every request, through express or the console fast path. */
export function logRequest(logger: Logger, r: { method?: string; path: string; url: string; status: number; started: bigint; principal?: { name: string } }): void {
  if (r.path === '/healthz' || r.path === '/readyz' || r.path === '/metrics') return;
  // Staff actions and failures are worth a line in production; reads only when debugging.
  // Accepted ingest is high-volume machine traffic and is counted in metrics instead.
  const quiet = r.method === 'GET' || (r.path.startsWith('/api/v1/ingest/') && r.status < 400);
  const level = r.status >= 500 ? 'warn' : quiet ? 'debug' : 'info';
  // Checked first: building the line (and redacting its URL) for a level that is off costs ingest.
  if (!logger.isLevelEnabled(level)) return;
  const ms = Number(process.hrtime.bigint() - r.started) / 1e6;
  logger[level]({ method: r.method, url: redactUrl(r.url), status: r.status, ms: Math.round(ms * 10) / 10, principal: r.principal?.name }, 'request');
}

/** Answers 503 problem+json while the daemon is not ready; used in front of routes that change state. */
export function requireReady(isReady: () => boolean): express.RequestHandler {
  return (_req, res, next) => {
    if (isReady()) next();
    else sendProblem(res, 503, 'not ready: starting up or shutting down');
  };
}

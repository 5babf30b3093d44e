// Inbound monitoring data (DESIGN §4): console webhooks (Standard Webhooks or a bearer token) and
// Alertmanager webhooks (bearer token). Both answer 202 only once the effects are durable, 2xx for a
// repeated delivery without changing anything, and 503 while the daemon cannot take data, so senders retry.
import type { IncomingHttpHeaders } from 'node:http';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { AlertMappingRules } from '../../domain/alertmanager-mapping.js';
import { ForbiddenError, UnauthorizedError, UnprocessableError, ValidationError } from '../../domain/errors.js';
import type { Role } from '../../domain/types.js';
import type { ComponentStateService } from '../../ingest/component-state.js';
import { ingestAlertmanager, parseAlertmanagerPayload } from '../../ingest/alertmanager.js';
import { parseReportBody } from '../../domain/report-schema.js';
import { verifyWebhook, type VerifyWebhookInput, type WebhookVerification } from '../../ingest/webhook-signature.js';
import type { IngestOutcome, Metrics } from '../../observability/metrics.js';
import { authorize, bearerToken, requireAuth, type Principal, type TokenAuthenticator } from '../auth.js';
import { requireReady } from '../app.js';
import { sendProblem } from '../problem.js';

export const INGEST_ROLES: readonly Role[] = ['ingest', 'admin'];

export interface IngestRouterDeps {
  auth: TokenAuthenticator;
  components: Pick<ComponentStateService, 'apply' | 'applyKeyed'>;
  metrics: Pick<Metrics, 'ingestReports' | 'registry'>;
  logger: Logger;
  isReady: () => boolean;
  now: () => Date;
  /** Secret(s) of `ingest.console.secret`; more than one during a key rotation. */
  consoleSecrets: readonly string[];
  toleranceMs: number;
  mapping: AlertMappingRules;
  /** e.g. `1mb`; bodies over it get 413 before they are read. */
  bodyLimit: string;
  /** Injected for tests that prove no HMAC ran; defaults to verifyWebhook. */
  verify?: (input: VerifyWebhookInput) => WebhookVerification;
}

const TRUNCATED_METRIC = 'escalatord_alertmanager_truncated_alerts_total';

/** Counter of alerts Alertmanager left out of a delivery (its `max_alerts`); created once per registry. */
function truncatedCounter(registry: Registry): Counter {
  const existing = registry.getSingleMetric(TRUNCATED_METRIC);
  if (existing) return existing as Counter;
  return new Counter({ name: TRUNCATED_METRIC, help: 'Alerts Alertmanager left out of webhook deliveries (truncatedAlerts), so never seen here.', registers: [registry] });
}

const UNIT: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** `64kb` → 65536; the config schema allows only b, kb and mb. */
export function limitBytes(limit: string): number {
  const m = /^(\d+)(b|kb|mb)$/i.exec(limit.trim());
  if (!m) throw new Error(`not a body size limit: ${limit}`);
  return Number(m[1]) * UNIT[m[2].toLowerCase()];
}

function header(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return typeof value === 'string' ? value : null;
}

/** What a console delivery is answered with once it has been applied (or found to be a repeat). */
export interface IngestAnswer {
  status: 200 | 202;
  body: Record<string, unknown>;
}

/**
 * The console route's work apart from express, so that the server's fast path (console-fast-path.ts)
 * runs exactly what the route runs. The route stays the whole of the contract: the fast path takes only
 * what `admits` lets through and leaves every other request to it.
 */
export interface ConsoleIngest {
  /**
   * Whether every gate of the route would let the request through, judged on its headers alone: the
   * principal of a valid ingest token, `null` for Standard Webhooks headers (checked once the body is
   * read), `undefined` when some gate would answer it or its body needs reading by body-parser (no
   * Content-Length, a Content-Encoding).
   */
  admits(headers: IncomingHttpHeaders): Principal | null | undefined;
  /** Verifies, parses and applies a delivery; throws the error the request ends with. */
  accept(raw: Buffer, headers: IncomingHttpHeaders, principal: Principal | null): Promise<IngestAnswer>;
  /** Counts a failure that ends a request (4xx/5xx) in escalatord_ingest_reports_total. */
  failed(err: unknown): void;
}

type IngestCount = (source: 'console' | 'alertmanager', outcome: IngestOutcome, n?: number) => void;

function ingestCounter(deps: Pick<IngestRouterDeps, 'metrics'>): IngestCount {
  return (source, outcome, n = 1) => {
    if (n > 0) deps.metrics.ingestReports.inc({ source, outcome }, n);
  };
}

/** The outcome a failure that ends a request is counted as. */
function failureOutcome(err: unknown): IngestOutcome | null {
  const e = err as { type?: string; code?: string; status?: number };
  if (err instanceof UnprocessableError) return null; // counted as rejected, report by report, where it was raised
  if (err instanceof UnauthorizedError || err instanceof ForbiddenError) return 'unauthorized';
  if (err instanceof ValidationError || e.type === 'entity.parse.failed' || e.type === 'entity.too.large' || (e.status !== undefined && e.status < 500)) return 'rejected';
  return 'error';
}

/**
 * Who sends a console delivery: the principal of a bearer token of role ingest or admin, `null` for
 * Standard Webhooks headers (the signature is checked once the body is read), or the error that ends it.
 */
function consoleCredentials(auth: TokenAuthenticator, headers: IncomingHttpHeaders): Principal | null | Error {
  if (bearerToken(headers.authorization) !== null) return authorize(auth, headers.authorization, INGEST_ROLES);
  if (header(headers, 'webhook-signature') === null) return new UnauthorizedError('a bearer token of role ingest or Standard Webhooks headers are required');
  return null;
}

export function consoleIngest(deps: IngestRouterDeps): ConsoleIngest {
  const verify = deps.verify ?? verifyWebhook;
  const count = ingestCounter(deps);
  const maxBytes = limitBytes(deps.bodyLimit);
  return {
    admits(headers) {
      if (!deps.isReady()) return undefined;
      const length = headers['content-length'];
      if (length === undefined || !(Number(length) <= maxBytes)) return undefined;
      const encoding = headers['content-encoding'];
      if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return undefined;
      const credentials = consoleCredentials(deps.auth, headers);
      return credentials instanceof Error ? undefined : credentials;
    },

    async accept(raw, headers, principal) {
      const webhookId = header(headers, 'webhook-id');
      if (!principal) {
        if (deps.consoleSecrets.length === 0) throw new UnauthorizedError('webhook signatures are not accepted: ingest.console.secret is not configured');
        const outcome = verify({
          headers: { id: webhookId, timestamp: header(headers, 'webhook-timestamp'), signature: header(headers, 'webhook-signature') },
          rawBody: raw,
          secrets: deps.consoleSecrets,
          toleranceMs: deps.toleranceMs,
          now: deps.now(),
        });
        if (!outcome.ok) {
          deps.logger.warn({ webhookId, reason: outcome.reason }, 'console webhook refused');
          throw new UnauthorizedError(`webhook signature refused: ${outcome.reason}`);
        }
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        throw new ValidationError([{ field: 'body', message: `invalid JSON: ${(err as Error).message}` }]);
      }
      const reports = parseReportBody(body);
      const key = webhookId ?? header(headers, 'idempotency-key');
      const result = await deps.components.apply(reports, { mode: 'delta', source: 'console' }, key ? [`console:${key}`] : []);
      count('console', 'rejected', result.refused.length);
      if (result.applied === 0 && result.refused.length > 0) {
        throw new UnprocessableError('no report names a server the Monitoring Consoles list; nothing was stored', {
          errors: result.refused.map((r) => ({ field: 'serverId', message: `${r.serverId}: ${r.reason}` })),
        });
      }
      if (result.duplicate) {
        count('console', 'duplicate', reports.length);
        return { status: 200, body: { accepted: 0, duplicate: true } };
      }
      count('console', 'accepted', result.applied);
      return { status: 202, body: { accepted: result.applied, changes: result.changes, ...(result.refused.length > 0 ? { refused: result.refused } : {}) } };
    },

    failed(err) {
      const outcome = failureOutcome(err);
      if (outcome) count('console', outcome);
    },
  };
}

/** `consoleWork`: the console route's work, shared with the server's fast path where there is one. */
export function createIngestRouter(deps: IngestRouterDeps, consoleWork: ConsoleIngest = consoleIngest(deps)): Router {
  const router = express.Router();
  const truncated = truncatedCounter(deps.metrics.registry);
  const count = ingestCounter(deps);
  /** Counts the failures that end a request (4xx/5xx) before handing them to the error handler. */
  const countErrors = (source: 'console' | 'alertmanager'): ErrorRequestHandler => (err: unknown, _req: Request, _res: Response, next: NextFunction) => {
    const outcome = failureOutcome(err);
    if (outcome) count(source, outcome);
    next(err);
  };
  const maxBytes = limitBytes(deps.bodyLimit);
  /**
   * An announced body over the limit is refused at once and the connection closed: body-parser would
   * also refuse it unread, but only answers after draining the whole body, which a sender that claims
   * a gigabyte could make us wait for.
   */
  const tooLarge = (source: 'console' | 'alertmanager'): RequestHandler => (req, res, next) => {
    const length = Number(req.headers['content-length'] ?? 0);
    if (!(length > maxBytes)) return next();
    count(source, 'rejected');
    res.setHeader('Connection', 'close');
    sendProblem(res, 413, `the request body exceeds the size limit of ${deps.bodyLimit}`);
  };
  const ready: RequestHandler = requireReady(deps.isReady);
  const notReady = (source: 'console' | 'alertmanager'): RequestHandler => (req, res, next) => {
    if (!deps.isReady()) count(source, 'error');
    ready(req, res, next);
  };

  /** A bearer token of role ingest/admin, or Standard Webhooks headers to be checked after the body is read. */
  const consoleAuth: RequestHandler = (req, _res, next) => {
    const credentials = consoleCredentials(deps.auth, req.headers);
    if (credentials instanceof Error) return next(credentials);
    if (credentials) req.principal = credentials;
    next();
  };

  // The three gates of the console route as one middleware, in their order.
  const consoleReady = notReady('console');
  const consoleSize = tooLarge('console');
  const consoleGates: RequestHandler = (req, res, next) =>
    consoleReady(req, res, (err?: unknown) => (err ? next(err) : consoleSize(req, res, (e?: unknown) => (e ? next(e) : consoleAuth(req, res, next)))));

  router.post(
    '/api/v1/ingest/console',
    consoleGates,
    // Raw bytes, because the HMAC is over exactly what was sent; body-parser refuses an oversized
    // Content-Length before reading a byte, so neither parsing nor HMAC work happens for it.
    express.raw({ type: () => true, limit: deps.bodyLimit }),
    async (req: Request, res: Response) => {
      const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const answer = await consoleWork.accept(raw, req.headers, req.principal ?? null);
      res.status(answer.status).json(answer.body);
    },
    countErrors('console'),
  );

  router.post(
    '/api/v1/ingest/alertmanager',
    notReady('alertmanager'),
    tooLarge('alertmanager'),
    requireAuth(deps.auth, INGEST_ROLES),
    express.json({ type: () => true, limit: deps.bodyLimit }),
    async (req: Request, res: Response) => {
      const payload = parseAlertmanagerPayload(req.body);
      if (payload.truncatedAlerts > 0) {
        truncated.inc(payload.truncatedAlerts);
        deps.logger.warn({ groupKey: payload.groupKey, truncatedAlerts: payload.truncatedAlerts, receiver: payload.receiver },
          'Alertmanager truncated this delivery; raise max_alerts on the receiver to see every alert');
      }
      const result = await ingestAlertmanager({ components: deps.components, rules: deps.mapping }, payload);
      count('alertmanager', 'accepted', result.accepted);
      count('alertmanager', 'duplicate', result.duplicates);
      count('alertmanager', 'rejected', result.skipped.length + result.refused.length);
      if (result.refused.length > 0) deps.logger.warn({ groupKey: payload.groupKey, refused: result.refused.slice(0, 20) }, 'alerts about servers no console lists were refused');
      if (result.accepted === 0 && result.duplicates === 0 && result.refused.length > 0) {
        throw new UnprocessableError('no alert names a server the Monitoring Consoles list; nothing was stored', {
          errors: result.refused.map((r) => ({ field: 'serverId', message: `${r.serverId}: ${r.reason}` })),
        });
      }
      if (result.skipped.length > 0) {
        deps.logger.info({ groupKey: payload.groupKey, skipped: result.skipped.slice(0, 20) }, 'alerts without a server or component were skipped');
      }
      const duplicate = result.accepted === 0 && result.duplicates > 0;
      res.status(duplicate ? 200 : 202).json({
        accepted: result.accepted,
        duplicates: result.duplicates,
        skipped: result.skipped.length,
        ...(result.refused.length > 0 ? { refused: result.refused } : {}),
        ...(duplicate ? { duplicate: true } : {}),
      });
    },
    countErrors('alertmanager'),
  );

  return router;
}

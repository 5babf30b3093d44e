// The vendor's own ticketing webhooks (DESIGN §4), served whichever adapter creates the tickets (a vendor
// may change systems while tickets are open):
// - `POST /api/v1/ingest/ticketing/jira`: Jira Cloud's webhook, signed `X-Hub-Signature: sha256=<hex
//   HMAC-SHA256 of the raw body>` with `ticketing.jira.webhookSecret` (or a bearer token of role ingest,
//   for Jira Automation's "Send web request"); dedup key `X-Atlassian-Webhook-Identifier`, the same on
//   Jira's retries.
// - `POST /api/v1/ingest/ticketing/servicenow`: the incident record a Business Rule sends, with a bearer
//   token of role ingest; dedup key `sn:<sys_id>:<sys_updated_on>` (and `:<sys_mod_count>` when sent).
// domain/vendor-events.ts maps each delivery to a ticket event; the incident commands apply it and record
// the dedup key in the same commit. Answers: 202 applied, 200 `{duplicate: true}` for a repeat, 200
// `{ignored: reason}` for what cannot be mapped or matched (logged, counted) — never an error the sender
// would retry for ever.
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError } from '../../domain/errors.js';
import type { Role } from '../../domain/types.js';
import {
  VENDOR_IGNORE_REASONS, mapJiraWebhook, mapServiceNowRecord, serviceNowDeliveryKey, type JiraRules, type ServiceNowRules,
  type VendorEvent, type VendorIgnoreReason, type VendorMapping,
} from '../../domain/vendor-events.js';
import type { IngestOutcome } from '../../observability/metrics.js';
import { bearerToken, requireAuth, type TokenAuthenticator } from '../auth.js';
import { requireReady } from '../app.js';
import { sendProblem } from '../problem.js';

export type VendorSource = 'jira' | 'servicenow';

/** What the incident commands take (src/escalation/incident-commands.ts `vendorEvent`). */
export type VendorEventInput = VendorEvent;

export interface VendorEventCommands {
  /**
   * Applies the event to the incident that owns the ticket (else the one with that id) and records
   * `dedupKey` in the same commit; `duplicate` when the key was already there. Throws NotFoundError when
   * no incident matches.
   */
  vendorEvent(input: VendorEventInput, opts: { dedupKey?: string; source: 'generic' | VendorSource }): Promise<{ incident: { id: string; status: string }; duplicate: boolean }>;
}

/** Why a delivery was ignored, as the metric counts it: the mapping's reasons, and the command's. */
export type TicketingIgnoreReason = VendorIgnoreReason | 'no-incident' | 'conflict';
export const TICKETING_IGNORE_REASONS: readonly TicketingIgnoreReason[] = [...VENDOR_IGNORE_REASONS, 'no-incident', 'conflict'];
const SOURCES: readonly VendorSource[] = ['jira', 'servicenow'];
export const TICKETING_IGNORED_METRIC = 'escalatord_ticketing_events_ignored_total';

/** `escalatord_ticketing_events_ignored_total{source,reason}` on `registry`, every series at 0; one per registry. */
export function ticketingIgnoredCounter(registry: Registry): Counter<'source' | 'reason'> {
  const existing = registry.getSingleMetric(TICKETING_IGNORED_METRIC);
  if (existing) return existing as Counter<'source' | 'reason'>;
  const counter = new Counter({
    name: TICKETING_IGNORED_METRIC,
    help: 'Deliveries of the vendor ticketing webhooks (Jira, ServiceNow) that changed nothing, by source and why.',
    labelNames: ['source', 'reason'] as const,
    registers: [registry],
  });
  for (const source of SOURCES) for (const reason of TICKETING_IGNORE_REASONS) counter.inc({ source, reason }, 0);
  return counter;
}

export interface VendorTicketingRouterDeps {
  auth: TokenAuthenticator;
  commands: VendorEventCommands;
  jira: {
    /** `ticketing.jira.webhookSecret`; unset: only bearer tokens are accepted on the Jira endpoint. */
    webhookSecret?: string;
    rules: JiraRules;
  };
  servicenow: { rules: ServiceNowRules };
  registry: Registry;
  /** `ingest_reports_total{source="ticketing"}`; optional so the routes can be tested alone. */
  ingestReports?: { inc(labels: { source: 'ticketing'; outcome: IngestOutcome }, value?: number): void };
  logger: Logger;
  isReady: () => boolean;
  /** e.g. `1mb`; a body announced over it gets 413 before it is read. */
  bodyLimit: string;
}

const INGEST_ROLES: readonly Role[] = ['ingest', 'admin'];
const DEDUP_KEY_MAX = 200;
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;
const UNIT: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };
/** Ignored deliveries that every busy project sends all day: logged at debug, counted all the same. */
const ROUTINE: ReadonlySet<TicketingIgnoreReason> = new Set(['own-change', 'no-status-change', 'unsupported-event']);

function limitBytes(limit: string): number {
  const m = /^(\d+)(b|kb|mb)$/i.exec(limit.trim());
  if (!m) throw new Error(`not a body size limit: ${limit}`);
  return Number(m[1]) * UNIT[m[2].toLowerCase()];
}

/** `sha256=<hex>` over the raw body with the secret, compared in constant time. */
export function verifyJiraSignature(header: string | undefined, rawBody: Buffer, secret: string): boolean {
  const m = header ? SIGNATURE.exec(header.trim()) : null;
  if (!m) return false;
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(rawBody).digest();
  return timingSafeEqual(Buffer.from(m[1], 'hex'), expected);
}

/** The value the sender would put in `X-Hub-Signature` (tests, simulators). */
export function jiraSignature(rawBody: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(rawBody).digest('hex')}`;
}

function headerOf(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

export function createVendorTicketingRouter(deps: VendorTicketingRouterDeps): Router {
  const router = express.Router();
  const ignoredTotal = ticketingIgnoredCounter(deps.registry);
  const maxBytes = limitBytes(deps.bodyLimit);
  const count = (outcome: IngestOutcome) => deps.ingestReports?.inc({ source: 'ticketing', outcome });

  const tooLarge: RequestHandler = (req, res, next) => {
    const length = Number(req.headers['content-length'] ?? 0);
    if (!(length > maxBytes)) return next();
    count('rejected');
    res.setHeader('Connection', 'close');
    sendProblem(res, 413, `the request body exceeds the size limit of ${deps.bodyLimit}`);
  };

  const ignore = (res: Response, source: VendorSource, reason: TicketingIgnoreReason, detail: string, refs: { ticketId?: string; ticketNumber?: string; incidentId?: string } = {}) => {
    ignoredTotal.inc({ source, reason });
    deps.logger[ROUTINE.has(reason) ? 'debug' : 'info']({ source, reason, detail, ...refs }, 'vendor ticketing event ignored');
    res.status(200).json({ ignored: reason, detail });
  };

  /** Applies a mapped delivery: 202, 200 duplicate, or 200 ignored when no incident matches or it cannot change. */
  const apply = async (res: Response, source: VendorSource, mapping: VendorMapping, dedupKey: string | undefined) => {
    if (!mapping.ok) return ignore(res, source, mapping.ignored, mapping.detail);
    const refs = { ticketId: mapping.event.ticketId, ticketNumber: mapping.event.ticketNumber, incidentId: mapping.event.incidentId };
    try {
      const { incident, duplicate } = await deps.commands.vendorEvent(mapping.event, { source, ...(dedupKey ? { dedupKey } : {}) });
      if (duplicate) {
        count('duplicate');
        res.status(200).json({ duplicate: true, incidentId: incident.id });
        return;
      }
      count('accepted');
      res.status(202).json({ incidentId: incident.id, status: incident.status, event: mapping.event.event });
    } catch (err) {
      // Most issues in a vendor's project are not ours; a ticket moved after we resolved cannot reopen it.
      if (err instanceof NotFoundError) return ignore(res, source, 'no-incident', 'no incident has this ticket or id', refs);
      if (err instanceof ConflictError) return ignore(res, source, 'conflict', err.message, refs);
      throw err;
    }
  };

  const dedupKeyOf = (field: string, key: string | undefined): string | undefined => {
    if (key === undefined || key === '') return undefined;
    if (key.length > DEDUP_KEY_MAX) throw new ValidationError([{ field, message: `longer than ${DEDUP_KEY_MAX} characters` }]);
    return key;
  };

  /** A bearer token of role ingest/admin, or a signature to be checked once the raw body is read. */
  const jiraAuth: RequestHandler = (req, res, next) => {
    if (bearerToken(req.headers.authorization) !== null) return requireAuth(deps.auth, INGEST_ROLES)(req, res, next);
    if (!deps.jira.webhookSecret) return next(new UnauthorizedError('Jira webhook signatures are not accepted: ticketing.jira.webhookSecret is not configured'));
    if (headerOf(req, 'x-hub-signature') === undefined) return next(new UnauthorizedError('an X-Hub-Signature header or a bearer token of role ingest is required'));
    next();
  };

  router.post(
    '/api/v1/ingest/ticketing/jira',
    requireReady(deps.isReady),
    tooLarge,
    jiraAuth,
    // Raw bytes: the HMAC is over exactly what Jira sent.
    express.raw({ type: () => true, limit: deps.bodyLimit }),
    async (req: Request, res: Response) => {
      const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!req.principal && !verifyJiraSignature(headerOf(req, 'x-hub-signature'), raw, deps.jira.webhookSecret!)) {
        count('unauthorized');
        deps.logger.warn({ webhookId: headerOf(req, 'x-atlassian-webhook-identifier') }, 'Jira webhook refused: bad signature');
        throw new UnauthorizedError('X-Hub-Signature does not match the body');
      }
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        count('rejected');
        throw new ValidationError([{ field: 'body', message: `invalid JSON: ${(err as Error).message}` }]);
      }
      const id = dedupKeyOf('X-Atlassian-Webhook-Identifier', headerOf(req, 'x-atlassian-webhook-identifier'));
      await apply(res, 'jira', mapJiraWebhook(body, deps.jira.rules), id ? `jira:${id}` : undefined);
    },
  );

  router.post(
    '/api/v1/ingest/ticketing/servicenow',
    requireReady(deps.isReady),
    tooLarge,
    requireAuth(deps.auth, INGEST_ROLES),
    express.json({ type: () => true, limit: deps.bodyLimit }),
    async (req: Request, res: Response) => {
      const mapping = mapServiceNowRecord(req.body, deps.servicenow.rules);
      const key = dedupKeyOf('sys_id', serviceNowDeliveryKey(req.body));
      await apply(res, 'servicenow', mapping, key);
    },
  );

  return router;
}

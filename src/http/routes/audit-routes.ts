// The audit export (DESIGN §8): `GET /api/v1/audit?since=&until=&format=ndjson|csv`, role admin. Every
// change of every incident in [since, until) with its time, actor, incident and what changed, and the
// staff changes of no incident (maintenance windows created and deleted, without an incidentId) — the record
// a regulator or a post-incident review asks for. Streamed: pages of the store's audit range are written
// as they are read, and the next page is read only once the client has taken the last one (backpressure),
// so an export of a year costs the memory of one page. Entries older than `storage.auditRetention` are
// gone (the housekeeping sweep drops them).
import { once } from 'node:events';
import { Router, type Response } from 'express';
import type { Logger } from 'pino';
import { ValidationError, type FieldProblem } from '../../domain/errors.js';
import type { AuditEntry, Store } from '../../store/port.js';
import { requireAuth, type TokenAuthenticator } from '../auth.js';
import { csvRow } from '../csv.js';

export type AuditFormat = 'ndjson' | 'csv';
export const AUDIT_CSV_COLUMNS = ['id', 'at', 'incidentId', 'actorKind', 'actorName', 'actorRole', 'action', 'note', 'data'] as const;
const DEFAULT_WINDOW_MS = 24 * 60 * 60 * 1000;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export interface AuditRouterDeps {
  auth: TokenAuthenticator;
  store: Pick<Store, 'read'>;
  now: () => Date;
  logger: Logger;
  /** Entries read per page; default 1000. */
  pageSize?: number;
}

export interface AuditQueryInput {
  since: string;
  until: string;
  format: AuditFormat;
}

/** Reads the query: `until` defaults to now and `since` to a day before `until`; every bad field is named. */
export function parseAuditQuery(query: Record<string, unknown>, now: Date): AuditQueryInput {
  const problems: FieldProblem[] = [];
  const instant = (field: 'since' | 'until'): number | null => {
    const raw = query[field];
    if (raw === undefined || raw === '') return null;
    if (typeof raw !== 'string' || !ISO_INSTANT.test(raw) || Number.isNaN(Date.parse(raw))) {
      problems.push({ field, message: 'expected an ISO 8601 instant with a time zone, e.g. 2026-11-25T00:00:00Z' });
      return null;
    }
    return Date.parse(raw);
  };
  const sinceAt = instant('since');
  const until = instant('until') ?? now.getTime();
  const since = sinceAt ?? until - DEFAULT_WINDOW_MS;
  const format = query.format ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'csv') problems.push({ field: 'format', message: 'expected ndjson or csv' });
  if (problems.length === 0 && since >= until) problems.push({ field: 'until', message: 'until must be after since' });
  if (problems.length > 0) throw new ValidationError(problems);
  return { since: new Date(since).toISOString(), until: new Date(until).toISOString(), format: format as AuditFormat };
}

export function auditCsvRow(e: AuditEntry): string {
  return csvRow([e.id, e.at, e.incidentId ?? '', e.actor.kind, e.actor.name, e.actor.role ?? '', e.action, e.note ?? '', e.data === undefined ? '' : JSON.stringify(e.data)]);
}

/** Writes `chunk`; when the socket's buffer is full, waits until it drains (or the client goes away). */
async function write(res: Response, chunk: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  const ac = new AbortController();
  try {
    await Promise.race([once(res, 'drain', { signal: ac.signal }), once(res, 'close', { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
  return !res.destroyed;
}

export function createAuditRouter(deps: AuditRouterDeps): Router {
  const router = Router();
  const pageSize = deps.pageSize ?? 1000;

  router.get('/api/v1/audit', requireAuth(deps.auth, ['admin']), async (req, res) => {
    const q = parseAuditQuery(req.query as Record<string, unknown>, deps.now());
    // The first page is read before anything is sent, so a store that cannot read answers with a problem.
    let page = await deps.store.read.audit.range({ since: q.since, until: q.until, limit: pageSize });
    const stamp = (iso: string) => iso.replace(/[:.]/g, '');
    res.status(200);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Disposition', `attachment; filename="escalatord-audit-${stamp(q.since)}-${stamp(q.until)}.${q.format}"`);
    res.type(q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    const line = q.format === 'csv' ? auditCsvRow : (e: AuditEntry) => `${JSON.stringify(e)}\n`;
    let rows = 0;
    try {
      if (q.format === 'csv' && !(await write(res, csvRow(AUDIT_CSV_COLUMNS)))) return;
      for (;;) {
        // One write per page keeps the syscalls few; backpressure is still honoured page by page.
        if (page.length > 0 && !(await write(res, page.map(line).join('')))) return;
        rows += page.length;
        if (page.length < pageSize) break;
        page = await deps.store.read.audit.range({ since: q.since, until: q.until, afterId: page[page.length - 1].id, limit: pageSize });
      }
      res.end();
      deps.logger.info({ principal: req.principal?.name, since: q.since, until: q.until, format: q.format, rows }, 'audit exported');
    } catch (err) {
      // Headers are gone: cut the response short so the client sees an incomplete export, not a complete one.
      deps.logger.error({ err, rows }, 'audit export failed part-way');
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  });
  return router;
}

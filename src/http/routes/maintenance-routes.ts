// Maintenance windows (DESIGN §5, §8): during a window, failures are recorded and not escalated. A window
// is one-off (`startsAt`–`endsAt`) or a weekly recurrence in a time zone (`{"recurrence": {"days":
// ["sat","sun"], "from": "22:00", "to": "02:00"}, "timezone": "Europe/London"}`, optionally bounded by
// `startsAt`/`endsAt`); domain/maintenance-window.ts decides what a window covers. Reads for every staff
// role; writes for `l2` and `admin` only, each audited (GET /api/v1/audit) in the commit that makes it.
import { randomUUID } from 'node:crypto';
import { Router, json } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import { HHMM, RECURRENCE_DAYS, isValidTimezone, windowEnded } from '../../domain/maintenance-window.js';
import type { MaintenanceWindow, NewAuditEntry, Store } from '../../store/port.js';
import { READ_ROLES, requireAuth, type Principal, type TokenAuthenticator } from '../auth.js';
import { parseBody } from '../validate.js';

export const MAINTENANCE_WRITERS = ['l2', 'admin'] as const;

const instant = z.string().datetime({ offset: true });
const recurrenceSchema = z.strictObject({
  days: z.array(z.enum(RECURRENCE_DAYS)).min(1).max(7).refine((d) => new Set(d).size === d.length, 'each day once'),
  from: z.string().regex(HHMM, 'expected HH:MM (00:00–23:59)'),
  to: z.string().regex(HHMM, 'expected HH:MM (00:00–23:59); at or before `from` means the window runs into the next day'),
});

const windowSchema = z
  .strictObject({
    serverId: z.string().min(1).max(200).optional(),
    customerId: z.string().min(1).max(200).optional(),
    component: z.string().min(1).max(200).optional(),
    startsAt: instant.optional(),
    endsAt: instant.optional(),
    recurrence: recurrenceSchema.optional(),
    timezone: z.string().min(1).max(100).refine(isValidTimezone, 'unknown IANA time zone').optional(),
    reason: z.string().min(1).max(1000),
  })
  .superRefine((w, ctx) => {
    if (!w.serverId && !w.customerId) ctx.addIssue({ code: 'custom', message: 'name a serverId or a customerId', path: ['serverId'] });
    if (w.recurrence) {
      if (!w.timezone) ctx.addIssue({ code: 'custom', message: 'a recurrence needs the IANA time zone its times are in', path: ['timezone'] });
    } else {
      if (w.timezone) ctx.addIssue({ code: 'custom', message: 'timezone applies only to a recurrence', path: ['timezone'] });
      if (!w.startsAt) ctx.addIssue({ code: 'custom', message: 'a one-off window needs startsAt', path: ['startsAt'] });
      if (!w.endsAt) ctx.addIssue({ code: 'custom', message: 'a one-off window needs endsAt (or give a recurrence)', path: ['endsAt'] });
    }
    if (w.startsAt && w.endsAt && Date.parse(w.endsAt) <= Date.parse(w.startsAt)) {
      ctx.addIssue({ code: 'custom', message: 'endsAt must be after startsAt', path: ['endsAt'] });
    }
  });

/**
 * A window change as the audit export lists it, in the same commit as the change: who, when, and the
 * window itself (what a review asks: which failures were not escalated, on whose word). No incident.
 */
function windowAudit(action: 'maintenance.created' | 'maintenance.deleted', by: Principal, at: string, window: MaintenanceWindow): NewAuditEntry {
  const { suppressed: _suppressed, ...shown } = window;
  return { at, actor: { kind: 'user', name: by.name, role: by.role }, action, note: window.reason, data: { window: shown } };
}

export interface MaintenanceRouterDeps {
  auth: TokenAuthenticator;
  store: Pick<Store, 'read' | 'transaction'>;
  now: () => Date;
}

export function createMaintenanceRouter(deps: MaintenanceRouterDeps): Router {
  const router = Router();
  const writers = requireAuth(deps.auth, MAINTENANCE_WRITERS);

  router.get('/api/v1/maintenance', requireAuth(deps.auth, READ_ROLES), async (req, res) => {
    const now = deps.now();
    const includeEnded = req.query.include === 'ended';
    const items = (await deps.store.read.maintenance.list()).filter((w) => includeEnded || !windowEnded(w, now));
    res.json({ items, nextCursor: null });
  });

  router.get('/api/v1/maintenance/:id', requireAuth(deps.auth, READ_ROLES), async (req, res) => {
    const id = String(req.params.id);
    const window = await deps.store.read.maintenance.get(id);
    if (!window) throw new NotFoundError(`maintenance window ${id}`);
    res.json(window);
  });

  router.post('/api/v1/maintenance', writers, json({ limit: '64kb' }), async (req, res) => {
    const input = parseBody(windowSchema, req.body);
    const now = deps.now().toISOString();
    const window: MaintenanceWindow = {
      id: `mw-${randomUUID()}`,
      serverId: input.serverId ?? null,
      customerId: input.customerId ?? null,
      component: input.component ?? null,
      startsAt: input.startsAt ? new Date(input.startsAt).toISOString() : now,
      endsAt: input.endsAt ? new Date(input.endsAt).toISOString() : null,
      ...(input.recurrence ? { recurrence: input.recurrence, timezone: input.timezone! } : {}),
      reason: input.reason,
      createdBy: req.principal!.name,
      createdAt: now,
    };
    await deps.store.transaction((uow) => {
      uow.maintenance.put(window);
      uow.audit.append(windowAudit('maintenance.created', req.principal!, now, window));
    });
    res.status(201).location(`/api/v1/maintenance/${encodeURIComponent(window.id)}`).json(window);
  });

  router.delete('/api/v1/maintenance/:id', writers, async (req, res) => {
    const id = String(req.params.id);
    await deps.store.transaction(async (uow) => {
      const window = await uow.maintenance.get(id);
      if (!window) throw new NotFoundError(`maintenance window ${id}`);
      uow.maintenance.delete(id);
      uow.audit.append(windowAudit('maintenance.deleted', req.principal!, deps.now().toISOString(), window));
    });
    res.status(204).end();
  });
  return router;
}

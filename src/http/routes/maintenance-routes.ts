// Maintenance windows (DESIGN §5): during a window, failures are recorded and not escalated.
import { randomUUID } from 'node:crypto';
import { Router, json } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import type { Store } from '../../store/types.js';
import { READ_ROLES, requireAuth, type TokenAuthenticator } from '../auth.js';
import { parseBody } from '../validate.js';

const windowSchema = z
  .strictObject({
    serverId: z.string().min(1).max(200).optional(),
    customerId: z.string().min(1).max(200).optional(),
    component: z.string().min(1).max(200).optional(),
    startsAt: z.string().datetime({ offset: true }),
    endsAt: z.string().datetime({ offset: true }),
    reason: z.string().min(1).max(1000),
  })
  .refine((w) => Date.parse(w.endsAt) > Date.parse(w.startsAt), { message: 'endsAt must be after startsAt', path: ['endsAt'] })
  .refine((w) => w.serverId || w.customerId, { message: 'name a serverId or a customerId', path: ['serverId'] });

export function createMaintenanceRouter(deps: { auth: TokenAuthenticator; store: Store; bodyLimit: string; now: () => Date }): Router {
  const router = Router();
  const writers = requireAuth(deps.auth, ['l2', 'l3', 'admin']);

  router.get('/api/v1/maintenance', requireAuth(deps.auth, READ_ROLES), (req, res) => {
    const now = deps.now().toISOString();
    const includeEnded = req.query.include === 'ended';
    const items = deps.store.data.maintenance.filter((w) => includeEnded || w.endsAt > now);
    res.json({ items, nextCursor: null });
  });

  router.post('/api/v1/maintenance', writers, json({ limit: '64kb' }), async (req, res) => {
    const input = parseBody(windowSchema, req.body);
    const window = await deps.store.commit((d) => {
      const w = {
        id: `mw-${randomUUID()}`,
        serverId: input.serverId ?? null,
        customerId: input.customerId ?? null,
        component: input.component ?? null,
        startsAt: new Date(input.startsAt).toISOString(),
        endsAt: new Date(input.endsAt).toISOString(),
        reason: input.reason,
        createdBy: req.principal!.name,
        createdAt: deps.now().toISOString(),
      };
      d.maintenance.push(w);
      return w;
    });
    res.status(201).location(`/api/v1/maintenance/${window.id}`).json(window);
  });

  router.delete('/api/v1/maintenance/:id', writers, async (req, res) => {
    const id = String(req.params.id);
    if (!deps.store.data.maintenance.some((w) => w.id === id)) throw new NotFoundError(`maintenance window ${id}`);
    await deps.store.commit((d) => {
      d.maintenance = d.maintenance.filter((w) => w.id !== id);
    });
    res.status(204).end();
  });
  return router;
}

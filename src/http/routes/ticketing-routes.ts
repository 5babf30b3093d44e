// Ticket events back from the vendor's ticketing system (DESIGN §4): acknowledge, progress,
// awaiting-customer and resolve the incident that owns the ticket. A repeated delivery changes nothing.
import { Router, json } from 'express';
import { z } from 'zod';
import { ROOT_CAUSES, type RootCause } from '../../domain/types.js';
import type { IncidentCommands } from '../../escalation/incident-commands.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Store } from '../../store/types.js';
import { requireAuth, type TokenAuthenticator } from '../auth.js';
import { requireReady } from '../app.js';
import { parseBody } from '../validate.js';

const eventSchema = z.strictObject({
  ticketId: z.string().min(1).max(200),
  event: z.enum(['acknowledged', 'progress', 'awaiting-customer', 'resolved']),
  by: z.string().min(1).max(200),
  note: z.string().max(4000).optional(),
  at: z.string().datetime({ offset: true }).optional(),
  rootCause: z.enum(ROOT_CAUSES as [string, ...string[]]).optional(),
});

export function createTicketingRouter(deps: { auth: TokenAuthenticator; store: Store; commands: IncidentCommands; metrics: Metrics; bodyLimit: string; ready: () => boolean; now: () => Date }): Router {
  const router = Router();
  router.post('/api/v1/ingest/ticketing', requireReady(deps.ready), requireAuth(deps.auth, ['ingest', 'l3', 'admin']), json({ limit: deps.bodyLimit }), async (req, res) => {
    const input = parseBody(eventSchema, req.body);
    const key = input.at ? `tk:${input.ticketId}:${input.event}:${input.at}` : null;
    if (key && key in deps.store.data.dedup) {
      await deps.store.flush();
      deps.metrics.ingestReports.inc({ source: 'ticketing', outcome: 'duplicate' });
      res.status(200).json({ duplicate: true });
      return;
    }
    const incident = await deps.commands.vendorEvent({ ...input, rootCause: input.rootCause as RootCause | undefined });
    if (key) {
      await deps.store.commit((d) => {
        d.dedup[key] = deps.now().toISOString();
      });
    }
    deps.metrics.ingestReports.inc({ source: 'ticketing', outcome: 'accepted' });
    res.status(202).json({ incidentId: incident.id, status: incident.status });
  });
  return router;
}

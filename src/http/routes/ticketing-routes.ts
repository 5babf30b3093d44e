// Ticket events back from the vendor's ticketing system (DESIGN §4): acknowledge, progress,
// awaiting-customer and resolve the incident that owns the ticket. A repeated delivery changes nothing.
import { Router, json } from 'express';
import { z } from 'zod';
import { ROOT_CAUSES, type RootCause } from '../../domain/types.js';
import type { IncidentCommands } from '../../escalation/incident-commands.js';
import type { Metrics } from '../../observability/metrics.js';
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

export function createTicketingRouter(deps: { auth: TokenAuthenticator; commands: Pick<IncidentCommands, 'vendorEvent'>; metrics: Metrics; bodyLimit: string; ready: () => boolean }): Router {
  const router = Router();
  router.post('/api/v1/ingest/ticketing', requireReady(deps.ready), requireAuth(deps.auth, ['ingest', 'l3', 'admin']), json({ limit: deps.bodyLimit }), async (req, res) => {
    const input = parseBody(eventSchema, req.body);
    // The event's own identity is its dedup key, claimed in the same commit as its effect.
    const dedupKey = input.at ? `tk:${input.ticketId}:${input.event}:${input.at}` : undefined;
    const { incident, duplicate } = await deps.commands.vendorEvent({ ...input, rootCause: input.rootCause as RootCause | undefined }, { dedupKey, source: 'generic' });
    if (duplicate) {
      deps.metrics.ingestReports.inc({ source: 'ticketing', outcome: 'duplicate' });
      res.status(200).json({ duplicate: true, incidentId: incident.id });
      return;
    }
    deps.metrics.ingestReports.inc({ source: 'ticketing', outcome: 'accepted' });
    res.status(202).json({ incidentId: incident.id, status: incident.status });
  });
  return router;
}

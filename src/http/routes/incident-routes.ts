// REST for incidents (DESIGN §8): list and read for every person with a token; log, escalate,
// acknowledge, report progress, change status, resolve and complain for the roles that may.
import { Router, json } from 'express';
import { z } from 'zod';
import { mayRead, visibleLevels } from '../../domain/access.js';
import { NotFoundError } from '../../domain/errors.js';
import { ROOT_CAUSES, type Incident, type Role } from '../../domain/types.js';
import type { IncidentCommands } from '../../escalation/incident-commands.js';
import type { StoreReader } from '../../store/port.js';
import { actorOf, READ_ROLES, requireAuth, STAFF_ROLES, type TokenAuthenticator } from '../auth.js';
import { parseBody } from '../validate.js';

export interface ComplaintHandler {
  complain(id: string, actor: ReturnType<typeof actorOf>, note: string): Promise<Incident>;
  acknowledgeStep(id: string, actor: ReturnType<typeof actorOf>, step: number, note?: string): Promise<Incident>;
}

export interface IncidentRoutesDeps {
  auth: TokenAuthenticator;
  read: StoreReader;
  commands: IncidentCommands;
  management: ComplaintHandler;
  bodyLimit: string;
  ready: () => boolean;
}

const text = z.string().trim().min(1).max(4000);
const level = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);
const logSchema = z.strictObject({
  type: z.enum(['fault', 'request']),
  customerId: z.string().min(1).max(200),
  serverId: z.string().min(1).max(200),
  reporter: z.strictObject({ name: z.string().min(1).max(200), email: z.string().email() }),
  title: z.string().min(1).max(300).optional(),
  symptoms: z.array(text).max(50).optional(),
  requestType: z.string().min(1).max(100).optional(),
  priority: z.enum(['P1', 'P2', 'P3', 'P4']).optional(),
  component: z.string().min(1).max(200).optional(),
  newIncident: z.boolean().optional(),
});
const noteSchema = z.strictObject({ note: text.optional() });
const progressSchema = z.strictObject({ note: text });
const statusSchema = z.strictObject({ status: z.enum(['in-progress', 'awaiting-customer', 'acknowledged']), note: text.optional() });
const escalateSchema = z.strictObject({ toLevel: level.optional(), reason: text.optional(), notes: text.optional() });
const resolveSchema = z.strictObject({ rootCause: z.enum(ROOT_CAUSES as [string, ...string[]]), note: text.optional() });
const complaintSchema = z.strictObject({ note: text });
const ackStepSchema = z.strictObject({ step: z.union([z.literal(2), z.literal(3), z.literal(4)]), note: text.optional() });

const listQuery = z.object({
  status: z.enum(['open', 'resolved', 'all']).default('open'),
  level: z.coerce.number().int().min(1).max(4).optional(),
  priority: z.enum(['P1', 'P2', 'P3', 'P4']).optional(),
  serverId: z.string().optional(),
  customerId: z.string().optional(),
  type: z.enum(['fault', 'request']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().optional(),
});

export function createIncidentRouter(deps: IncidentRoutesDeps): Router {
  const router = Router();
  const read = requireAuth(deps.auth, READ_ROLES);
  const staff = (roles: readonly Role[] = STAFF_ROLES) => requireAuth(deps.auth, roles);
  const body = json({ limit: deps.bodyLimit });

  /** The incident if the caller's role may see it; 404 otherwise, so the vendor cannot probe for L1/L2 work. */
  const visible = async (id: string, role: Role): Promise<Incident> => {
    const incident = await deps.read.incidents.get(id);
    if (!incident || !mayRead(role, incident.level)) throw new NotFoundError(`incident ${id}`);
    return incident;
  };

  router.get('/api/v1/incidents', read, async (req, res) => {
    const q = parseBody(listQuery, req.query);
    // Ids grow monotonically, so the newest-first order is the id order and the cursor is the last id.
    const items = await deps.read.incidents.list({
      status: q.status, level: q.level as Incident['level'] | undefined, levels: visibleLevels(req.principal!.role) ?? undefined,
      priority: q.priority, serverId: q.serverId, customerId: q.customerId, type: q.type, beforeId: q.cursor, limit: q.limit + 1,
    });
    const more = items.length > q.limit;
    const page = items.slice(0, q.limit);
    res.json({ items: page, nextCursor: more ? page[page.length - 1].id : null });
  });

  router.get('/api/v1/incidents/:id', read, async (req, res) => {
    res.json(await visible(String(req.params.id), req.principal!.role));
  });

  // The Service Provider's desk logs faults and requests; the vendor receives them as tickets.
  router.post('/api/v1/incidents', staff(['l1', 'l2', 'admin']), body, async (req, res) => {
    const input = parseBody(logSchema, req.body);
    const actor = { ...actorOf(req), role: req.principal!.role };
    const result = await deps.commands.logIncident(input, actor);
    if (result.created) {
      res.status(201).location(`/api/v1/incidents/${result.incident.id}`).json(result.incident);
    } else {
      res.status(200).json({ linked: true, incident: result.linkedTo, openIncidents: result.openIncidents, detail: 'an incident is already open on this server; the report was added to it (send newIncident: true to open a separate one)' });
    }
  });

  const act = (path: string, handler: (id: string, body: unknown, actor: ReturnType<typeof actorOf> & { role: Role }) => Promise<Incident>, roles: readonly Role[] = STAFF_ROLES) => {
    router.post(`/api/v1/incidents/:id/${path}`, staff(roles), body, async (req, res) => {
      const id = String(req.params.id);
      await visible(id, req.principal!.role); // 404 before validation of a body for a missing (or hidden) incident
      const actor = { ...actorOf(req), role: req.principal!.role };
      res.json(await handler(id, req.body, actor));
    });
  };
  act('acknowledge', (id, b, actor) => deps.commands.acknowledge(id, actor, parseBody(noteSchema, b).note));
  act('progress', (id, b, actor) => deps.commands.progress(id, actor, parseBody(progressSchema, b).note));
  act('status', (id, b, actor) => {
    const { status, note } = parseBody(statusSchema, b);
    return status === 'acknowledged' ? deps.commands.acknowledge(id, actor, note) : deps.commands.setStatus(id, actor, status, note);
  });
  act('escalate', (id, b, actor) => deps.commands.escalate(id, actor, parseBody(escalateSchema, b)));
  act('resolve', (id, b, actor) => {
    const { rootCause, note } = parseBody(resolveSchema, b);
    return deps.commands.resolve(id, actor, rootCause as Incident['rootCause'] & string, note);
  });
  // A complaint is the Service Provider's (seed, "Issue Escalation"), not the vendor's about itself.
  act('complaint', (id, b, actor) => deps.management.complain(id, actor, parseBody(complaintSchema, b).note), ['l1', 'l2', 'admin']);
  // The contact of a management step works for the vendor's management: its acknowledgement is admin's to record.
  act('management/acknowledge', (id, b, actor) => {
    const { step, note } = parseBody(ackStepSchema, b);
    return deps.management.acknowledgeStep(id, actor, step, note);
  }, ['admin']);
  act('ticket/retry', (id, b, actor) => {
    parseBody(noteSchema, b ?? {});
    return deps.commands.retryTicket(id, actor);
  }, ['l2', 'admin']);

  return router;
}

// Read-only views of monitored servers (DESIGN §8): a filtered, cursor-paged list and one server with its
// component states and the incidents open against it.
import express, { type Request, type Response, type Router } from 'express';
import { NotFoundError, ValidationError, type FieldProblem } from '../../domain/errors.js';
import { COMPONENT_STATUSES, type ComponentStatus, type ServerState } from '../../domain/types.js';
import { visibleLevels } from '../../domain/access.js';
import type { Role } from '../../domain/types.js';
import type { StoreReader } from '../../store/port.js';
import { READ_ROLES, requireAuth, type TokenAuthenticator } from '../auth.js';

export interface ServerRouterDeps {
  auth: TokenAuthenticator;
  read: StoreReader;
  customers: ReadonlyArray<{ id: string; name: string }>;
}

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;
const SEVERITY: Record<ComponentStatus, number> = { ok: 0, unknown: 1, degraded: 2, failed: 3 };

/** The worst status among the server's components (`ok` for a server without any). */
export function worstStatus(server: ServerState): ComponentStatus {
  let worst: ComponentStatus = 'ok';
  for (const c of Object.values(server.components)) if (SEVERITY[c.status] > SEVERITY[worst]) worst = c.status;
  return worst;
}

// Cursors are opaque to clients: the base64url of the last id on the previous page.
const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
const decodeCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8');

interface ListQuery {
  limit: number;
  after: string | null;
  customerId: string | null;
  status: ComponentStatus | null;
  reachable: boolean | null;
}

function parseListQuery(req: Request): ListQuery {
  const problems: FieldProblem[] = [];
  const one = (name: string): string | null => {
    const v = req.query[name];
    if (v === undefined) return null;
    if (typeof v !== 'string') {
      problems.push({ field: name, message: 'give this parameter once' });
      return null;
    }
    return v;
  };
  const limitText = one('limit');
  let limit = DEFAULT_PAGE;
  if (limitText !== null) {
    limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= MAX_PAGE)) problems.push({ field: 'limit', message: `an integer from 1 to ${MAX_PAGE}` });
  }
  const cursor = one('cursor');
  const status = one('status');
  if (status !== null && !COMPONENT_STATUSES.includes(status as ComponentStatus)) problems.push({ field: 'status', message: `one of ${COMPONENT_STATUSES.join(', ')}` });
  const reachableText = one('reachable');
  if (reachableText !== null && reachableText !== 'true' && reachableText !== 'false') problems.push({ field: 'reachable', message: 'true or false' });
  if (problems.length > 0) throw new ValidationError(problems);
  return {
    limit,
    after: cursor ? decodeCursor(cursor) : null,
    customerId: one('customerId'),
    status: status as ComponentStatus | null,
    reachable: reachableText === null ? null : reachableText === 'true',
  };
}

/**
 * The servers a role may see: everyone sees the fleet, except the vendor (l3), which sees the servers of
 * the incidents held at its levels. Null: no restriction.
 */
async function visibleServers(read: StoreReader, role: Role): Promise<Set<string> | null> {
  const levels = visibleLevels(role);
  if (levels === null) return null;
  return new Set((await read.incidents.open()).filter((i) => levels.includes(i.level)).map((i) => i.serverId));
}

export function createServerRouter(deps: ServerRouterDeps): Router {
  const router = express.Router();
  const customerName = (id: string) => deps.customers.find((c) => c.id === id)?.name ?? null;
  const readers = requireAuth(deps.auth, READ_ROLES);

  router.get('/api/v1/servers', readers, async (req: Request, res: Response) => {
    const q = parseListQuery(req);
    const visible = await visibleServers(deps.read, req.principal!.role);
    const items = [];
    let last: string | null = null;
    let more = false;
    // Filters other than the customer are applied here, so read pages until one is full.
    let after = q.after ?? undefined;
    let exhausted = false;
    while (!more && !exhausted) {
      const batch = await deps.read.servers.list({ customerId: q.customerId ?? undefined, afterId: after, limit: 500 });
      if (batch.length < 500) exhausted = true;
      if (batch.length > 0) after = batch[batch.length - 1].id;
      for (const s of batch) {
        const id = s.id;
        if (visible !== null && !visible.has(id)) continue;
        if (q.reachable !== null && s.reachable !== q.reachable) continue;
        const components = Object.values(s.components);
        if (q.status !== null && !components.some((c) => c.status === q.status)) continue;
        if (items.length === q.limit) {
          more = true;
          break;
        }
        const counts: Record<ComponentStatus, number> = { ok: 0, degraded: 0, failed: 0, unknown: 0 };
        for (const c of components) counts[c.status] += 1;
        items.push({
          id: s.id, name: s.name, customerId: s.customerId, customerName: customerName(s.customerId), consoleId: s.consoleId ?? null,
          reachable: s.reachable, reachableSince: s.reachableSince, observedAt: s.observedAt, status: worstStatus(s), componentCounts: counts,
        });
        last = id;
      }
    }
    res.json({ items, nextCursor: more && last !== null ? encodeCursor(last) : null });
  });

  router.get('/api/v1/servers/:id', readers, async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const s = await deps.read.servers.get(id);
    const visible = await visibleServers(deps.read, req.principal!.role);
    if (!s || (visible !== null && !visible.has(id))) throw new NotFoundError(`server ${id}`);
    const levels = visibleLevels(req.principal!.role);
    const openIncidents = (await deps.read.incidents.openOn(id)).filter((i) => levels === null || levels.includes(i.level)).map((i) => i.id);
    const components = Object.values(s.components)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((c) => ({ name: c.name, kind: c.kind, status: c.status, message: c.message ?? null, since: c.since, observedAt: c.observedAt }));
    res.json({
      id: s.id, name: s.name, customerId: s.customerId, customerName: customerName(s.customerId), consoleId: s.consoleId ?? null,
      reachable: s.reachable, reachableSince: s.reachableSince, observedAt: s.observedAt, status: worstStatus(s),
      components, openIncidents,
    });
  });

  return router;
}

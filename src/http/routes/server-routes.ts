// Read-only views of monitored servers (DESIGN §8): a filtered, cursor-paged list and one server with its
// component states and the incidents open against it.
import express, { type Request, type Response, type Router } from 'express';
import { NotFoundError, ValidationError, type FieldProblem } from '../../domain/errors.js';
import { COMPONENT_STATUSES, type ComponentStatus, type ServerState } from '../../domain/types.js';
import type { StoreData } from '../../store/types.js';
import { READ_ROLES, requireAuth, type TokenAuthenticator } from '../auth.js';

export interface ServerRouterDeps {
  auth: TokenAuthenticator;
  data: () => Readonly<StoreData>;
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

/** Ids of incidents not yet resolved on this server, from the open index and the incidents themselves. */
function openIncidentIds(data: Readonly<StoreData>, serverId: string): string[] {
  const ids = new Set<string>();
  const prefix = `${serverId}/`;
  for (const [key, id] of Object.entries(data.openIndex)) if (key.startsWith(prefix)) ids.add(id);
  // Incidents logged by people (L1) need not be in the index, which only covers monitored components.
  for (const inc of Object.values(data.incidents)) if (inc.serverId === serverId && inc.status !== 'resolved') ids.add(inc.id);
  return [...ids].sort();
}

export function createServerRouter(deps: ServerRouterDeps): Router {
  const router = express.Router();
  const customerName = (id: string) => deps.customers.find((c) => c.id === id)?.name ?? null;
  const readers = requireAuth(deps.auth, READ_ROLES);

  router.get('/api/v1/servers', readers, (req: Request, res: Response) => {
    const q = parseListQuery(req);
    const data = deps.data();
    const ids = Object.keys(data.servers).sort();
    const items = [];
    let last: string | null = null;
    let more = false;
    for (const id of ids) {
      if (q.after !== null && id <= q.after) continue;
      const s = data.servers[id];
      if (q.customerId !== null && s.customerId !== q.customerId) continue;
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
    res.json({ items, nextCursor: more && last !== null ? encodeCursor(last) : null });
  });

  router.get('/api/v1/servers/:id', readers, (req: Request, res: Response) => {
    const data = deps.data();
    const id = String(req.params.id);
    const s = Object.hasOwn(data.servers, id) ? data.servers[id] : undefined;
    if (!s) throw new NotFoundError(`server ${id}`);
    const components = Object.values(s.components)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((c) => ({ name: c.name, kind: c.kind, status: c.status, message: c.message ?? null, since: c.since, observedAt: c.observedAt }));
    res.json({
      id: s.id, name: s.name, customerId: s.customerId, customerName: customerName(s.customerId), consoleId: s.consoleId ?? null,
      reachable: s.reachable, reachableSince: s.reachableSince, observedAt: s.observedAt, status: worstStatus(s),
      components, openIncidents: openIncidentIds(data, s.id),
    });
  });

  return router;
}

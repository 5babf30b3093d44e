// GET /api/v1/cluster (DESIGN §8, §12): this instance, its role, the leader and term, the storage engine
// and the members seen lately — for any role that can read. Answered from what the last heartbeat saw,
// so it answers (and says who was leading) even while the database is away.
import { Router } from 'express';
import { clusterStatus } from '../../cluster/cluster-status.js';
import type { Leadership } from '../../cluster/leadership.js';
import type { StoreEngine } from '../../store/port.js';
import { READ_ROLES, requireAuth, type TokenAuthenticator } from '../auth.js';

export interface ClusterRouterDeps {
  auth: TokenAuthenticator;
  leadership: Leadership;
  engine: StoreEngine;
}

export function createClusterRouter(deps: ClusterRouterDeps): Router {
  const router = Router();
  router.get('/api/v1/cluster', requireAuth(deps.auth, READ_ROLES), (_req, res) => {
    res.set('cache-control', 'no-store').json(clusterStatus(deps.leadership, deps.engine));
  });
  return router;
}

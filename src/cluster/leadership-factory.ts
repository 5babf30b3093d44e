// Which instance runs the jobs with outside side effects. With the embedded engines there is one
// instance, always the leader; with postgres, leadership is an advisory lock held on a session of its
// own (postgres-leadership.ts says why, and how a leader is fenced).
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import { throttleErrors } from '../store/postgres/throttle.js';
import type { Store } from '../store/port.js';
import { registerClusterMetrics } from './cluster-metrics.js';
import type { Leadership } from './leadership.js';
import { PostgresLeadership } from './postgres-leadership.js';
import { SoloLeadership } from './solo-leadership.js';

export type { ClusterMember, Leadership, LeadershipListener, LeadershipState } from './leadership.js';
export { SoloLeadership } from './solo-leadership.js';

/** `cluster.instanceId`, or the host name and pid: unique among instances, and readable in a list. */
export function instanceIdOf(config: Config): string {
  return config.cluster.instanceId ?? `${hostname()}-${process.pid}`;
}

/** Builds the leadership the storage engine calls for and registers the cluster metrics on `registry`. */
export function createLeadership(config: Config, deps: { store: Store; registry: Registry; logger: Logger }): Leadership {
  const instanceId = instanceIdOf(config);
  let leadership: Leadership;
  if (deps.store.engine === 'postgres') {
    if (!config.storage.url) throw new Error('storage.url: required with storage.engine postgres');
    const heartbeatMs = config.cluster.heartbeat;
    leadership = new PostgresLeadership({
      url: config.storage.url,
      instanceId,
      heartbeatMs,
      // Followers try every 1–2 heartbeats: a new leader well within 10 s of the old one's death.
      retryMs: heartbeatMs,
      onError: throttleErrors((err, what) => deps.logger.warn({ err, what }, 'cluster session problem')),
    });
  } else {
    leadership = new SoloLeadership(instanceId);
  }
  registerClusterMetrics(deps.registry, leadership);
  leadership.onChange((leader, state) => {
    deps.logger.info({ instance: instanceId, role: leader ? 'leader' : 'follower', term: state.term, leader: state.leader }, leader ? 'this instance leads' : 'this instance follows');
  });
  return leadership;
}

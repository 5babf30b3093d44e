// The cluster's two metrics (DESIGN §10), on the registry the caller hands in:
// escalatord_cluster_leader (1 on the leader, 0 elsewhere) and escalatord_cluster_leader_changes_total
// (every change of this instance's role, gained or lost).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Leadership } from './leadership.js';

export function registerClusterMetrics(registry: Registry, leadership: Pick<Leadership, 'isLeader' | 'onChange'>): void {
  new Gauge({
    name: 'escalatord_cluster_leader',
    help: 'Whether this instance leads the cluster and runs its jobs with side effects (1) or follows (0).',
    registers: [registry],
    collect() {
      this.set(leadership.isLeader ? 1 : 0);
    },
  });
  const changes = new Counter({
    name: 'escalatord_cluster_leader_changes_total',
    help: 'Times this instance became leader or stopped being leader.',
    registers: [registry],
  });
  changes.inc(0);
  leadership.onChange(() => changes.inc());
}

// The body of `GET /api/v1/cluster` (DESIGN §8): who this instance is, who leads, in which term, on
// which storage engine, and the members seen lately.
import type { StoreEngine } from '../store/port.js';
import type { ClusterMember, Leadership, Role } from './leadership.js';

export interface ClusterStatus {
  instance: string;
  role: Role;
  leader: string | null;
  term: number;
  engine: StoreEngine;
  members: ClusterMember[];
}

export function clusterStatus(leadership: Leadership, engine: StoreEngine): ClusterStatus {
  return {
    instance: leadership.instanceId,
    role: leadership.isLeader ? 'leader' : 'follower',
    leader: leadership.leader,
    term: leadership.term,
    engine,
    members: leadership.members(),
  };
}

// Leadership: which instance runs the jobs with outside side effects (polling, SLA and management
// timers, the sweeper, the dispatcher, the contacts refresh). Exactly one instance leads at a time; the
// others serve ingest, the API and the live feed. Engines: SoloLeadership for the embedded engines (one
// instance, always the leader) and PostgresLeadership (an advisory lock held on a session of its own).

export type Role = 'leader' | 'follower';

export interface LeadershipState {
  readonly isLeader: boolean;
  /** Increases with every new leader (1 for the solo instance); 0 before any leader is known. */
  readonly term: number;
  /** The instance that leads, as last seen; null when none is known. */
  readonly leader: string | null;
}

export interface ClusterMember {
  readonly instance: string;
  readonly role: Role;
  /** ISO instant of its last heartbeat. */
  readonly lastSeen: string;
}

export type LeadershipListener = (leader: boolean, state: LeadershipState) => void;

export interface Leadership extends LeadershipState {
  /** This instance's name (`cluster.instanceId`). */
  readonly instanceId: string;
  /**
   * Listeners hear every change of this instance's role, synchronously and before anything else happens:
   * on a loss, before the lock can be taken elsewhere, so they must stop side effects at once (what they
   * do synchronously is the fence; a promise they start is not awaited). Returns the unsubscriber.
   */
  onChange(listener: LeadershipListener): () => void;
  /** Joins the cluster; resolves after the first attempt to lead, whatever its outcome. Safe to call twice. */
  start(): Promise<void>;
  /** Steps down (listeners told first), releases the lock and leaves the members list. Safe to call twice. */
  stop(): Promise<void>;
  /** Instances seen within the last few seconds (as of the last heartbeat), this one included. */
  members(): ClusterMember[];
}

/** Calls every listener; one that throws does not keep the others from hearing it. */
export function tellListeners(listeners: Iterable<LeadershipListener>, state: LeadershipState, onError?: (err: unknown) => void): void {
  for (const l of [...listeners]) {
    try {
      l(state.isLeader, state);
    } catch (err) {
      onError?.(err);
    }
  }
}

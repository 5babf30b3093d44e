// The one instance on an embedded store (memory, file): the leader from start to stop, term 1. The
// file engine's lock file already keeps a second process off the same store.
import { tellListeners, type ClusterMember, type Leadership, type LeadershipListener, type LeadershipState } from './leadership.js';

export class SoloLeadership implements Leadership {
  private leading = false;
  private readonly listeners = new Set<LeadershipListener>();

  constructor(
    readonly instanceId = 'escalatord',
    private readonly now: () => Date = () => new Date(),
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  get term(): number {
    return 1;
  }

  get leader(): string | null {
    return this.leading ? this.instanceId : null;
  }

  onChange(listener: LeadershipListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.leading) return;
    this.leading = true;
    tellListeners(this.listeners, this.state());
  }

  async stop(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    tellListeners(this.listeners, this.state());
  }

  members(): ClusterMember[] {
    return this.leading ? [{ instance: this.instanceId, role: 'leader', lastSeen: this.now().toISOString() }] : [];
  }

  private state(): LeadershipState {
    return { isLeader: this.leading, term: this.term, leader: this.leader };
  }
}

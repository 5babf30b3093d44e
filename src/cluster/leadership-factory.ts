// Which instance runs the jobs with outside side effects. With the embedded engines there is one
// instance, always the leader; with postgres, leadership is an advisory lock (src/cluster/*).
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/port.js';

export interface Leadership {
  readonly isLeader: boolean;
  /** Listeners hear every change synchronously, a loss before anything else can happen. */
  onChange(listener: (leader: boolean) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The one instance on an embedded store: leader from start to stop. */
export class SoloLeadership implements Leadership {
  private leader = false;
  private readonly listeners: Array<(leader: boolean) => void> = [];
  get isLeader(): boolean {
    return this.leader;
  }
  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }
  async start(): Promise<void> {
    if (this.leader) return;
    this.leader = true;
    for (const l of this.listeners) l(true);
  }
  async stop(): Promise<void> {
    if (!this.leader) return;
    this.leader = false;
    for (const l of this.listeners) l(false);
  }
}

export function createLeadership(_config: Config, _deps: { store: Store; registry: Registry; logger: Logger }): Leadership {
  return new SoloLeadership();
}

// Random faults for the console simulator: on each tick every healthy server may get a fault with
// probability `rate`, and every fault recovers by itself a few ticks later. Time is counted in ticks, not
// wall-clock, so a test can drive it with `tick()` and get the same story from the same seed.
import type { ReportedComponent } from '../domain/types.js';
import { HARDWARE_COMPONENTS, SOFTWARE_COMPONENTS, pick, type Random } from './fleet.js';
import type { FleetState, StatusChange } from './fleet-state.js';

export interface FaultInjectorDeps {
  state: FleetState;
  random: Random;
  /** Probability per server per tick that a fault starts. */
  rate: number;
  /** Inclusive range of ticks after which a fault recovers. */
  recoverAfterTicks: readonly [number, number];
}

const REACHABILITY = '#reachable';

export class FaultInjector {
  private tickCount = 0;
  /** `serverId/component` (or `serverId/#reachable`) → tick at which the fault recovers. */
  private readonly active = new Map<string, number>();

  constructor(private readonly deps: FaultInjectorDeps) {}

  get activeFaults(): number {
    return this.active.size;
  }

  /**
   * Advances one tick: recovers due faults, then, unless `newFaults` is false, rolls new ones. Pausing
   * faults still lets the ones already running recover, so a paused fleet drifts back to healthy.
   * Returns the changes, one entry per server.
   */
  tick(now: Date, newFaults = true): StatusChange[] {
    this.tickCount++;
    const changes = new Map<string, StatusChange>();
    this.recoverDue(now, changes);
    if (newFaults && this.deps.rate > 0) {
      for (const serverId of this.deps.state.ids()) {
        if (this.deps.random() < this.deps.rate) this.startFault(serverId, now, changes);
      }
    }
    return [...changes.values()];
  }

  /** The control API took over this component (or reachability): it no longer recovers by itself. */
  release(serverId: string, component: string | null): void {
    this.active.delete(`${serverId}/${component ?? REACHABILITY}`);
  }

  clear(): void {
    this.active.clear();
  }

  private recoverDue(now: Date, changes: Map<string, StatusChange>): void {
    for (const [key, due] of this.active) {
      if (due > this.tickCount) continue;
      this.active.delete(key);
      const slash = key.indexOf('/');
      const serverId = key.slice(0, slash);
      const target = key.slice(slash + 1);
      if (target === REACHABILITY) {
        if (this.deps.state.setReachable(serverId, true)) entry(changes, serverId, true).reachableChanged = true;
      } else {
        const changed = this.deps.state.setComponent(serverId, target, 'ok', undefined, now);
        if (changed) addComponent(entry(changes, serverId, this.reachable(serverId)), changed);
      }
    }
  }

  private startFault(serverId: string, now: Date, changes: Map<string, StatusChange>): void {
    const { random, state } = this.deps;
    const roll = random();
    const recoverAt = this.tickCount + this.recoveryTicks();
    if (roll < 0.1) {
      // The console losing the server is rarer than a component fault, and hides nothing else.
      if (this.active.has(`${serverId}/${REACHABILITY}`) || !state.setReachable(serverId, false)) return;
      this.active.set(`${serverId}/${REACHABILITY}`, recoverAt);
      entry(changes, serverId, false).reachableChanged = true;
      return;
    }
    const spec = pick(random, roll < 0.65 ? SOFTWARE_COMPONENTS : HARDWARE_COMPONENTS);
    const key = `${serverId}/${spec.name}`;
    if (this.active.has(key) || state.component(serverId, spec.name)?.status !== 'ok') return;
    // Software tends to fail outright; hardware tends to degrade first (a disk, a fan, a PSU).
    const failed = random() < (spec.kind === 'software' ? 0.6 : 0.4);
    const message = pick(random, failed ? spec.failed : spec.degraded);
    const changed = state.setComponent(serverId, spec.name, failed ? 'failed' : 'degraded', message, now);
    this.active.set(key, recoverAt);
    if (changed) addComponent(entry(changes, serverId, this.reachable(serverId)), changed);
  }

  private recoveryTicks(): number {
    const [min, max] = this.deps.recoverAfterTicks;
    return min + Math.floor(this.deps.random() * (max - min + 1));
  }

  private reachable(serverId: string): boolean {
    return this.deps.state.server(serverId)?.reachable ?? true;
  }
}

function entry(changes: Map<string, StatusChange>, serverId: string, reachable: boolean): StatusChange {
  let change = changes.get(serverId);
  if (!change) {
    change = { serverId, reachable, reachableChanged: false, components: [] };
    changes.set(serverId, change);
  }
  change.reachable = reachable;
  return change;
}

function addComponent(change: StatusChange, component: ReportedComponent): void {
  const i = change.components.findIndex((c) => c.name === component.name);
  if (i >= 0) change.components[i] = component;
  else change.components.push(component);
}

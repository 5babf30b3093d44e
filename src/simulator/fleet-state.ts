// The console simulator's view of its fleet: current component statuses with their `since` instants,
// and the JSON it serves, cached per server so that polling 10,000 servers costs a string concat each.
import type { ComponentStatus, ReportedComponent } from '../domain/types.js';
import { COMPONENT_CATALOGUE, type FleetServer } from './fleet.js';

interface ServerRecord {
  server: FleetServer;
  reachable: boolean;
  components: ReportedComponent[];
  byName: Map<string, ReportedComponent>;
  /** `{"serverId":…,"name":…,"customerId":…,` — never changes. */
  prefix: string;
  /** `"reachable":…,"components":[…]}` — rebuilt lazily after a change. */
  tail: string | null;
}

/** What changed on one server: the new reachability and only the components whose status changed. */
export interface StatusChange {
  serverId: string;
  reachable: boolean;
  reachableChanged: boolean;
  components: ReportedComponent[];
}

export class UnknownServerError extends Error {
  readonly code = 'unknown_server';
}
export class UnknownComponentError extends Error {
  readonly code = 'unknown_component';
}

export class FleetState {
  private readonly records = new Map<string, ServerRecord>();
  private listJson = '';

  constructor(private readonly fleet: readonly FleetServer[], now: Date) {
    this.reset(now);
  }

  /** Every server back to reachable with all components ok; returns what that changed. */
  reset(now: Date): StatusChange[] {
    const since = now.toISOString();
    const changes: StatusChange[] = [];
    for (const server of this.fleet) {
      const previous = this.records.get(server.id);
      const components: ReportedComponent[] = COMPONENT_CATALOGUE.map((c) => {
        const old = previous?.byName.get(c.name);
        return old && old.status === 'ok' ? old : { name: c.name, kind: c.kind, status: 'ok', since };
      });
      const record: ServerRecord = {
        server,
        reachable: true,
        components,
        byName: new Map(components.map((c) => [c.name, c])),
        prefix: `{"serverId":${JSON.stringify(server.id)},"name":${JSON.stringify(server.name)},"customerId":${JSON.stringify(server.customerId)},`,
        tail: null,
      };
      this.records.set(server.id, record);
      if (previous) {
        const changed = components.filter((c) => previous.byName.get(c.name)?.status !== 'ok');
        if (changed.length > 0 || !previous.reachable) {
          changes.push({ serverId: server.id, reachable: true, reachableChanged: !previous.reachable, components: changed });
        }
      }
    }
    this.listJson = JSON.stringify({ servers: this.fleet.map((s) => ({ id: s.id, name: s.name, customerId: s.customerId })) });
    return changes;
  }

  /** The body of `GET /api/v1/servers`, built once: the fleet never changes shape. */
  serversJson(): string {
    return this.listJson;
  }

  has(serverId: string): boolean {
    return this.records.has(serverId);
  }

  ids(): IterableIterator<string> {
    return this.records.keys();
  }

  get size(): number {
    return this.records.size;
  }

  server(serverId: string): { server: FleetServer; reachable: boolean; components: readonly ReportedComponent[] } | undefined {
    return this.records.get(serverId);
  }

  component(serverId: string, name: string): ReportedComponent | undefined {
    return this.records.get(serverId)?.byName.get(name);
  }

  /** The body of `GET /api/v1/servers/{id}/status`, or undefined for an unknown server. */
  statusJson(serverId: string, observedAt: Date): string | undefined {
    const record = this.records.get(serverId);
    if (!record) return undefined;
    record.tail ??= `"reachable":${record.reachable},"components":${JSON.stringify(record.components)}}`;
    return `${record.prefix}"observedAt":"${observedAt.toISOString()}",${record.tail}`;
  }

  /**
   * Sets one component's status. `since` moves only when the status changes; a new message on the same
   * status is an update, not a transition. Returns the component when its status changed, else null.
   */
  setComponent(serverId: string, name: string, status: ComponentStatus, message: string | undefined, now: Date): ReportedComponent | null {
    const record = this.records.get(serverId);
    if (!record) throw new UnknownServerError(`unknown server ${serverId}`);
    const current = record.byName.get(name);
    if (!current) throw new UnknownComponentError(`unknown component ${name}`);
    const changed = current.status !== status;
    const next: ReportedComponent = { name, kind: current.kind, status, since: changed ? now.toISOString() : current.since };
    if (status !== 'ok' && message) next.message = message;
    if (!changed && next.message === current.message) return null;
    record.components[record.components.indexOf(current)] = next;
    record.byName.set(name, next);
    record.tail = null;
    return changed ? next : null;
  }

  /** Returns true when reachability changed. */
  setReachable(serverId: string, reachable: boolean): boolean {
    const record = this.records.get(serverId);
    if (!record) throw new UnknownServerError(`unknown server ${serverId}`);
    if (record.reachable === reachable) return false;
    record.reachable = reachable;
    record.tail = null;
    return true;
  }

  /** Counts by status, for logs and tests. */
  summary(): { servers: number; unreachable: number; failed: number; degraded: number } {
    let unreachable = 0;
    let failed = 0;
    let degraded = 0;
    for (const record of this.records.values()) {
      if (!record.reachable) unreachable++;
      for (const c of record.components) {
        if (c.status === 'failed') failed++;
        else if (c.status === 'degraded') degraded++;
      }
    }
    return { servers: this.records.size, unreachable, failed, degraded };
  }
}

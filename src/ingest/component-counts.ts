// Components per kind and status, kept up to date as server records are replaced, so the
// `escalatord_components` gauge costs nothing at scrape time however large the fleet.
import type { ComponentStatus, ServerState } from '../domain/types.js';

const STATUSES: readonly ComponentStatus[] = ['ok', 'degraded', 'failed', 'unknown'];

export class ComponentCounts {
  // [software ok, degraded, failed, unknown, hardware ok, degraded, failed, unknown]
  private readonly counts = new Float64Array(8);

  /** Counts everything from scratch (after the store is loaded). */
  reset(servers: Iterable<ServerState>): void {
    this.counts.fill(0);
    for (const server of servers) this.add(server, 1);
  }

  /** A server record was replaced (or added, or removed). */
  replace(prev: ServerState | undefined, next: ServerState | undefined): void {
    if (prev) this.add(prev, -1);
    if (next) this.add(next, 1);
  }

  samples(): Array<{ labels: { kind: 'software' | 'hardware'; status: ComponentStatus }; value: number }> {
    const out = [];
    for (let k = 0; k < 2; k++) {
      for (let s = 0; s < STATUSES.length; s++) out.push({ labels: { kind: k === 0 ? 'software' as const : 'hardware' as const, status: STATUSES[s] }, value: this.counts[k * 4 + s] });
    }
    return out;
  }

  private add(server: ServerState, sign: 1 | -1): void {
    for (const name in server.components) {
      const c = server.components[name];
      this.counts[(c.kind === 'software' ? 0 : 4) + STATUSES.indexOf(c.status)] += sign;
    }
  }
}

// Which servers the daemon keeps state for. With Monitoring Consoles configured, the consoles' server
// lists are the inventory: a report naming a server no console lists is refused (after at most one
// refresh of each console's list per `inventoryRefresh`), so a sender cannot grow the store at will.
// Without a console (Alertmanager alone), servers are known from reports, up to `maxServers`.
import type { ServerReads } from '../store/port.js';

export interface ConsoleLister {
  readonly id: string;
  listServers(): Promise<Array<{ id: string; name: string; customerId: string }>>;
}

export interface InventoryDeps {
  consoles: () => readonly ConsoleLister[];
  servers: Pick<ServerReads, 'getMany' | 'count'>;
  refreshEveryMs: number;
  maxServers: number;
  now: () => number;
  onRefreshError?: (consoleId: string, err: unknown) => void;
}

export interface Admission<T> {
  accepted: T[];
  refused: Array<{ serverId: string; reason: string }>;
}

export class ServerInventory {
  private readonly listed = new Map<string, Map<string, { name: string; customerId: string }>>();
  private readonly lastRefresh = new Map<string, number>();
  private readonly refreshing = new Map<string, Promise<void>>();

  constructor(private readonly deps: InventoryDeps) {}

  /** A console's full list, as the poller just read it. */
  update(consoleId: string, servers: ReadonlyArray<{ id: string; name: string; customerId: string }>): void {
    this.listed.set(consoleId, new Map(servers.map((s) => [s.id, { name: s.name, customerId: s.customerId }])));
    this.lastRefresh.set(consoleId, this.deps.now());
  }

  /** Whether this instance has read the console's list (a follower may not have yet). */
  hasList(consoleId: string): boolean {
    return this.listed.has(consoleId);
  }

  /** Whether any console lists the server. */
  lists(serverId: string): boolean {
    for (const m of this.listed.values()) if (m.has(serverId)) return true;
    return false;
  }

  /** Splits reports into those for known servers and those refused, refreshing consoles once if needed. */
  async admit<T extends { serverId: string }>(reports: readonly T[]): Promise<Admission<T>> {
    // A server a console lists needs no look-up in the store.
    const unlisted = [...new Set(reports.map((r) => r.serverId))].filter((id) => !this.lists(id));
    const stored = unlisted.length > 0 ? await this.deps.servers.getMany(unlisted) : new Map<string, unknown>();
    let unknown = unlisted.filter((id) => !stored.has(id));
    if (unknown.length > 0 && this.deps.consoles().length > 0) {
      await this.refresh();
      unknown = unknown.filter((id) => !this.lists(id));
    } else if (unknown.length > 0) {
      // No console: the store is the inventory, up to the cap.
      const room = this.deps.maxServers - (await this.deps.servers.count());
      unknown = unknown.slice(Math.max(0, room));
    }
    if (unknown.length === 0) return { accepted: [...reports], refused: [] };
    const refusedIds = new Set(unknown);
    const reason = this.deps.consoles().length > 0
      ? 'no Monitoring Console lists this server'
      : `the daemon already keeps the most servers it may (ingest.maxServers = ${this.deps.maxServers})`;
    return {
      accepted: reports.filter((r) => !refusedIds.has(r.serverId)),
      refused: unknown.map((serverId) => ({ serverId, reason })),
    };
  }

  /** Re-reads each console's list, at most once per `refreshEveryMs` per console; concurrent callers share it. */
  private async refresh(): Promise<void> {
    const now = this.deps.now();
    await Promise.all(this.deps.consoles().map((c) => {
      const running = this.refreshing.get(c.id);
      if (running) return running;
      if (now - (this.lastRefresh.get(c.id) ?? -Infinity) < this.deps.refreshEveryMs) return undefined;
      this.lastRefresh.set(c.id, now);
      const p = c.listServers()
        .then((servers) => this.update(c.id, servers), (err: unknown) => this.deps.onRefreshError?.(c.id, err))
        .finally(() => this.refreshing.delete(c.id));
      this.refreshing.set(c.id, p);
      return p;
    }));
  }
}

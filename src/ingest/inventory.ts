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
  /** Gives back the room held for the new servers admitted: call once their delivery is stored, or has failed. */
  release: () => void;
}

const NOTHING_HELD = () => undefined;

export class ServerInventory {
  private readonly listed = new Map<string, Map<string, { name: string; customerId: string }>>();
  private readonly lastRefresh = new Map<string, number>();
  private readonly refreshing = new Map<string, Promise<void>>();
  /**
   * Without a console: new servers admitted by deliveries not yet stored, with how many deliveries hold
   * each. The store's count does not include them yet, so without this, deliveries arriving together each
   * saw the same room and together went past the cap.
   */
  private readonly held = new Map<string, number>();

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
    let release: () => void = NOTHING_HELD;
    if (unknown.length > 0 && this.deps.consoles().length > 0) {
      await this.refresh();
      unknown = unknown.filter((id) => !this.lists(id));
    } else if (unknown.length > 0) {
      // No console: the store is the inventory, up to the cap, counting what deliveries in flight hold and
      // have not stored yet (read beside the count, so a server just stored is not counted twice).
      const heldBefore = [...this.held.keys()];
      const [count, heldStored] = await Promise.all([
        this.deps.servers.count(),
        heldBefore.length > 0 ? this.deps.servers.getMany(heldBefore) : new Map<string, unknown>(),
      ]);
      // Held read again after the await: admissions in between have already taken their room.
      let pending = 0;
      for (const id of this.held.keys()) if (!heldStored.has(id)) pending++;
      const room = Math.max(0, this.deps.maxServers - count - pending);
      const fresh = unknown.filter((id) => !this.held.has(id));
      const refusedFresh = new Set(fresh.slice(room));
      const admitted = unknown.filter((id) => !refusedFresh.has(id));
      release = this.hold(admitted);
      unknown = [...refusedFresh];
    }
    if (unknown.length === 0) return { accepted: [...reports], refused: [], release };
    const refusedIds = new Set(unknown);
    const reason = this.deps.consoles().length > 0
      ? 'no Monitoring Console lists this server'
      : `the daemon already keeps the most servers it may (ingest.maxServers = ${this.deps.maxServers})`;
    return {
      accepted: reports.filter((r) => !refusedIds.has(r.serverId)),
      refused: unknown.map((serverId) => ({ serverId, reason })),
      release,
    };
  }

  /** Holds room for `ids` until the returned function is called (once; later calls do nothing). */
  private hold(ids: readonly string[]): () => void {
    if (ids.length === 0) return NOTHING_HELD;
    for (const id of ids) this.held.set(id, (this.held.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const id of ids) {
        const n = (this.held.get(id) ?? 1) - 1;
        if (n > 0) this.held.set(id, n);
        else this.held.delete(id);
      }
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

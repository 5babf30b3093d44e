// Resolved incidents past retention move from the live file to an append-only JSON-lines archive, so
// the live file (rewritten on every commit) stays small however long the daemon runs. The archive line
// is fsynced before the incident leaves the live file: a crash between the two leaves a duplicate in
// the archive, never a loss.
import { open } from 'node:fs/promises';
import type { Incident } from '../domain/types.js';
import type { Store } from './types.js';

export class Archive {
  constructor(private readonly deps: { store: Store; path: string | null; maxPerPass?: number; maxLiveIncidents?: number }) {}

  /**
   * Moves resolved incidents older than the retention, and beyond that the oldest resolved ones while
   * the live file holds more than `maxLiveIncidents`, to the archive. Open incidents always stay.
   */
  async archiveResolved(now: Date, retentionMs: number): Promise<number> {
    const cutoff = new Date(now.getTime() - retentionMs).toISOString();
    const max = this.deps.maxPerPass ?? 20_000;
    const all = Object.values(this.deps.store.data.incidents);
    let excess = Math.max(0, all.length - (this.deps.maxLiveIncidents ?? Infinity));
    const old: Incident[] = [];
    // Ids grow with time, so the map's insertion order is oldest first.
    for (const incident of all) {
      if (incident.status !== 'resolved' || incident.resolvedAt === null) continue;
      if (incident.resolvedAt < cutoff || excess > 0) {
        old.push(incident);
        excess--;
        if (old.length >= max) break;
      }
    }
    if (old.length === 0) return 0;
    if (this.deps.path) {
      const handle = await open(this.deps.path, 'a', 0o600);
      try {
        await handle.writeFile(old.map((i) => JSON.stringify(i)).join('\n') + '\n', 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    await this.deps.store.commit((d) => {
      for (const i of old) {
        delete d.incidents[i.id];
        if (i.ticket?.id && d.ticketIndex[i.ticket.id] === i.id) delete d.ticketIndex[i.ticket.id];
      }
    });
    return old.length;
  }
}

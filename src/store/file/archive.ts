// Resolved incidents leave the file engine's live store for an append-only JSON-lines archive
// (`<storage.path>.archive.jsonl`, one incident per line), so the snapshot stays small however long the
// daemon runs: those resolved before `storage.resolvedRetention`, and — while more than
// `storage.maxLiveIncidents` are live — the oldest resolved ones beyond that. Open incidents always stay.
// The archive lines are fsync'd before the unit of work that deletes the incidents: a crash between the
// two leaves a duplicate in the archive (the incident is archived again by the next pass), never a loss.
// Only the file engine archives; postgres keeps the history in its table.
import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Store, StoredIncident } from '../port.js';
import { AppendOnlyFile, completeLinesLength } from './append-only-file.js';

export interface ArchiveOptions {
  store: Store;
  /** The archive file: `<storage.path>.archive.jsonl`. */
  path: string;
  /** Incidents moved by one pass at most. Default 5,000. */
  maxPerPass?: number;
  /** `storage.maxLiveIncidents`: beyond this many incidents in the store, the oldest resolved ones go, retention or not. Default: no cap. */
  maxLiveIncidents?: number;
}

/** Later than any resolvedAt: `resolvedBefore(END, n)` lists the oldest resolved incidents. */
const END = '\uffff';

export class Archive {
  constructor(private readonly options: ArchiveOptions) {}

  /**
   * One pass: moves resolved incidents resolved more than `retentionMs` before `now`, then the oldest
   * resolved beyond `maxLiveIncidents`, to the archive. Returns how many left the live store.
   */
  async archiveResolved(now: Date, retentionMs: number): Promise<number> {
    const { store } = this.options;
    const max = this.options.maxPerPass ?? 5_000;
    const cutoff = new Date(now.getTime() - retentionMs).toISOString();
    const picked = new Map<string, StoredIncident>();
    for (const i of await store.read.incidents.resolvedBefore(cutoff, max)) picked.set(i.id, i);
    const excess = (await store.read.incidents.count()) - picked.size - (this.options.maxLiveIncidents ?? Infinity);
    if (excess > 0 && picked.size < max) {
      for (const i of await store.read.incidents.resolvedBefore(END, picked.size + Math.min(excess, max - picked.size))) picked.set(i.id, i);
    }
    if (picked.size === 0) return 0;

    await this.append([...picked.values()]);
    return store.transaction(async (uow) => {
      let moved = 0;
      for (const archived of picked.values()) {
        // Changed since it was read (a late comment, reopened): the live record is the newer one; it stays
        // for a later pass, and the archive holds an older copy besides.
        const current = await uow.incidents.get(archived.id);
        if (!current || current.status !== 'resolved' || (current !== archived && JSON.stringify(current) !== JSON.stringify(archived))) continue;
        uow.incidents.delete(archived.id);
        moved += 1;
      }
      return moved;
    });
  }

  /** Appends one line per incident, durably; a torn line left by an earlier crash is cut off first. */
  private async append(incidents: readonly StoredIncident[]): Promise<void> {
    mkdirSync(dirname(this.options.path), { recursive: true });
    const file = new AppendOnlyFile(this.options.path);
    await file.open(await completeLinesLength(this.options.path));
    try {
      await file.append(Buffer.from(incidents.map((i) => `${JSON.stringify(i)}\n`).join(''), 'utf8'));
    } finally {
      await file.close();
    }
  }
}

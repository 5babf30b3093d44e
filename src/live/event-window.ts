// The hub's view of the event log: the newest events the store holds, loaded once at start-up and then
// kept by every committed event the store reports (from every instance, in seq order). It answers the
// hub synchronously, so a replay never interleaves with a publish.
import type { LoggedEvent } from '../domain/types.js';
import type { EventReads } from '../store/port.js';
import type { LiveEventLog } from './live-hub-deps.js';

export class EventWindow implements LiveEventLog {
  private events: LoggedEvent[] = [];
  private last = 0;

  constructor(private readonly size: number) {}

  /** Loads the newest `size` events of the store's log. */
  async load(read: EventReads): Promise<void> {
    const latest = await read.latestSeq();
    const from = Math.max(0, latest - this.size);
    const loaded = (await read.since(from, this.size)) ?? (await read.since(latest, this.size)) ?? [];
    this.events = loaded;
    this.last = Math.max(latest, loaded.length > 0 ? loaded[loaded.length - 1].seq : 0);
  }

  /** Appends committed events (already in seq order); ones it holds already are skipped. */
  add(events: readonly LoggedEvent[]): void {
    for (const e of events) {
      if (e.seq <= this.last) continue;
      this.events.push(e);
      this.last = e.seq;
    }
    // Trim in batches so the array is not shifted on every append.
    if (this.events.length > this.size + Math.max(16, this.size >> 4)) this.events.splice(0, this.events.length - this.size);
  }

  latestSeq(): number {
    return this.last;
  }

  since(fromSeq: number): LoggedEvent[] | null {
    if (fromSeq >= this.last) return [];
    const oldest = this.events.length > 0 ? this.events[0].seq : this.last + 1;
    if (fromSeq < oldest - 1) return null;
    // Seqs are contiguous within the window.
    return this.events.slice(fromSeq - oldest + 1);
  }
}

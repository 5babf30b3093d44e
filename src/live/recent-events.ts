// The last few published events with their wire frames. Publishing serialises an event once for every
// client; a client catching up reuses that frame instead of serialising again, and an event that was
// published before the event log could return it is still replayed.
import type { LoggedEvent } from '../domain/types.js';

/** `{"type","seq","at","data","scope"?}`: scope travels alongside data so filters are visible to clients. */
export function frameEvent(event: LoggedEvent): Buffer {
  const frame: Record<string, unknown> = { type: event.type, seq: event.seq, at: event.at, data: event.data };
  if (event.scope) frame.scope = event.scope;
  return Buffer.from(JSON.stringify(frame));
}

export class RecentEvents {
  private readonly bySeq = new Map<number, { event: LoggedEvent; frame: Buffer }>();

  constructor(private readonly capacity: number) {}

  /** Remembers the event and returns its frame; the oldest entry goes once the capacity is reached. */
  add(event: LoggedEvent): Buffer {
    const known = this.bySeq.get(event.seq);
    if (known) return known.frame;
    const frame = frameEvent(event);
    this.bySeq.set(event.seq, { event, frame });
    if (this.bySeq.size > this.capacity) {
      const oldest = this.bySeq.keys().next().value;
      if (oldest !== undefined) this.bySeq.delete(oldest);
    }
    return frame;
  }

  frameFor(event: LoggedEvent): Buffer {
    return this.bySeq.get(event.seq)?.frame ?? frameEvent(event);
  }

  /** Remembered events with seq > fromSeq (unordered). */
  after(fromSeq: number): LoggedEvent[] {
    const out: LoggedEvent[] = [];
    for (const [seq, entry] of this.bySeq) if (seq > fromSeq) out.push(entry.event);
    return out;
  }

  clear(): void {
    this.bySeq.clear();
  }
}

/** Merges the log's events with remembered ones: seq > fromSeq, each seq once, ascending. */
export function mergeSince(fromSeq: number, logged: readonly LoggedEvent[], recent: readonly LoggedEvent[]): LoggedEvent[] {
  const bySeq = new Map<number, LoggedEvent>();
  for (const event of logged) if (event.seq > fromSeq) bySeq.set(event.seq, event);
  for (const event of recent) if (event.seq > fromSeq && !bySeq.has(event.seq)) bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

// The bounded, persisted event log: every domain event gets the next sequence number in the same commit
// as the change it describes, so a live client can resume from any seq the log still holds.
import type { DomainEvent, LoggedEvent } from '../domain/types.js';
import type { StoreData } from './types.js';

export function appendEvent(data: StoreData, event: DomainEvent, at: Date, maxEvents: number): LoggedEvent {
  data.lastSeq += 1;
  const logged: LoggedEvent = { ...event, seq: data.lastSeq, at: at.toISOString() };
  data.events.push(logged);
  // Trim in batches so the array is not shifted on every single append.
  if (data.events.length > maxEvents + Math.max(16, maxEvents >> 4)) data.events.splice(0, data.events.length - maxEvents);
  return logged;
}

/** Events with seq > fromSeq, in order; null when the log no longer holds all of them. */
export function eventsSince(data: Readonly<StoreData>, fromSeq: number): LoggedEvent[] | null {
  if (fromSeq >= data.lastSeq) return [];
  const events = data.events;
  const oldest = events.length > 0 ? events[0].seq : data.lastSeq + 1;
  if (fromSeq < oldest - 1) return null;
  // seqs are contiguous within the log, so the start index is arithmetic.
  return events.slice(fromSeq - oldest + 1);
}

// The write-ahead journal behind the store file. A commit appends one line holding only what changed
// since the previous write (and fsyncs it), so the cost of a commit follows the size of the change,
// not the size of the store. Every so often the whole document is written as a new snapshot (temp file,
// fsync, rename, fsync the folder) and the journal starts again. Loading = snapshot + journal replay.
//
// Writes to `servers`, `incidents` and the other keyed maps are recorded by a proxy, so a diff visits
// only the entries written since the last one. Their records must be replaced, never mutated in place
// (a mutation inside a record is not seen). Other keys are compared by their JSON text: they are small.

type Doc = Record<string, unknown>;

/** Maps whose entries are journaled one by one. Values: records replaced on change, or strings. */
const KEYED = ['servers', 'incidents', 'dedup', 'openIndex', 'ticketIndex'] as const;

export interface Delta {
  /** Keyed maps: entries set and keys deleted. */
  set?: Record<string, Record<string, unknown>>;
  del?: Record<string, string[]>;
  /** Events appended since the last write. */
  events?: unknown[];
  /** Whole values of the small keys that changed. */
  put?: Doc;
}

export class DeltaTracker {
  /** Per keyed map: the proxy we handed out and the keys written or deleted through it since the last diff. */
  private tracked = new Map<string, { proxy: Record<string, unknown>; dirty: Set<string> }>();
  private small = new Map<string, string>();
  private lastEventSeq = 0;

  /**
   * Remembers `doc` as what is on disk (after a load or a snapshot) and puts a recording proxy in front
   * of each keyed map, so a diff visits only the entries that were written, not the whole map.
   */
  reset(doc: Doc): void {
    for (const key of KEYED) this.track(doc, key);
    this.small = new Map();
    for (const [k, v] of Object.entries(doc)) if (!isKeyed(k) && k !== 'events') this.small.set(k, JSON.stringify(v));
    this.lastEventSeq = lastSeqOf(doc);
  }

  /** What changed in `doc` since the last reset or diff; remembers `doc` as written. */
  diff(doc: Doc): Delta {
    const delta: Delta = {};
    for (const key of KEYED) {
      const entry = this.tracked.get(key);
      if (!entry || doc[key] !== entry.proxy) {
        // The map was replaced wholesale: journal all of it and track the new one.
        const all = { ...((doc[key] as Doc) ?? {}) };
        (delta.put ??= {})[key] = all;
        this.track(doc, key);
        continue;
      }
      if (entry.dirty.size === 0) continue;
      let set: Record<string, unknown> | undefined;
      let del: string[] | undefined;
      for (const id of entry.dirty) {
        if (Object.prototype.hasOwnProperty.call(entry.proxy, id)) (set ??= {})[id] = entry.proxy[id];
        else (del ??= []).push(id);
      }
      entry.dirty.clear();
      if (set) (delta.set ??= {})[key] = set;
      if (del) (delta.del ??= {})[key] = del;
    }
    const events = (doc.events as Array<{ seq: number }>) ?? [];
    const fresh: unknown[] = [];
    for (let i = events.length - 1; i >= 0 && events[i].seq > this.lastEventSeq; i--) fresh.push(events[i]);
    if (fresh.length > 0) delta.events = fresh.reverse();
    this.lastEventSeq = lastSeqOf(doc);
    for (const [k, v] of Object.entries(doc)) {
      if (isKeyed(k) || k === 'events') continue;
      const text = JSON.stringify(v);
      if (this.small.get(k) !== text) {
        (delta.put ??= {})[k] = v;
        this.small.set(k, text);
      }
    }
    return delta;
  }

  private track(doc: Doc, key: string): void {
    const existing = this.tracked.get(key);
    if (existing && doc[key] === existing.proxy) {
      existing.dirty.clear();
      return;
    }
    const target = (doc[key] as Record<string, unknown>) ?? {};
    const dirty = new Set<string>();
    const proxy = new Proxy(target, {
      set(t, prop, value) {
        if (typeof prop === 'string') dirty.add(prop);
        return Reflect.set(t, prop, value);
      },
      deleteProperty(t, prop) {
        if (typeof prop === 'string') dirty.add(prop);
        return Reflect.deleteProperty(t, prop);
      },
    });
    doc[key] = proxy;
    this.tracked.set(key, { proxy, dirty });
  }
}

export function isEmptyDelta(delta: Delta): boolean {
  return !delta.set && !delta.del && !delta.events && !delta.put;
}

/** Applies one journal entry to a loaded document. Idempotent: replaying an entry twice is harmless. */
export function applyDelta(doc: Doc, delta: Delta, maxEvents: number): void {
  for (const [key, entries] of Object.entries(delta.set ?? {})) doc[key] = Object.assign((doc[key] as Doc) ?? {}, entries);
  for (const [key, ids] of Object.entries(delta.del ?? {})) {
    const map = (doc[key] as Doc) ?? {};
    for (const id of ids) delete map[id];
  }
  if (delta.events) {
    const events = ((doc.events as Array<{ seq: number }>) ?? []).slice();
    const last = events.length > 0 ? events[events.length - 1].seq : 0;
    for (const e of delta.events as Array<{ seq: number }>) if (e.seq > last) events.push(e);
    doc.events = events.length > maxEvents ? events.slice(events.length - maxEvents) : events;
  }
  Object.assign(doc, delta.put ?? {});
}

function isKeyed(key: string): boolean {
  return (KEYED as readonly string[]).includes(key);
}

function lastSeqOf(doc: Doc): number {
  const events = (doc.events as Array<{ seq: number }>) ?? [];
  return events.length > 0 ? events[events.length - 1].seq : 0;
}

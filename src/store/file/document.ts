// The snapshot document of schema 2 (what Tables.toDocument writes) and the reading of older ones.
// Schema 1 is the single JSON document of escalatord before the storage port: servers and incidents as
// objects keyed by id, the outbox as an array without lanes, dedup keys mapped to when they were first
// seen, beside a journal of deltas ({set, del, events, put}). Schema 0 is a schema-1 document without
// its version. Migration reads what was there and changes nothing on disk; the engine writes the result.
import { laneOf, type DeadLetter, type OutboxItem } from '../port.js';
import type { DocumentV2, OutboxRow } from '../memory/tables.js';
import { StoreCorruptError } from './errors.js';

export const SCHEMA_VERSION = 2;

type Doc = Record<string, unknown>;
const isRecord = (v: unknown): v is Doc => v !== null && typeof v === 'object' && !Array.isArray(v);

export function schemaVersionOf(doc: Doc, file: string): number {
  const v = doc.schemaVersion;
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new StoreCorruptError(file, `schemaVersion is ${JSON.stringify(v)}`);
  return v;
}

/** Checks the shape of a schema-2 document (not every field of every record: the types guard those). */
export function checkDocumentV2(doc: Doc, file: string): DocumentV2 {
  const bad = (what: string) => new StoreCorruptError(file, `${what} is missing or malformed`);
  for (const key of ['servers', 'incidents', 'outbox', 'deadLetters', 'events', 'maintenance', 'audit'] as const) {
    const list = doc[key];
    if (!Array.isArray(list) || !list.every(isRecord)) throw bad(key);
  }
  for (const key of ['dedup', 'meta'] as const) {
    const list = doc[key];
    if (!Array.isArray(list) || !list.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string')) throw bad(key);
  }
  if (!(doc.dedup as unknown[][]).every((p) => typeof p[1] === 'string')) throw bad('dedup');
  if (typeof doc.lastSeq !== 'number' || typeof doc.lastAuditId !== 'number') throw bad('lastSeq/lastAuditId');
  const counters = doc.counters;
  if (!isRecord(counters) || typeof counters.incident !== 'number' || typeof counters.outbox !== 'number') throw bad('counters');
  return doc as unknown as DocumentV2;
}

/** An empty store. */
export function emptyDocument(): DocumentV2 {
  return {
    schemaVersion: 2, servers: [], incidents: [], outbox: [], deadLetters: [], events: [], lastSeq: 0, dedup: [], maintenance: [],
    meta: [], audit: [], lastAuditId: 0, counters: { incident: 0, outbox: 0 },
  };
}

// ---- schema 0/1 ----------------------------------------------------------------------------------

interface LegacyDelta {
  set?: Record<string, Doc>;
  del?: Record<string, string[]>;
  events?: Array<{ seq: number }>;
  put?: Doc;
}

/**
 * Folds a schema-1 journal into its snapshot, as the daemon of schema 1 did at start-up: every complete
 * line is a delta; the piece after the last newline was torn by a crash and never acknowledged.
 */
export function foldLegacyJournal(doc: Doc, text: string, file: string): void {
  const lines = text.split('\n').slice(0, -1);
  for (let i = 0; i < lines.length; i++) {
    let delta: unknown;
    try {
      delta = JSON.parse(lines[i]);
    } catch {
      throw new StoreCorruptError(file, `journal line ${i + 1} is not valid JSON`);
    }
    if (!isRecord(delta)) throw new StoreCorruptError(file, `journal line ${i + 1} is not a schema-1 journal entry`);
    applyLegacyDelta(doc, delta as LegacyDelta);
  }
}

function applyLegacyDelta(doc: Doc, delta: LegacyDelta): void {
  for (const [key, entries] of Object.entries(delta.set ?? {})) doc[key] = Object.assign(isRecord(doc[key]) ? doc[key] : {}, entries);
  for (const [key, ids] of Object.entries(delta.del ?? {})) {
    const map = isRecord(doc[key]) ? doc[key] : {};
    for (const id of ids) delete map[id];
  }
  if (Array.isArray(delta.events)) {
    const events = Array.isArray(doc.events) ? (doc.events as Array<{ seq: number }>).slice() : [];
    const last = events.length > 0 ? events[events.length - 1].seq : 0;
    for (const e of delta.events) if (e.seq > last) events.push(e);
    doc.events = events;
  }
  if (isRecord(delta.put)) Object.assign(doc, delta.put);
}

export interface MigrateOptions {
  /** storage.dedupRetention: a schema-1 key recorded when it was first seen; it now records when it expires. */
  dedupRetentionMs: number;
  /** When a first-seen time cannot be read, the key expires this long after `now`. */
  now: Date;
}

/** A schema-0/1 document as schema 2. */
export function migrateLegacy(doc: Doc, file: string, opts: MigrateOptions): DocumentV2 {
  const bad = (what: string) => new StoreCorruptError(file, `${what} is malformed (schema 1)`);
  const objectOf = (key: string): Doc => {
    const v = doc[key] ?? {};
    if (!isRecord(v)) throw bad(key);
    return v;
  };
  const arrayOf = (key: string): Doc[] => {
    const v = doc[key] ?? [];
    if (!Array.isArray(v) || !v.every(isRecord)) throw bad(key);
    return v;
  };
  const out = emptyDocument();
  out.servers = Object.values(objectOf('servers')) as unknown as DocumentV2['servers'];
  // Insertion order is creation order, which the tables take as id order.
  out.incidents = Object.values(objectOf('incidents')) as unknown as DocumentV2['incidents'];
  if (!out.servers.every(isRecord) || !out.incidents.every(isRecord)) throw bad('servers/incidents');

  const counters = objectOf('counters');
  out.counters = { incident: numberOr(counters.incident, 0), outbox: numberOr(counters.outbox, 0) };
  let seq = 0;
  for (const raw of arrayOf('outbox')) {
    const item = raw as unknown as OutboxItem;
    const fromId = /^ob-(\d+)$/.exec(String(item.id))?.[1];
    seq = fromId !== undefined && Number(fromId) > seq ? Number(fromId) : seq + 1;
    out.outbox.push({ ...item, lane: laneOf(item.kind, item.incidentId), seq } as OutboxRow);
  }
  out.counters.outbox = Math.max(out.counters.outbox, seq);
  out.deadLetters = arrayOf('deadLetters').map((raw) => {
    const d = raw as unknown as DeadLetter;
    return { ...d, lane: d.lane ?? laneOf(d.kind, d.incidentId) };
  });

  out.events = arrayOf('events') as unknown as DocumentV2['events'];
  const lastEvent = out.events.length > 0 ? out.events[out.events.length - 1].seq : 0;
  out.lastSeq = Math.max(numberOr(doc.lastSeq, 0), lastEvent);

  const nowMs = opts.now.getTime();
  const dedup: Array<[string, string, number]> = [];
  for (const [key, firstSeen] of Object.entries(objectOf('dedup'))) {
    const seen = typeof firstSeen === 'string' ? Date.parse(firstSeen) : Number.NaN;
    const expires = (Number.isNaN(seen) ? nowMs : seen) + opts.dedupRetentionMs;
    dedup.push([key, new Date(expires).toISOString(), expires]);
  }
  // The tables keep dedup keys in expiry order, so expiry stops at the first live one.
  dedup.sort((a, b) => a[2] - b[2]);
  out.dedup = dedup.map(([k, at]) => [k, at]);

  out.maintenance = arrayOf('maintenance') as unknown as DocumentV2['maintenance'];
  out.meta = Object.entries(objectOf('meta'));
  return out;
}

function numberOr(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

// The snapshot's JSON text, as pieces to write one after another (a store of 100k incidents is larger
// than a string should be). Records are immutable — a change is a new record — so each record's JSON is
// cached by object identity: a snapshot stringifies only the records written since the last one.
// The big plain collections (dedup keys) are stringified in slices.

const fragments = new WeakMap<object, string>();

function cached(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  let text = fragments.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    fragments.set(value, text);
  }
  return text;
}

/** Keys holding arrays of records (cached one by one), and of small plain values (stringified in slices). */
const RECORD_ARRAYS = new Set(['servers', 'incidents', 'outbox', 'deadLetters', 'events', 'maintenance', 'audit']);
const PLAIN_ARRAYS = new Set(['dedup', 'meta']);
/** Items per slice of a plain array: one JSON.stringify call per item would cost 5 µs each (a million dedup keys: 5 s). */
const SLICE = 10_000;

/** Pieces of text whose concatenation is `JSON.stringify(doc)` (for documents of plain JSON values). */
export function snapshotPieces(doc: Record<string, unknown>): string[] {
  const out: string[] = ['{'];
  let firstKey = true;
  for (const [key, value] of Object.entries(doc)) {
    if (value === undefined) continue;
    out.push(`${firstKey ? '' : ','}${JSON.stringify(key)}:`);
    firstKey = false;
    if (Array.isArray(value) && RECORD_ARRAYS.has(key)) {
      out.push('[');
      for (let i = 0; i < value.length; i++) out.push(i === 0 ? cached(value[i]) : `,${cached(value[i])}`);
      out.push(']');
    } else if (Array.isArray(value) && PLAIN_ARRAYS.has(key)) {
      out.push('[');
      for (let i = 0; i < value.length; i += SLICE) {
        const text = JSON.stringify(value.slice(i, i + SLICE));
        out.push(i === 0 ? text.slice(1, -1) : `,${text.slice(1, -1)}`);
      }
      out.push(']');
    } else {
      out.push(JSON.stringify(value) ?? 'null');
    }
  }
  out.push('}');
  return out;
}

/** The pieces joined into buffers of about `size` bytes each. */
export function* chunked(pieces: readonly string[], size = 1 << 20): Generator<Buffer> {
  let batch: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    batch.push(piece);
    length += piece.length;
    if (length >= size) {
      yield Buffer.from(batch.join(''), 'utf8');
      batch = [];
      length = 0;
    }
  }
  if (batch.length > 0) yield Buffer.from(batch.join(''), 'utf8');
}

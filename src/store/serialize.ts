// Serialises the store document for every write without re-serialising what did not change. Records
// in the big maps (servers, incidents) and the event log are replaced, never mutated in place, so a
// record's JSON can be cached by object identity; only new or replaced records are stringified again.
// This keeps a group-commit write proportional to what changed, not to the size of the store.

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

/** Keys whose values are maps of immutable records, or arrays of them. */
const RECORD_MAPS = new Set(['servers', 'incidents']);
const RECORD_ARRAYS = new Set(['events']);

export function serializeStore(data: object): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    let body: string;
    if (RECORD_MAPS.has(key) && value && typeof value === 'object') {
      const entries: string[] = [];
      for (const [k, record] of Object.entries(value as Record<string, unknown>)) entries.push(`${JSON.stringify(k)}:${cached(record)}`);
      body = `{${entries.join(',')}}`;
    } else if (RECORD_ARRAYS.has(key) && Array.isArray(value)) {
      body = `[${value.map(cached).join(',')}]`;
    } else {
      body = JSON.stringify(value) ?? 'null';
    }
    parts.push(`${JSON.stringify(key)}:${body}`);
  }
  return `{${parts.join(',')}}`;
}

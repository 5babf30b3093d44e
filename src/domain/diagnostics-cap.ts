// Diagnostics come from the Monitoring Console as arbitrary JSON and can be large; ticket fields are not.
// A capped result is still valid JSON, and says that it was cut and how big the original was.

export interface CappedDiagnostics {
  data: unknown;
  truncated: boolean;
}

export interface TruncatedDiagnostics {
  _truncated: true;
  _originalBytes: number;
  /** The first characters of the original JSON text (not parseable on its own). */
  excerpt: string;
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** Cuts at a code-point boundary so the excerpt never holds half a surrogate pair. */
function prefix(text: string, chars: number): string {
  let end = Math.min(chars, text.length);
  const code = text.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/**
 * Returns `data` unchanged when its JSON form fits in `maxBytes` (UTF-8), otherwise a
 * `TruncatedDiagnostics` object whose JSON form fits. `undefined` becomes `null`; a value JSON cannot
 * represent (a cycle, a BigInt) becomes a truncated marker with an empty excerpt. When `maxBytes` is
 * smaller than the marker itself (about 60 bytes) the marker is returned without an excerpt anyway.
 */
export function capDiagnostics(data: unknown, maxBytes: number): CappedDiagnostics {
  let text: string;
  try {
    text = JSON.stringify(data === undefined ? null : data) ?? 'null';
  } catch {
    return { data: { _truncated: true, _originalBytes: 0, excerpt: '' } satisfies TruncatedDiagnostics, truncated: true };
  }
  const originalBytes = Buffer.byteLength(text, 'utf8');
  if (originalBytes <= maxBytes) return { data: data === undefined ? null : data, truncated: false };

  const build = (chars: number): TruncatedDiagnostics => ({
    _truncated: true,
    _originalBytes: originalBytes,
    excerpt: prefix(text, chars),
  });
  // JSON escaping makes the size of an excerpt hard to predict, so search for the longest one that fits.
  let lo = 0;
  let hi = Math.min(text.length, maxBytes);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (byteLength(build(mid)) <= maxBytes) lo = mid;
    else hi = mid - 1;
  }
  return { data: build(lo), truncated: true };
}

/** Pretty JSON for a ticket body, capped to `maxBytes` of the compact form. */
export function diagnosticsText(data: unknown, maxBytes: number): { text: string; truncated: boolean } {
  const capped = capDiagnostics(data, maxBytes);
  const pretty = JSON.stringify(capped.data, null, 2);
  // Pretty printing adds whitespace; fall back to the compact form when that breaks the limit.
  const text = Buffer.byteLength(pretty, 'utf8') <= maxBytes ? pretty : JSON.stringify(capped.data);
  return { text, truncated: capped.truncated };
}

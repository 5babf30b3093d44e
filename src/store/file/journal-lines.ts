// The journal's format: one line per group commit, the JSON array of that batch's ops (ops.ts), each line
// ending in a newline. Reading it back: the bytes after the last newline are a write torn by a crash —
// never acknowledged, since a commit is acknowledged only once its whole line is on disk — and are
// dropped; a complete line that is not a list of ops is corruption, and start-up stops.
import type { Op } from '../memory/ops.js';
import { StoreCorruptError } from './errors.js';

export interface ParsedJournal {
  /** Each complete line's ops, in order. */
  lines: Op[][];
  /** Bytes up to and including the last newline: what was complete. */
  goodLength: number;
}

export function encodeJournalLine(ops: readonly Op[]): Buffer {
  return Buffer.from(`${JSON.stringify(ops)}\n`, 'utf8');
}

export function parseJournal(bytes: Buffer, file: string): ParsedJournal {
  const goodLength = bytes.lastIndexOf(0x0a) + 1;
  const lines: Op[][] = [];
  let start = 0;
  let n = 0;
  while (start < goodLength) {
    const end = bytes.indexOf(0x0a, start);
    n += 1;
    const text = bytes.toString('utf8', start, end);
    start = end + 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new StoreCorruptError(file, `journal line ${n} is not valid JSON`);
    }
    if (!Array.isArray(value)) throw new StoreCorruptError(file, `journal line ${n} is not a list of operations`);
    for (const op of value) {
      const problem = opProblem(op);
      if (problem) throw new StoreCorruptError(file, `journal line ${n} holds an operation that ${problem}`);
    }
    lines.push(value as Op[]);
  }
  return { lines, goodLength };
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const withId = (v: unknown, type: 'string' | 'number' = 'string') => isRecord(v) && typeof v.id === type;

/** Why `op` is not an operation this engine can apply, or null when it is. */
export function opProblem(op: unknown): string | null {
  if (!Array.isArray(op) || typeof op[0] !== 'string') return 'is not a tagged list';
  const [tag, a, b] = op as [string, unknown, unknown];
  let ok: boolean;
  switch (tag) {
    case 'server.put':
    case 'incident.put':
    case 'mw.put':
      ok = withId(a);
      break;
    case 'outbox.put':
      ok = withId(a) && typeof (a as Record<string, unknown>).lane === 'string' && typeof (a as Record<string, unknown>).seq === 'number';
      break;
    case 'dead.add':
      ok = withId(a) && typeof (a as Record<string, unknown>).failedAt === 'string';
      break;
    case 'event':
      ok = isRecord(a) && typeof a.seq === 'number';
      break;
    case 'audit':
      ok = withId(a, 'number');
      break;
    case 'server.del':
    case 'incident.del':
    case 'outbox.del':
    case 'mw.del':
    case 'dedup.del':
      ok = typeof a === 'string';
      break;
    case 'events.trim':
    case 'audit.trim':
      ok = typeof a === 'number';
      break;
    case 'dedup.put':
      ok = typeof a === 'string' && typeof b === 'string';
      break;
    case 'meta.put':
      ok = typeof a === 'string' && op.length === 3;
      break;
    case 'counter':
      ok = (a === 'incident' || a === 'outbox') && typeof b === 'number';
      break;
    default:
      return `has the unknown tag ${JSON.stringify(tag).slice(0, 40)}`;
  }
  return ok ? null : `is a malformed ${tag}`;
}

// The engine's statements go as named (prepared) statements: PostgreSQL parses and plans a text once per
// session instead of on every call, and ingest sends the same few texts thousands of times a second. The
// texts are the engine's own (filters are parameters), so there are few of them. Statements without
// parameters (BEGIN, COMMIT) stay on the simple protocol.
import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';

const names = new Map<string, string>();

export function prepared(text: string, values: unknown[] = []): QueryConfig {
  if (values.length === 0) return { text };
  let name = names.get(text);
  if (name === undefined) {
    name = `esc_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return { name, text, values };
}

// `ESCALATORD_SECTION__KEY=value` overrides. Each level is matched against the keys the file already has
// and the keys the schema declares, ignoring case, `_` and `-`: `SLA__PRIORITIES__P2__RESPOND` reaches
// `sla.priorities.P2.respond`, `STORAGE__EVENT_LOG_SIZE` reaches `storage.eventLogSize`, and a list of
// entries with an `id` (consoles, notification channels) is reached by that id or by index:
// `NOTIFICATIONS__CHANNELS__OPS_SLACK__URL`. Every override is remembered so that a problem it causes
// names the variable, not the file.
import { parse as parseYaml } from 'yaml';
import { childSchema, declaredKeys, inputDefault, isArraySchema } from './schema-paths.js';
import type { z } from 'zod';

export const ENV_PREFIX = 'ESCALATORD_';
/** Variables with the prefix that are not overrides. */
const RESERVED = new Set(['ESCALATORD_CONFIG']);
/** Keys that would reach an object's prototype instead of the configuration. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface EnvOverride {
  variable: string;
  /** The configuration path the variable set, e.g. `['sla', 'priorities', 'P2', 'respond']`. */
  path: string[];
}

type Env = Record<string, string | undefined>;
type Node = Record<string, unknown>;

const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null;
const loose = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');

/**
 * Applies every override in `env` to `doc` (in place) and returns where each one landed. An override
 * that cannot be placed (an empty level, a list entry that does not exist) is added to `problems`.
 * Values are parsed as YAML scalars so numbers and booleans keep their types.
 */
export function applyEnvOverrides(doc: Node, env: Env, schema: z.core.$ZodType, problems: string[]): EnvOverride[] {
  const applied: EnvOverride[] = [];
  const names = Object.keys(env).filter((n) => n.startsWith(ENV_PREFIX) && n.includes('__') && !RESERVED.has(n) && env[n] !== undefined).sort();
  for (const variable of names) {
    const segments = variable.slice(ENV_PREFIX.length).split('__');
    if (segments.some((s) => s === '')) {
      problems.push(`environment variable ${variable}: a level of the name is empty (levels are separated by exactly two underscores)`);
      continue;
    }
    const path: string[] = [];
    let node: Node = doc;
    let nodeSchema: z.core.$ZodType | undefined = schema;
    let failed: string | null = null;
    for (let i = 0; i < segments.length; i++) {
      const key = resolveKey(node, nodeSchema, segments[i]);
      if (key === null) {
        failed = `${[...path].join('.') || '(root)'} has no entry with id "${segments[i].toLowerCase()}" (use its id or its index)`;
        break;
      }
      if (FORBIDDEN_KEYS.has(key)) {
        failed = `"${key}" is not a configuration key`;
        break;
      }
      path.push(key);
      const childType = childSchema(nodeSchema, key);
      if (i === segments.length - 1) {
        node[key] = parseYaml(env[variable]!);
      } else {
        if (!isObject(node[key]) || !Object.hasOwn(node, key)) {
          const seed = inputDefault(childType);
          node[key] = isObject(seed) ? seed : isArraySchema(childType) ? [] : {};
        }
        node = node[key] as Node;
        nodeSchema = childType;
      }
    }
    if (failed) problems.push(`environment variable ${variable}: ${failed}`);
    else applied.push({ variable, path });
  }
  return applied;
}

/** The key a segment of a variable name means at `node`, or null for a list entry that is not there. */
function resolveKey(node: Node, schema: z.core.$ZodType | undefined, segment: string): string | null {
  if (Array.isArray(node) || isArraySchema(schema)) {
    if (/^\d+$/.test(segment)) return String(Number(segment));
    const list: unknown[] = Array.isArray(node) ? node : [];
    const index = list.findIndex((e) => isObject(e) && typeof e.id === 'string' && loose(e.id) === loose(segment));
    return index >= 0 ? String(index) : null;
  }
  const candidates = [...Object.keys(node), ...declaredKeys(schema)];
  return (
    candidates.find((k) => k.toLowerCase() === segment.toLowerCase()) ??
    candidates.find((k) => loose(k) === loose(segment)) ??
    // A key neither the file nor the schema knows: a new record entry, or a mistake the schema reports.
    segment.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())
  );
}

/** The variables whose override set `path`, a key under it or the object holding it. */
export function variablesBehind(path: readonly string[], overrides: readonly EnvOverride[]): string[] {
  const within = (a: readonly string[], b: readonly string[]) => a.length <= b.length && a.every((k, i) => k === b[i]);
  return overrides.filter((o) => within(o.path, path) || within(path, o.path)).map((o) => o.variable);
}

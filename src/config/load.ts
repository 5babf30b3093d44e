// The only reader of process.env: reads YAML, interpolates ${ENV}, applies ESCALATORD_* overrides,
// validates once and freezes the result.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file}: ${problems.length} problem(s) in the configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

/** Replaces `${NAME}` and `${NAME:-default}` in every string; an unset variable without a default is a problem. */
export function interpolate(value: unknown, env: Env, problems: string[], path: string[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      problems.push(`${path.join('.') || '(root)'}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, problems, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, problems, [...path, k])]));
  }
  return value;
}

/**
 * `ESCALATORD_SERVER__PORT=9090` sets `server.port`; `__` separates levels and names are matched
 * case-insensitively against the keys the schema knows (camelCase via single `_`: `ESCALATORD_STORAGE__PATH`).
 * Values are parsed as YAML scalars so numbers and booleans keep their types.
 */
export function applyEnvOverrides(raw: Record<string, unknown>, env: Env): Record<string, unknown> {
  const reserved = new Set(['ESCALATORD_CONFIG']);
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('ESCALATORD_') || value === undefined || reserved.has(name) || !name.includes('__')) continue;
    const keys = name.slice('ESCALATORD_'.length).split('__').map(toCamel);
    let node: Record<string, unknown> = raw;
    for (const key of keys.slice(0, -1)) {
      const existing = node[key];
      if (!existing || typeof existing !== 'object') node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = parseYaml(value);
  }
  return raw;
}

function toCamel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export function parseConfigText(text: string, file: string, env: Env): Config {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError(file, [`not valid YAML: ${(err as Error).message}`]);
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(file, ['the top level must be a mapping']);
  const interpolated = interpolate(doc, env, problems) as Record<string, unknown>;
  const merged = applyEnvOverrides(interpolated, env);
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(file, problems);
  const semantic = crossCheck(result.data);
  if (semantic.length > 0) throw new ConfigError(file, semantic);
  return deepFreeze(result.data);
}

/** Rules that span keys and so cannot live on one field of the schema. */
function crossCheck(cfg: Config): string[] {
  const problems: string[] = [];
  const calendars = new Set(['24x7', ...Object.keys(cfg.sla.calendars)]);
  for (const [p, sla] of Object.entries(cfg.sla.priorities)) {
    if (!calendars.has(sla.calendar)) problems.push(`sla.priorities.${p}.calendar: unknown calendar "${sla.calendar}"`);
  }
  if (!calendars.has(cfg.management.workingDay)) problems.push(`management.workingDay: unknown calendar "${cfg.management.workingDay}"`);
  const ids = new Set<string>();
  cfg.consoles.forEach((c, i) => {
    if (ids.has(c.id)) problems.push(`consoles.${i}.id: duplicate console id "${c.id}"`);
    ids.add(c.id);
  });
  const tokens = new Set<string>();
  cfg.auth.tokens.forEach((t, i) => {
    if (tokens.has(t.token)) problems.push(`auth.tokens.${i}.token: the same token is configured twice`);
    tokens.add(t.token);
  });
  return problems;
}

export function loadConfigFile(file: string, env: Env = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseConfigText(text, file, env);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

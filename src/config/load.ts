// The only reader of process.env: reads YAML, interpolates ${ENV}, applies ESCALATORD_* overrides,
// validates once, runs the checks that span keys, and freezes the result.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { crossCheck } from './cross-checks.js';
import { applyEnvOverrides, variablesBehind } from './env-overrides.js';
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

/** A configuration with the things worth saying about it that are not reasons to refuse it. */
export interface LoadedConfig {
  config: Config;
  warnings: string[];
}

/**
 * Parses, interpolates, applies `ESCALATORD_*` overrides (see env-overrides.ts), validates and
 * cross-checks; every problem is reported at once with its path, and with the environment variable
 * when an override caused it.
 */
export function parseConfig(text: string, file: string, env: Env): LoadedConfig {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError(file, [`not valid YAML: ${(err as Error).message}`]);
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(file, ['the top level must be a mapping']);
  const merged = interpolate(doc, env, problems) as Record<string, unknown>;
  const overrides = applyEnvOverrides(merged, env, configSchema, problems);
  const line = (path: readonly string[], message: string) => {
    const variables = path.length > 0 ? variablesBehind(path, overrides) : [];
    return `${path.join('.') || '(root)'}: ${message}${variables.length > 0 ? ` (set by environment variable ${variables.join(', ')})` : ''}`;
  };
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.map(String);
      if (issue.code === 'unrecognized_keys') for (const key of issue.keys) problems.push(line([...path, key], 'unrecognized key'));
      else problems.push(line(path, issue.message));
    }
  }
  const checked = crossCheck(merged);
  for (const p of checked.problems) problems.push(line(p.path, p.message));
  if (problems.length > 0 || !result.success) throw new ConfigError(file, problems);
  return { config: deepFreeze(result.data), warnings: checked.warnings.map((w) => line(w.path, w.message)) };
}

export function parseConfigText(text: string, file: string, env: Env): Config {
  return parseConfig(text, file, env).config;
}

export function loadConfig(file: string, env: Env = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseConfig(text, file, env);
}

export function loadConfigFile(file: string, env: Env = process.env): Config {
  return loadConfig(file, env).config;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

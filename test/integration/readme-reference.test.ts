// The README is the reference a new user reads beside /openapi.json (issue 12): it must not send them to a
// document the repository does not have, and its reference parts must match the daemon — every
// configuration key the schema has, every metric a real daemon exports (and none it does not), every role.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';
import { ROLES } from '../../src/domain/types.js';
import { startDaemonInProcess, type InProcessDaemon } from '../helpers/daemon-in-process.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README between a `## title` heading and the next `## ` heading. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no section "${title}"`);
  const end = README.indexOf('\n## ', start + 4);
  return README.slice(start, end < 0 ? undefined : end);
}

interface Def { type: string; innerType?: z.ZodType }

/** Every key path of the schema down to its leaves (`ingest.alertmanager.mapping.serverLabel`); arrays and records are leaves. */
function keyPaths(schema: z.ZodType, prefix: string[] = []): string[][] {
  let t = schema as z.ZodType & { def: Def; shape?: Record<string, z.ZodType> };
  while (t.def.innerType) t = t.def.innerType as typeof t;
  if (t.def.type !== 'object' || !t.shape) return [prefix];
  return Object.entries(t.shape).flatMap(([key, inner]) => keyPaths(inner, [...prefix, key]));
}

describe('the README', () => {
  it('does not point at a DESIGN.md, which is not in the repository', () => {
    expect(README).not.toMatch(/DESIGN\.md/);
  });

  it('documents every configuration key (or the setting that holds it) in the configuration reference', () => {
    const reference = section('Configuration');
    const paths = keyPaths(configSchema);
    expect(paths.length).toBeGreaterThan(80);
    const documented = (path: string[]) => path.some((_, i) => {
      const prefix = path.slice(0, i + 1);
      // A section name alone documents nothing, except a top-level list (consoles, customers, requests).
      return (prefix.length >= 2 || path.length === 1) && reference.includes(`\`${prefix.join('.')}\``);
    });
    expect(paths.filter((p) => !documented(p)).map((p) => p.join('.'))).toEqual([]);
  });

  it('has a row for every role in its roles table', () => {
    const roles = section('Roles');
    for (const role of ROLES) expect(roles, role).toMatch(new RegExp(`^\\| \`${role}\` \\|`, 'm'));
  });
});

describe('the README against a running daemon', () => {
  let d: InProcessDaemon;
  let exported: Set<string>;

  beforeAll(async () => {
    d = await startDaemonInProcess();
    const text = await (await fetch(`${d.url}/metrics`)).text();
    exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
  }, 60_000);
  afterAll(() => d?.stop());

  it('lists every metric of its own that the daemon exports', () => {
    const own = [...exported].filter((name) => !/^escalatord_(process|nodejs)_/.test(name));
    expect(own.length).toBeGreaterThan(20);
    const metrics = section('Metrics');
    expect(own.filter((name) => !metrics.includes(`| \`${name}\` |`))).toEqual([]);
  });

  it('names no metric the daemon does not export', () => {
    const named = new Set([...README.matchAll(/`(escalatord_[a-z0-9_]+)/g)].map((m) => m[1]));
    expect(named.size).toBeGreaterThan(20);
    expect([...named].filter((name) => !exported.has(name))).toEqual([]);
  });
});

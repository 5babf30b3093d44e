// The loader: every problem at once with its path, ${ENV} interpolation, ESCALATORD_* overrides, and a
// frozen result.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../src/config/load.js';

function problemsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfigText(text, 'test.yaml', env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('loading the configuration', () => {
  it('accepts an empty file and fills every default', () => {
    const cfg = parseConfigText('', 'empty.yaml', {});
    expect(cfg.server).toMatchObject({ host: '127.0.0.1', port: 8080, shutdownTimeout: 8_000 });
    expect(cfg.storage.path).toBe('./data/escalatord.json');
    expect(cfg.sla.priorities.P1.calendar).toBe('24x7');
    expect(cfg.simulator.enabled).toBe(false);
  });

  it('parses durations to milliseconds', () => {
    const cfg = parseConfigText('server: { shutdownTimeout: 250ms }\nrouting: { degradedGrace: 2m }\n', 'd.yaml', {});
    expect(cfg.server.shutdownTimeout).toBe(250);
    expect(cfg.routing.degradedGrace).toBe(120_000);
  });

  it('lists every mistake in the file at once, each with its path', () => {
    const text = [
      'server: { port: "eighty", host: 127.0.0.1 }',
      'log: { level: loud }',
      'storage: { eventLogSize: 5 }',
      'serverr: { port: 1 }',
      'consoles:',
      '  - { id: Main, url: "not a url" }',
      'auth: { tokens: [ { name: desk, role: boss, token: short } ] }',
      'routing: { degradedGrace: soon }',
    ].join('\n');
    const problems = problemsOf(text);
    const joined = problems.join('\n');
    for (const path of ['server.port', 'log.level', 'storage.eventLogSize', 'consoles.0.id', 'consoles.0.url', 'auth.tokens.0.role', 'auth.tokens.0.token', 'routing.degradedGrace']) {
      expect(joined).toContain(path);
    }
    expect(joined).toContain('serverr');
    expect(problems.length).toBeGreaterThanOrEqual(9);
  });

  it('reports rules that span keys: an unknown calendar and a token configured twice', () => {
    const text = [
      'sla: { priorities: { P2: { respond: 1h, progressEvery: 4h, resolve: 1d, calendar: night-shift } } }',
      'auth: { tokens: [ { name: a, role: l2, token: "same-token-0000000001" }, { name: b, role: l3, token: "same-token-0000000001" } ] }',
    ].join('\n');
    const joined = problemsOf(text).join('\n');
    expect(joined).toContain('sla.priorities.P2.calendar: unknown calendar "night-shift"');
    expect(joined).toContain('auth.tokens.1.token');
  });

  it('reports YAML that does not parse', () => {
    expect(problemsOf('server: { port: 8080\n')[0]).toMatch(/not valid YAML/);
  });

  it('replaces ${NAME} and ${NAME:-default} from the environment', () => {
    const text = [
      'auth: { tokens: [ { name: desk, role: l2, token: "${L2_TOKEN}" } ] }',
      'storage: { path: "${DATA_DIR:-/var/lib/escalatord}/store.json" }',
      'server: { publicUrl: "https://${PUBLIC_HOST}:8443" }',
    ].join('\n');
    const cfg = parseConfigText(text, 'env.yaml', { L2_TOKEN: 'l2-token-from-the-env-0001', PUBLIC_HOST: 'esc.example.net' });
    expect(cfg.auth.tokens[0].token).toBe('l2-token-from-the-env-0001');
    expect(cfg.storage.path).toBe('/var/lib/escalatord/store.json');
    expect(cfg.server.publicUrl).toBe('https://esc.example.net:8443');
  });

  it('reports a variable that is not set, naming the variable and the key', () => {
    const problems = problemsOf('ingest: { console: { secret: "${CONSOLE_SECRET}" } }\n');
    expect(problems.join('\n')).toContain('ingest.console.secret: environment variable CONSOLE_SECRET is not set');
  });

  it('lets ESCALATORD_SECTION__KEY override the file, keeping numbers numbers', () => {
    const cfg = parseConfigText('server: { port: 8080 }\nstorage: { path: /a.json }\n', 'o.yaml', {
      ESCALATORD_SERVER__PORT: '9090',
      ESCALATORD_STORAGE__EVENT_LOG_SIZE: '500',
      ESCALATORD_LOG__LEVEL: 'debug',
      ESCALATORD_CONFIG: '/ignored.yaml',
    });
    expect(cfg.server.port).toBe(9090);
    expect(cfg.storage.eventLogSize).toBe(500);
    expect(cfg.storage.path).toBe('/a.json');
    expect(cfg.log.level).toBe('debug');
  });

  it('validates an override like any other value', () => {
    expect(problemsOf('', { ESCALATORD_SERVER__PORT: '70000' }).join('\n')).toContain('server.port');
  });

  it('freezes the configuration, nested objects and arrays included', () => {
    const cfg = parseConfigText('auth: { tokens: [ { name: desk, role: l2, token: "desk-token-0000000001" } ] }\n', 'f.yaml', {});
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.server)).toBe(true);
    expect(Object.isFrozen(cfg.auth.tokens)).toBe(true);
    expect(Object.isFrozen(cfg.auth.tokens[0])).toBe(true);
    expect(() => {
      (cfg.server as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(cfg.server.port).toBe(8080);
  });
});

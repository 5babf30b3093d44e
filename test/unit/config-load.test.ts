// The loader: every problem at once with its path, ${ENV} interpolation, ESCALATORD_* overrides, and a
// frozen result.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, parseConfigText } from '../../src/config/load.js';

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

  it('lets an override reach keys that are not camelCase: P2, a calendar name, a channel and a console by id', () => {
    const text = [
      'sla:',
      '  calendars: { business: { timezone: Europe/London, hours: { mon: "09:00-17:00" } }, uk-office: { timezone: Europe/London, hours: { mon: "09:00-17:00" } } }',
      '  priorities: { P2: { respond: 1h, progressEvery: 4h, resolve: 1d, calendar: uk-office } }',
      'notifications: { channels: [ { id: ops-webhook, type: webhook, url: "https://a.example/hook" }, { id: ops-slack, type: slack, url: "https://b.example/hook" } ] }',
      'consoles: [ { id: main, url: "https://console.example" } ]',
    ].join('\n');
    const cfg = parseConfigText(text, 'o.yaml', {
      ESCALATORD_SLA__PRIORITIES__P2__RESPOND: '1m',
      ESCALATORD_SLA__PRIORITIES__P3__RESPOND: '2m',
      ESCALATORD_SLA__CALENDARS__UK_OFFICE__TIMEZONE: 'Europe/Dublin',
      ESCALATORD_NOTIFICATIONS__CHANNELS__OPS_SLACK__URL: 'https://c.example/hook',
      ESCALATORD_CONSOLES__MAIN__TOKEN: 'console-token-from-env-0001',
      ESCALATORD_CONSOLES__0__TIMEOUT: '7s',
    });
    expect(cfg.sla.priorities.P2.respond).toEqual({ ms: 60_000 });
    expect(cfg.sla.priorities.P2.calendar).toBe('uk-office');
    expect(cfg.sla.priorities.P3.respond).toEqual({ ms: 120_000 });
    expect(cfg.sla.calendars['uk-office'].timezone).toBe('Europe/Dublin');
    expect(cfg.notifications.channels.map((c) => ('url' in c ? c.url : null))).toEqual(['https://a.example/hook', 'https://c.example/hook']);
    expect(cfg.consoles[0]).toMatchObject({ token: 'console-token-from-env-0001', timeout: 7_000 });
  });

  it('sets P2 from the environment when the file says nothing about priorities', () => {
    expect(parseConfigText('', 'e.yaml', { ESCALATORD_SLA__PRIORITIES__P2__RESPOND: '1m' }).sla.priorities.P2.respond).toEqual({ ms: 60_000 });
  });

  it('names the environment variable behind a problem, not only the file', () => {
    const problems = problemsOf('', {
      ESCALATORD_SLA__PRIORITIES__P5__RESPOND: '1m',
      ESCALATORD_SERVER__PORT: '70000',
      ESCALATORD_NOTIFICATIONS__CHANNELS__NOPE__URL: 'https://x.example',
      ESCALATORD_SERVER____PROTO__: '1',
    }).join('\n');
    expect(problems).toMatch(/sla\.priorities.*p5.*ESCALATORD_SLA__PRIORITIES__P5__RESPOND/);
    expect(problems).toMatch(/server\.port.*ESCALATORD_SERVER__PORT/);
    expect(problems).toMatch(/ESCALATORD_NOTIFICATIONS__CHANNELS__NOPE__URL.*no entry with id "nope"/);
    expect(problems).toContain('ESCALATORD_SERVER____PROTO__');
  });

  it('lists every problem in one pass: schema mistakes, an unknown calendar, a calendar without hours, duplicate steps and channels', () => {
    const text = [
      'server: { port: -1 }',
      'sla:',
      '  calendars: { nights: { timezone: Europe/London, hours: {} }, backwards: { timezone: Europe/London, hours: { mon: "17:00-09:00" } } }',
      '  priorities: { P2: { respond: 1h, progressEvery: 4h, resolve: 1d, calendar: 24x7x }, P3: { respond: soon, progressEvery: 1d, resolve: 3d } }',
      'management:',
      '  workingDay: weekdays',
      '  steps: [ { step: 2, title: A, contact: { name: a } }, { step: 2, title: B, contact: { name: b } } ]',
      'notifications: { channels: [ { id: ops, type: webhook, url: "https://a.example" }, { id: ops, type: slack, url: "https://b.example" } ] }',
    ].join('\n');
    const joined = problemsOf(text).join('\n');
    expect(joined).toContain('server.port');
    expect(joined).toContain('sla.priorities.P3.respond');
    expect(joined).toContain('sla.priorities.P2.calendar: unknown calendar "24x7x"');
    expect(joined).toMatch(/sla\.calendars\.nights: .*no working hours/);
    expect(joined).toMatch(/sla\.calendars\.backwards: .*does not end after it starts/);
    expect(joined).toContain('management.workingDay: unknown calendar "weekdays"');
    expect(joined).toMatch(/management\.steps\.1\.step: step 2 is configured twice/);
    expect(joined).toMatch(/notifications\.channels\.1\.id: duplicate channel id "ops"/);
  });

  it('refuses a whsec_ console secret that decodes to fewer than 16 bytes, wherever the daemon listens', () => {
    const joined = problemsOf('ingest: { console: { secret: "whsec_????????????????????" } }\n').join('\n');
    expect(joined).toMatch(/ingest\.console\.secret: .*base64/);
    expect(problemsOf('ingest: { console: { secret: ["whsec_ZGVtby1jb25zb2xlLXdlYmhvb2stc2VjcmV0", "whsec_c2hvcnQtc2hvcnQ="] } }\n').join('\n')).toMatch(/ingest\.console\.secret\.1: .*decodes to 11 bytes/);
  });

  describe('secrets on an address other than loopback', () => {
    const tokens = (...list: string[]) => `auth: { tokens: [ ${list.map((t, i) => `{ name: p${i}, role: l2, token: "${t}" }`).join(', ')} ] }`;

    it('refuses placeholder tokens and secrets, including a whsec_ secret whose bytes are a placeholder', () => {
      const text = [
        'server: { host: 0.0.0.0 }',
        tokens('change-me-l2-token-00000000', 'REPLACE-ME-viewer-token-000'),
        'ingest: { console: { secret: "whsec_Y2hhbmdlLW1lLWNvbnNvbGUtc2VjcmV0" } }',
        'ticketing: { url: "https://t.example", token: change-me, jira: { webhookSecret: "REPLACE-ME-jira-webhook" } }',
        'notifications: { channels: [ { id: mail, type: email, smtp: { host: smtp.example, auth: { user: bot, pass: changeme } }, from: "bot@x.example" } ] }',
      ].join('\n');
      const joined = problemsOf(text).join('\n');
      expect(joined).toMatch(/ticketing\.jira\.webhookSecret: .*placeholder/);
      expect(joined).toMatch(/notifications\.channels\.0\.smtp\.auth\.pass: .*placeholder/);
      expect(joined).toMatch(/auth\.tokens\.0\.token: .*placeholder/);
      expect(joined).toMatch(/auth\.tokens\.1\.token: .*placeholder/);
      expect(joined).toMatch(/ingest\.console\.secret: .*placeholder/);
      expect(joined).toMatch(/ticketing\.token: .*placeholder/);
      expect(joined).not.toContain('change-me-l2-token-00000000');
    });

    it('refuses a Teams or Slack webhook URL left as an example\'s placeholder (the URL is the credential)', () => {
      const text = [
        'server: { host: 0.0.0.0 }',
        tokens('l2-desk-token-0123456789'),
        'notifications: { channels: [',
        '  { id: teams, type: teams, url: "https://example.webhook.office.com/workflows/change-me" },',
        '  { id: slack, type: slack, url: "https://hooks.slack.com/services/REPLACE-ME" },',
        '  { id: ok, type: teams, url: "https://prod-12.westeurope.logic.azure.com/workflows/3f1c/triggers/manual/paths/invoke?sig=Xy12" },',
        // What config/production.example.yaml falls back to, and its like: a reserved example host, an XXXX part.
        '  { id: ex, type: slack, url: "https://hooks.slack.example/services/T000/B000/XXXX" },',
        '  { id: xs, type: slack, url: "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXX" },',
        '  { id: dotcom, type: teams, url: "https://example.com/webhook" } ] }',
      ].join('\n');
      const joined = problemsOf(text).join('\n');
      expect(joined).toMatch(/notifications\.channels\.0\.url: .*placeholder/);
      expect(joined).toMatch(/notifications\.channels\.1\.url: .*placeholder/);
      expect(joined).not.toMatch(/notifications\.channels\.2/);
      for (const i of [3, 4, 5]) expect(joined).toMatch(new RegExp(`notifications\\.channels\\.${i}\\.url: .*placeholder`));
      // The URL is not repeated in the message: it is the credential.
      expect(joined).not.toContain('webhook.office.com');
    });

    it('refuses a secret shorter than 16 characters and one shared by two principals', () => {
      const text = [
        'server: { host: 0.0.0.0 }',
        tokens('l2-desk-token-0123456789'),
        'ingest: { console: { secret: "l2-desk-token-0123456789" } }',
        'consoles: [ { id: main, url: "https://c.example", token: short-one } ]',
      ].join('\n');
      const joined = problemsOf(text).join('\n');
      expect(joined).toMatch(/ingest\.console\.secret: .*also auth\.tokens\.0\.token/);
      expect(joined).toMatch(/consoles\.0\.token: .*at least 16/);
    });

    it('refuses to listen without any token', () => {
      expect(problemsOf('server: { host: 0.0.0.0 }\n').join('\n')).toContain('refusing to listen on 0.0.0.0 without any auth.tokens configured');
    });

    it('on loopback, starts but warns about the same secrets', () => {
      const text = [tokens('change-me-l2-token-00000000'), 'consoles: [ { id: main, url: "https://c.example", token: short-one } ]'].join('\n');
      const { config, warnings } = parseConfig(text, 'l.yaml', {});
      expect(config.auth.tokens).toHaveLength(1);
      expect(warnings.join('\n')).toMatch(/auth\.tokens\.0\.token: .*placeholder/);
      expect(warnings.join('\n')).toMatch(/consoles\.0\.token: .*at least 16/);
    });

    it('warns when Jira creates the tickets and selfAccountId is unset: its own changes are then known only by their label', () => {
      const jira = 'ticketing: { adapter: jira, url: "https://vendor.atlassian.net", username: bot@vendor.example, token: a-long-random-token-7f3a9c }';
      expect(parseConfig(jira, 'j.yaml', {}).warnings.join('\n')).toMatch(/ticketing\.jira\.selfAccountId: .*unset/);
      expect(parseConfig(`${jira.slice(0, -2)}, jira: { selfAccountId: "712020:0f1e2d3c" } }`, 'j.yaml', {}).warnings).toEqual([]);
      expect(parseConfig('ticketing: { adapter: generic }', 'g.yaml', {}).warnings).toEqual([]);
    });

    it('accepts real secrets', () => {
      const text = [
        'server: { host: 0.0.0.0 }',
        tokens('a-long-random-token-7f3a9c', 'another-random-token-b81e2d'),
        'ingest: { console: { secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" } }',
      ].join('\n');
      expect(parseConfig(text, 'ok.yaml', {}).warnings).toEqual([]);
    });
  });
});

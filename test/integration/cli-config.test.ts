// The command line as an operator uses it: `escalatord check-config FILE`, `--config FILE`,
// `ESCALATORD_CONFIG` and `ESCALATORD_*` overrides, against the compiled daemon.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { killAllDaemons, REPO_ROOT, runCli, startDaemonProcess, testConfig } from '../helpers/daemon-process.js';
import { freePort } from '../helpers/net.js';
import { useTempDir } from '../helpers/tmp.js';

/**
 * Gives every `${NAME}` without a default, and every token or secret, a plausible value, as an
 * operator's environment would (addresses keep the file's defaults).
 */
function envFor(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of readFileSync(file, 'utf8').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)) {
    if (!m[2] || /_(TOKEN|SECRET)$/.test(m[1])) env[m[1]] = `${m[1].toLowerCase()}-value-0123456789abcdef`;
    // A Slack webhook URL is a credential too: its default in the example is a placeholder.
    if (/_SLACK_URL$/.test(m[1])) env[m[1]] = 'https://hooks.slack.com/services/T01ABC2DEF/B01ABC2DEF/q1w2e3r4t5y6u7i8o9p0';
  }
  return env;
}

const STACK_LINE = /^\s+at /m;

describe('escalatord check-config', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('lists every problem in a file with several mistakes and exits non-zero', async () => {
    const file = tmp().write(
      'bad.yaml',
      [
        'server: { port: -1 }',
        'log: { level: chatty }',
        'storage: { eventLogSize: 1 }',
        'ticketing: { adapter: zendesk, url: "nope" }',
        'sla: { warnAt: 2 }',
        'auth: { tokens: [ { name: l2, role: l2, token: "${UNSET_TOKEN_FOR_TEST}" } ] }',
      ].join('\n'),
    );
    const r = await runCli(['check-config', file]);
    expect(r.code).toBe(1);
    for (const path of ['server.port', 'log.level', 'storage.eventLogSize', 'ticketing.adapter', 'ticketing.url', 'sla.warnAt', 'UNSET_TOKEN_FOR_TEST']) {
      expect(r.stderr).toContain(path);
    }
    expect(r.stderr).toContain(file);
    expect(r.stdout).not.toContain('valid');
  });

  it('accepts a valid file and says so', async () => {
    const file = tmp().write('ok.yaml', toYaml(testConfig(tmp().path)));
    const r = await runCli(['check-config', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('configuration is valid');
  });

  it('finds no problem in the shipped default configuration', async () => {
    const r = await runCli(['check-config', join(REPO_ROOT, 'config/default.yaml')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('finds no problem in the production example once its variables are set', async () => {
    const file = join(REPO_ROOT, 'config/production.example.yaml');
    expect(existsSync(file), 'config/production.example.yaml is part of the contract (DESIGN §11)').toBe(true);
    const r = await runCli(['check-config', file], { env: envFor(file) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('refuses the production example as shipped: its placeholder tokens on 0.0.0.0, each named, no secret printed', async () => {
    const r = await runCli(['check-config', join(REPO_ROOT, 'config/production.example.yaml')]);
    expect(r.code).toBe(1);
    for (const path of ['auth.tokens.0.token', 'auth.tokens.2.token', 'ingest.console.secret', 'ticketing.token', 'notifications.channels.1.url']) expect(r.stderr).toMatch(new RegExp(`${path.replace(/\./g, '\\.')}: .*placeholder`));
    expect(r.stderr).not.toContain('change-me-l2-token-00000000');
  });

  it('lists four mistakes of different kinds in one pass, the unknown calendar and the calendar without hours included', async () => {
    const file = tmp().write(
      'four.yaml',
      [
        'server: { port: 80800 }',
        'sla:',
        '  calendars: { nights: { timezone: Europe/London, hours: {} } }',
        '  priorities: { P1: { respond: 30m, progressEvery: 1h, resolve: 4h, calendar: 24x7x } }',
        'management: { workingDay: nights }',
        'log: { level: loud }',
      ].join('\n'),
    );
    const r = await runCli(['check-config', file]);
    expect(r.code).toBe(1);
    for (const expected of ['server.port', 'log.level', 'sla.priorities.P1.calendar: unknown calendar "24x7x"', 'sla.calendars.nights: calendar "nights" has no working hours']) {
      expect(r.stderr).toContain(expected);
    }
  });

  it('names the environment variable behind a problem', async () => {
    const file = tmp().write('ok.yaml', toYaml(testConfig(tmp().path)));
    const ok = await runCli(['check-config', file], { env: { ESCALATORD_SLA__PRIORITIES__P2__RESPOND: '1m' } });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const bad = await runCli(['check-config', file], { env: { ESCALATORD_SLA__PRIORITIES__P2__RESPOND: 'soon' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/sla\.priorities\.P2\.respond: .*ESCALATORD_SLA__PRIORITIES__P2__RESPOND/);
  });

  it('prints warnings for placeholder secrets on loopback but still says the file is valid', async () => {
    const file = tmp().write('loop.yaml', toYaml(testConfig(tmp().path, { auth: { tokens: [{ name: 'desk', role: 'l2', token: 'change-me-desk-token-000' }] } })));
    const r = await runCli(['check-config', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: auth\.tokens\.0\.token: .*placeholder/);
    expect(r.stdout).toContain('configuration is valid');
  });

  it('reports a file that cannot be read', async () => {
    const r = await runCli(['check-config', tmp().file('missing.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read the file: ENOENT');
  });
});

describe('starting escalatord on a configuration', () => {
  const tmp = useTempDir(beforeEach, afterEach);
  afterEach(killAllDaemons);

  it('refuses to start on an invalid file, naming the problem, with exit code 2', async () => {
    const file = tmp().write('bad.yaml', 'server: { port: "eighty" }\n');
    const r = await runCli(['--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('server.port');
  });

  it('refuses a calendar without working hours with the list of problems and no stack trace', async () => {
    const dir = tmp().path;
    const file = tmp().write('cal.yaml', toYaml(testConfig(dir, { sla: { calendars: { business: { timezone: 'Europe/London', hours: {} } } } })));
    const r = await runCli(['--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('sla.calendars.business: calendar "business" has no working hours');
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(existsSync(join(dir, 'store.json'))).toBe(false);
  });

  it('refuses placeholder tokens on 0.0.0.0 before touching the store', async () => {
    const dir = tmp().path;
    const file = tmp().write('open.yaml', toYaml(testConfig(dir, { server: { host: '0.0.0.0' }, auth: { tokens: [{ name: 'l2-desk', role: 'l2', token: 'change-me-l2-token-00000000' }] } })));
    const r = await runCli(['--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/auth\.tokens\.0\.token: .*placeholder/);
    expect(existsSync(join(dir, 'store.json'))).toBe(false);
  });

  it('reports a start-up failure that is not in the file as one line, exit 1, without a stack trace', async () => {
    const dir = tmp().path;
    const blocker = tmp().write('not-a-dir', 'a file where the store folder should be');
    const file = tmp().write('store.yaml', toYaml(testConfig(dir, { storage: { path: join(blocker, 'store.json') } })));
    const r = await runCli(['--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^escalatord: .+$/m);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('reads the file named by ESCALATORD_CONFIG when --config is absent', async () => {
    const d = await startDaemonProcess({ dir: tmp().path, configVia: 'env' });
    const res = await fetch(`${d.url}/healthz`);
    expect(res.status).toBe(200);
    expect((await d.stop()).code).toBe(0);
  });

  it('lets ESCALATORD_SERVER__PORT override the port in the file', async () => {
    const port = await freePort();
    const d = await startDaemonProcess({ dir: tmp().path, env: { ESCALATORD_SERVER__PORT: String(port) } });
    expect(d.url).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`${d.url}/healthz`)).status).toBe(200);
    await d.stop();
  });

  it('interpolates ${ENV} in the file it starts on', async () => {
    const dir = tmp().path;
    const config = testConfig(dir, { storage: { path: '${STORE_DIR_FOR_TEST}/from-env.json' } });
    const d = await startDaemonProcess({ dir, configYaml: config, env: { STORE_DIR_FOR_TEST: dir } });
    expect(existsSync(join(dir, 'from-env.json'))).toBe(true);
    await d.stop();
  });
});

// A real Prometheus Alertmanager (Debian package prometheus-alertmanager) delivering to the ingest route:
// firing alerts become component states, and a resolution posted later brings them back to ok.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, startHarness, type Harness } from './ingest-harness.js';

const BINARY = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';
const present = existsSync(BINARY);
if (!present && process.env.CI === 'true') {
  throw new Error(`${BINARY} is missing: CI must install the Debian package prometheus-alertmanager`);
}
if (!present) console.warn(`skipping the real Alertmanager test: ${BINARY} not found (apt-get install -y prometheus-alertmanager)`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(what: () => Promise<T | undefined>, ms: number, label: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await what().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!present)('a real Alertmanager delivering to escalatord', () => {
  let h: Harness;
  let am: ChildProcess;
  let amUrl: string;
  let dir: string;
  let amLog = '';

  beforeAll(async () => {
    h = await startHarness();
    dir = mkdtempSync(join(tmpdir(), 'escalatord-am-'));
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'alertmanager.yml'), [
      'global:',
      '  resolve_timeout: 5s',
      'route:',
      '  receiver: escalatord',
      "  group_by: ['alertname', 'server']",
      '  group_wait: 200ms',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: escalatord',
      '    webhook_configs:',
      `      - url: "${h.url}/api/v1/ingest/alertmanager"`,
      '        send_resolved: true',
      '        http_config:',
      '          authorization:',
      `            credentials: "${TOKENS.ingest}"`,
      '',
    ].join('\n'));
    am = spawn(BINARY, [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=debug',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    am.stdout?.on('data', (d: Buffer) => (amLog += d.toString()));
    am.stderr?.on('data', (d: Buffer) => (amLog += d.toString()));
    await until(async () => ((await fetch(`${amUrl}/-/ready`)).ok ? true : undefined), 15_000, `Alertmanager to be ready\n${amLog}`);
  }, 30_000);

  afterAll(async () => {
    if (am && am.exitCode === null) {
      const exited = new Promise((r) => am.once('exit', r));
      am.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (am.exitCode === null) am.kill('SIGKILL');
    }
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function component(serverId: string, name: string): Promise<{ status: string; kind: string } | undefined> {
    const res = await fetch(`${h.url}/api/v1/servers/${serverId}`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    if (res.status !== 200) return undefined;
    const body = (await res.json()) as { components: Array<{ name: string; status: string; kind: string }> };
    return body.components.find((c) => c.name === name);
  }

  async function postAlerts(alerts: unknown[]): Promise<void> {
    const res = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    expect(res.status, await res.text()).toBe(200);
  }

  it('turns firing alerts into component states and a posted resolution back into ok', async () => {
    const startsAt = new Date(Date.now() - 2000).toISOString();
    const labels = { alertname: 'BackupFailed', server: 'srv-am-1', component: 'backup', severity: 'critical' };
    const diskLabels = { alertname: 'DiskDegraded', instance: 'srv-am-2:9100', component: 'disks', component_kind: 'hardware', severity: 'warning' };
    await postAlerts([
      { labels, annotations: { summary: 'backup job exited with code 3' }, startsAt, generatorURL: 'http://prometheus.example/graph' },
      { labels: diskLabels, annotations: { summary: 'disk 1 SMART predictive failure' }, startsAt },
    ]);
    const failed = await until(async () => {
      const c = await component('srv-am-1', 'backup');
      return c?.status === 'failed' ? c : undefined;
    }, 20_000, `the firing alert to reach escalatord\n${amLog}`);
    expect(failed.kind).toBe('software');
    const disk = await until(async () => {
      const c = await component('srv-am-2', 'disks');
      return c?.status === 'degraded' ? c : undefined;
    }, 20_000, 'the warning alert to reach escalatord');
    expect(disk.kind).toBe('hardware');

    // Every firing delivery so far left one idempotency key per alert state; the resolution adds one more.
    const keysWhileFiring = await h.store.read.dedup.count();
    // The same alert with endsAt in the past: Alertmanager resolves it and notifies at the next group interval.
    await postAlerts([{ labels, annotations: { summary: 'backup job exited with code 3' }, startsAt, endsAt: new Date(Date.now() - 500).toISOString() }]);
    await until(async () => ((await component('srv-am-1', 'backup'))?.status === 'ok' ? true : undefined), 20_000, `the resolution to reach escalatord\n${amLog}`);
    expect((await component('srv-am-2', 'disks'))?.status).toBe('degraded');
    expect(await h.store.read.dedup.count()).toBe(keysWhileFiring + 1);
  }, 60_000);
});

// No Docker engine runs here, so the image's runtime stage is replayed by hand: the files it copies,
// `npm ci --omit=dev`, its baked config with secrets from the environment, and its start command. The
// daemon must start from that tree alone, without dev dependencies, and answer its probes.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForUrl } from '../helpers/net.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CMD = JSON.parse(/^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))![1]) as string[];

describe('a production install, as the image builds it', () => {
  let app: string;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    app = mkdtempSync(join(tmpdir(), 'escalatord-prod-'));
    // What the runtime stage copies: package files, dist (built by the suite's global setup), src, config.
    for (const f of ['package.json', 'package-lock.json']) cpSync(join(ROOT, f), join(app, f));
    for (const d of ['dist', 'src', 'config']) cpSync(join(ROOT, d), join(app, d), { recursive: true });
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'], { cwd: app, stdio: 'pipe', timeout: 240_000 });
  }, 300_000);

  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(app, { recursive: true, force: true });
  });

  it('has no dev dependency in node_modules', () => {
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const dev = Object.entries(lock.packages).filter(([path, p]) => p.dev && path.startsWith('node_modules/') && !path.slice(13).includes('node_modules/'));
    expect(dev.length).toBeGreaterThan(0);
    for (const [path] of dev.slice(0, 20)) expect(() => readFileSync(join(app, path, 'package.json'))).toThrow();
  });

  it('starts with the image command and config, serves its probes and the dashboard, and stops on SIGTERM with 0', async () => {
    const port = await freePort();
    const data = join(app, 'data');
    const config = join(ROOT, 'deploy/docker/config.yaml');
    const [node, ...args] = CMD.map((a) => (a === '/etc/escalatord/config.yaml' ? config : a));
    expect(node).toBe('node');
    child = spawn(process.execPath, args, {
      cwd: app,
      stdio: 'pipe',
      env: {
        PATH: process.env.PATH, NODE_ENV: 'production',
        ESCALATORD_SERVER__PORT: String(port), ESCALATORD_SERVER__HOST: '127.0.0.1', ESCALATORD_STORAGE__PATH: join(data, 'escalatord.json'),
        ESCALATORD_VIEWER_TOKEN: 'viewer-token-for-the-test-000', ESCALATORD_L2_TOKEN: 'l2-token-for-the-test-0000',
        ESCALATORD_ADMIN_TOKEN: 'admin-token-for-the-test-000', ESCALATORD_INGEST_TOKEN: 'ingest-token-for-the-test-00',
        ESCALATORD_CONSOLE_SECRET: 'whsec_dGVzdC1zZWNyZXQtZm9yLXRoZS10ZXN0', ESCALATORD_CONSOLE_URL: 'http://127.0.0.1:9',
        ESCALATORD_TICKETING_URL: 'http://127.0.0.1:9',
      },
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForUrl(`${base}/readyz`, { timeoutMs: 20_000 });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/`)).headers.get('content-type')).toMatch(/text\/html/);
    expect((await fetch(`${base}/api/v1/incidents`)).status).toBe(401);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});

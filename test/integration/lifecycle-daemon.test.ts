// The compiled daemon's life: it serves its probes, refuses an unsafe bind, and on SIGTERM turns
// unready, lets the request in flight finish and exits 0 in time.
import { request, type IncomingMessage } from 'node:http';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { killAllDaemons, runCli, startDaemonProcess, testConfig } from '../helpers/daemon-process.js';
import { sleep, waitFor } from '../helpers/net.js';
import { useTempDir } from '../helpers/tmp.js';

const INGEST_TOKEN = 'ingest-token-for-lifecycle-01';

describe('the daemon process', () => {
  const tmp = useTempDir(beforeEach, afterEach);
  afterEach(killAllDaemons);

  it('answers /healthz and /readyz once it reports ready', async () => {
    const d = await startDaemonProcess({ dir: tmp().path });
    const health = await fetch(`${d.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${d.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect((await d.stop()).code).toBe(0);
  });

  it('refuses to listen on 0.0.0.0 without tokens, before touching the store', async () => {
    const dir = tmp().path;
    const file = tmp().write('open.yaml', toYaml(testConfig(dir, { server: { host: '0.0.0.0' } })));
    const r = await runCli(['--config', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('refusing to listen on 0.0.0.0 without any auth.tokens configured');
    expect(existsSync(tmp().file('store.json'))).toBe(false);
  });

  it('listens on 0.0.0.0 when tokens are configured', async () => {
    const dir = tmp().path;
    const config = testConfig(dir, { server: { host: '0.0.0.0' }, auth: { tokens: [{ name: 'desk', role: 'l2', token: 'l2-token-for-lifecycle-01' }] } });
    const d = await startDaemonProcess({ dir, configYaml: config });
    const port = new URL(d.url).port;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await d.stop()).code).toBe(0);
  });

  it('exits 0 on SIGTERM when idle, and releases the store lock', async () => {
    const d = await startDaemonProcess({ dir: tmp().path });
    expect(existsSync(tmp().file('store.json.lock'))).toBe(true);
    const started = Date.now();
    const r = await d.stop('SIGTERM');
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(existsSync(tmp().file('store.json.lock'))).toBe(false);
    expect(r.stdout).toContain('escalatord stopped');
  });

  it('on SIGTERM answers /readyz 503, finishes the request in flight and exits 0 within 10 s', async () => {
    const dir = tmp().path;
    const config = testConfig(dir, { server: { shutdownTimeout: '8s' }, auth: { tokens: [{ name: 'console', role: 'ingest', token: INGEST_TOKEN }] } });
    const d = await startDaemonProcess({ dir, configYaml: config });
    const { host, port } = new URL(d.url);

    // A console webhook whose body arrives slowly: the daemon is reading it when SIGTERM comes.
    const body = JSON.stringify({
      serverId: 'srv-0001',
      observedAt: new Date().toISOString(),
      reachable: true,
      components: [{ name: 'backup', kind: 'software', status: 'ok' }],
    });
    const req = request({
      host: host.split(':')[0], port, method: 'POST', path: '/api/v1/ingest/console',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      req.on('response', (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8').on('data', (s: string) => (text += s)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
    });
    // Settled below; this only keeps an early failure from surfacing as an unhandled rejection.
    response.catch(() => undefined);
    req.write(body.slice(0, 20));
    await sleep(500);

    const signalledAt = Date.now();
    d.child.kill('SIGTERM');
    // Not a fixed pause: on a busy machine the signal may take longer to be handled than any guess.
    await waitFor(() => d.logs().some((l) => l.msg === 'shutting down'), { timeoutMs: 10_000, what: 'the daemon to start shutting down' });
    const readyz = await fetch(`${d.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(readyz.headers.get('content-type')).toContain('application/problem+json');
    await readyz.body?.cancel();

    // The rest of the body, still slowly, well after the signal.
    for (let i = 20; i < body.length; i += 40) {
      req.write(body.slice(i, i + 40));
      await sleep(50);
    }
    req.end();
    const res = await response;
    expect(res.status, res.text).toBe(202);

    const exit = await d.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(exit.stdout).toContain('escalatord stopped');
  });
});

// The composition root in-process: start() and stop() are each safe to call twice, in either order.
import { existsSync } from 'node:fs';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDaemon } from '../../src/app.js';
import { parseConfigText } from '../../src/config/load.js';
import { stringify as toYaml } from 'yaml';
import { testConfig } from '../helpers/daemon-process.js';
import { useTempDir } from '../helpers/tmp.js';

describe('buildDaemon', () => {
  const tmp = useTempDir(beforeEach, afterEach);
  const make = () => {
    const config = parseConfigText(toYaml(testConfig(tmp().path)), 'test.yaml', {});
    return buildDaemon({ config, logger: pino({ level: 'silent' }) });
  };

  it('starts once when start() is called twice, and stops once when stop() is called twice', async () => {
    const daemon = make();
    await Promise.all([daemon.start(), daemon.start()]);
    const url = daemon.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await daemon.start();
    expect(daemon.url).toBe(url);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    await Promise.all([daemon.stop(), daemon.stop()]);
    await daemon.stop();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(existsSync(tmp().file('store.json.lock'))).toBe(false);
  });

  it('runs every shutdown step when an early one throws: the port and the store lock are released, and the failure is logged', async () => {
    const lines: Array<{ msg: string; step?: string; problems?: number }> = [];
    const config = parseConfigText(toYaml(testConfig(tmp().path)), 'test.yaml', {});
    const daemon = buildDaemon({ config, logger: pino({ level: 'warn' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string }) }) });
    await daemon.start();
    const url = daemon.url;
    // The second step of the shutdown: everything after it must still run.
    daemon.leadership.stop = () => Promise.reject(new Error('lease table unreachable'));
    await expect(daemon.stop()).resolves.toBeUndefined();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(existsSync(tmp().file('store.json.lock'))).toBe(false);
    expect(lines.filter((l) => l.msg === 'a shutdown step failed; continuing').map((l) => l.step)).toEqual(['leadership']);
  });

  it('may be stopped without having been started', async () => {
    const daemon = make();
    await expect(daemon.stop()).resolves.toBeUndefined();
    await expect(daemon.stop()).resolves.toBeUndefined();
  });

  it('leaves the store to the next daemon once stopped', async () => {
    const first = make();
    await first.start();
    await first.store.transaction((u) => u.meta.put('marker', 'first'));
    await first.stop();
    const second = make();
    await second.start();
    try {
      expect(await second.store.read.meta.get('marker')).toBe('first');
    } finally {
      await second.stop();
    }
  });
});

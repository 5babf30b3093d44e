// The compiled daemon's start-up refusals over its store: a second daemon on the same file, and files it
// cannot trust. Each refusal exits non-zero, says why, and leaves the file exactly as it was.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { killAllDaemons, runCli, startDaemonProcess, testConfig } from '../helpers/daemon-process.js';
import { sha256File, useTempDir } from '../helpers/tmp.js';

describe('escalatord and its store file', () => {
  const tmp = useTempDir(beforeEach, afterEach);
  afterEach(killAllDaemons);

  /** Runs a daemon once so the store file exists with real content, and stops it cleanly. */
  async function storeFromARealRun(): Promise<{ store: string; configFile: string }> {
    const d = await startDaemonProcess({ dir: tmp().path });
    expect((await d.stop()).code).toBe(0);
    const store = tmp().file('store.json');
    expect(existsSync(store)).toBe(true);
    const configFile = tmp().write('again.yaml', toYaml(testConfig(tmp().path)));
    return { store, configFile };
  }

  it('refuses a second daemon on the same store with a clear message, and the first keeps serving', async () => {
    const first = await startDaemonProcess({ dir: tmp().path });
    const configFile = tmp().write('second.yaml', toYaml(testConfig(tmp().path)));
    const before = sha256File(tmp().file('store.json'));

    const second = await runCli(['--config', configFile]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`in use by another escalatord (pid ${first.child.pid})`);
    expect(sha256File(tmp().file('store.json'))).toBe(before);
    expect((JSON.parse(readFileSync(tmp().file('store.json.lock'), 'utf8')) as { pid: number }).pid).toBe(first.child.pid);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    expect((await first.stop()).code).toBe(0);
  });

  it('refuses to start on a truncated store, names the file, and leaves it byte-for-byte unchanged', async () => {
    const { store, configFile } = await storeFromARealRun();
    const text = readFileSync(store, 'utf8');
    writeFileSync(store, text.slice(0, text.length - 5));
    const before = sha256File(store);

    const r = await runCli(['--config', configFile]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`the store file ${store} cannot be read`);
    expect(r.stderr).toContain('not valid JSON');
    expect(sha256File(store)).toBe(before);
    expect(existsSync(`${store}.lock`)).toBe(false);
  });

  it('refuses to start on an empty store file and leaves it empty', async () => {
    const { store, configFile } = await storeFromARealRun();
    writeFileSync(store, '');
    const r = await runCli(['--config', configFile]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('the file is empty');
    expect(readFileSync(store, 'utf8')).toBe('');
  });

  it('refuses a store written by a newer escalatord and leaves it unchanged', async () => {
    const { store, configFile } = await storeFromARealRun();
    const doc = JSON.parse(readFileSync(store, 'utf8')) as Record<string, unknown>;
    writeFileSync(store, JSON.stringify({ ...doc, schemaVersion: 99 }));
    const before = sha256File(store);
    const r = await runCli(['--config', configFile]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('newer escalatord (schema 99');
    expect(sha256File(store)).toBe(before);
  });

  it('starts on a store left behind by a SIGKILLed daemon', async () => {
    const first = await startDaemonProcess({ dir: tmp().path });
    const killed = await first.kill();
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(tmp().file('store.json.lock'))).toBe(true);

    const again = await startDaemonProcess({ dir: tmp().path });
    expect((await fetch(`${again.url}/readyz`)).status).toBe(200);
    expect((await again.stop()).code).toBe(0);
    expect(existsSync(tmp().file('store.json.lock'))).toBe(false);
  });
});

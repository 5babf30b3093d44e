// Durability across a SIGKILL: whatever the store acknowledged before the kill is in the file after
// it, the file still parses, and the dead process's lock is taken over.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LowdbStore } from '../../src/store/lowdb-store.js';
import { readStoreDocumentSync } from '../../src/store/durable-file-adapter.js';
import type { StoreData } from '../../src/store/types.js';
import { REPO_ROOT } from '../helpers/daemon-process.js';
import { useTempDir } from '../helpers/tmp.js';

describe('LowdbStore after a SIGKILL', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('keeps every acknowledged commit and lets a new store take over the stale lock', async () => {
    const path = tmp().file('store.json');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/commit-stream.ts', path, '8'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const acked = (): string[] => [...out.matchAll(/^ack (\S+)$/gm)].map((m) => m[1]);
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('close', (code, signal) => r({ code, signal })));

    // Kill mid-stream: once a few hundred commits are acknowledged, with more in flight.
    await new Promise<void>((resolveKill, reject) => {
      const timer = setTimeout(() => reject(new Error(`the fixture acknowledged only ${acked().length} commits\nstderr:\n${err}`)), 20_000);
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        out += s;
        if (acked().length >= 300 && !child.killed) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolveKill();
        }
      });
      void exited.then(() => reject(new Error(`the fixture exited on its own\nstderr:\n${err}`)));
    });
    const { signal } = await exited;
    expect(signal).toBe('SIGKILL');

    const ids = acked();
    expect(ids.length).toBeGreaterThanOrEqual(300);
    // The dead child's lock is still there: it had no chance to remove it.
    expect(existsSync(`${path}.lock`)).toBe(true);

    const onDisk = readStoreDocumentSync<StoreData>(path);
    const missing = ids.filter((id) => !(id in onDisk.dedup));
    expect(missing).toEqual([]);

    const store = new LowdbStore({ path });
    await store.open();
    try {
      expect(readFileSync(`${path}.lock`, 'utf8').trim()).toBe(String(process.pid));
      expect(ids.every((id) => id in store.data.dedup)).toBe(true);
      await store.commit((d) => void (d.dedup.after = 'restart'));
    } finally {
      await store.close();
    }
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});

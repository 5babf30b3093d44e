// One process per store file: a lock held by a live process refuses a second store; a lock left by a
// dead process (SIGKILL, power cut) or holding garbage is taken over.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LowdbStore } from '../../src/store/lowdb-store.js';
import { StoreLockedError } from '../../src/store/lock-file.js';
import { sha256File, useTempDir } from '../helpers/tmp.js';

function idleProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child));
    child.once('error', reject);
  });
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => child.once('close', r));
  return child.pid!;
}

describe('the store lock', () => {
  const tmp = useTempDir(beforeEach, afterEach);
  let other: ChildProcess | undefined;
  afterEach(() => {
    other?.kill('SIGKILL');
    other = undefined;
  });

  it('refuses to open a store whose lock belongs to a live process, and leaves the file and the lock alone', async () => {
    const path = tmp().file('store.json');
    const first = new LowdbStore({ path });
    await first.open();
    await first.commit((d) => void (d.dedup.kept = 'yes'));
    await first.close();
    other = await idleProcess();
    writeFileSync(`${path}.lock`, String(other.pid));
    const before = sha256File(path);

    const second = new LowdbStore({ path });
    const failure = await second.open().then(() => null, (err: unknown) => err);
    expect(failure).toBeInstanceOf(StoreLockedError);
    expect(failure).toMatchObject({ code: 'store_locked', pid: other.pid });
    expect((failure as Error).message).toContain(`pid ${other.pid}`);
    expect(sha256File(path)).toBe(before);
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(String(other.pid));
    await expect(second.commit(() => 1)).rejects.toMatchObject({ code: 'store_unavailable' });
    await second.close();
    expect(existsSync(`${path}.lock`)).toBe(true);
  });

  it('takes over a lock whose process is gone', async () => {
    const path = tmp().file('store.json');
    const pid = await deadPid();
    writeFileSync(`${path}.lock`, String(pid));
    const store = new LowdbStore({ path });
    await store.open();
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(String(process.pid));
    await store.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('takes over a lock file that does not hold a pid', async () => {
    const path = tmp().file('store.json');
    writeFileSync(`${path}.lock`, 'not a pid\n');
    const store = new LowdbStore({ path });
    await store.open();
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(String(process.pid));
    await store.close();
  });

  it('removes its lock on close, so the next store opens cleanly', async () => {
    const path = tmp().file('store.json');
    const a = new LowdbStore({ path });
    await a.open();
    expect(existsSync(`${path}.lock`)).toBe(true);
    await a.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
    const b = new LowdbStore({ path });
    await b.open();
    await b.close();
  });
});

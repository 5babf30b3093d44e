// One daemon per store: the lock names its owner by pid and by that process's start time, so a pid that
// was reused by an unrelated process after a crash does not keep the daemon from starting.
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockFile, processStartTime, StoreLockedError } from '../../src/store/lock-file.js';
import { useTempDir } from '../helpers/tmp.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function startProcess(command: string, args: string[]): Promise<number> {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  return new Promise((resolve, reject) => child.once('spawn', () => resolve(child.pid!)).once('error', reject));
}

describe('LockFile', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('records the pid, the process start time and the host, and removes the file on release', () => {
    const path = tmp().file('store.json.lock');
    const lock = new LockFile(path);
    lock.acquire();
    const recorded = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(recorded).toMatchObject({ pid: process.pid, start: processStartTime(process.pid), host: hostname() });
    expect(typeof recorded.start).toBe('string');
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a lock whose pid is alive but belongs to another process than the one that wrote it', async () => {
    const path = tmp().file('store.json.lock');
    const unrelated = await startProcess('sleep', ['30']);
    writeFileSync(path, JSON.stringify({ pid: unrelated, start: '1', host: hostname() }));
    const lock = new LockFile(path);
    expect(() => lock.acquire()).not.toThrow();
    expect((JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid).toBe(process.pid);
    lock.release();
  });

  it('refuses a lock whose owner is still running, naming its pid', async () => {
    const path = tmp().file('store.json.lock');
    const owner = await startProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    writeFileSync(path, JSON.stringify({ pid: owner, start: processStartTime(owner), host: hostname() }));
    expect(() => new LockFile(path).acquire()).toThrow(StoreLockedError);
    expect(() => new LockFile(path).acquire()).toThrow(`pid ${owner}`);
  });

  it('takes over a lock of a process that is gone', async () => {
    const path = tmp().file('store.json.lock');
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    const pid = await new Promise<number>((r) => child.once('exit', () => r(child.pid!)));
    writeFileSync(path, JSON.stringify({ pid, start: '1', host: hostname() }));
    expect(() => new LockFile(path).acquire()).not.toThrow();
  });

  it('reads a lock of the old format (a bare pid): an unrelated live program does not hold the store, a live node process does', async () => {
    const path = tmp().file('store.json.lock');
    writeFileSync(path, String(await startProcess('sleep', ['30'])));
    const lock = new LockFile(path);
    expect(() => lock.acquire()).not.toThrow();
    lock.release();
    const node = await startProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    writeFileSync(path, String(node));
    expect(() => new LockFile(path).acquire()).toThrow(StoreLockedError);
  });

  it('refuses a lock written on another host, where its pid means nothing here', () => {
    const path = tmp().file('store.json.lock');
    writeFileSync(path, JSON.stringify({ pid: 1, start: '1', host: 'another-host.example' }));
    expect(() => new LockFile(path).acquire()).toThrow(/another-host\.example/);
  });
});

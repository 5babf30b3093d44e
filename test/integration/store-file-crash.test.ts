// Drills on a real process: a child commits without end and is SIGKILLed — mid-stream, and right after a
// snapshot while commits keep coming. Every commit it acknowledged is there after the restart, the files
// load without complaint, and the dead process's lock is taken over.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore } from '../../src/store/file/file-store.js';
import { REPO_ROOT } from '../helpers/daemon-process.js';
import { useTempDir } from '../helpers/tmp.js';

interface Run {
  acked: string[];
  snapshotsBeforeKill: number;
}

/** Runs the streaming child until `killWhen` holds for what it printed, then SIGKILLs it. */
async function streamAndKill(path: string, args: string[], killWhen: (acked: number, snaps: number, lastLine: string) => boolean): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/file-store-child.ts', path, 'stream', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let acked = 0;
  let snaps = 0;
  let snapsAtKill = 0;
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<{ signal: string | null }>((r) => child.once('close', (_code, signal) => r({ signal })));
  await new Promise<void>((resolveKill, reject) => {
    const timer = setTimeout(() => reject(new Error(`the child acknowledged only ${acked} commits (${snaps} snapshots)\nstderr:\n${err}`)), 25_000);
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      pending += s;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('ack ')) acked += 1;
        else if (line === 'snap') snaps += 1;
        if (!child.killed && killWhen(acked, snaps, line)) {
          snapsAtKill = snaps;
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolveKill();
          return;
        }
      }
    });
    void exited.then(() => reject(new Error(`the child exited on its own\nstderr:\n${err}`)));
  });
  const { signal } = await exited;
  expect(signal).toBe('SIGKILL');
  return { acked: [...out.matchAll(/^ack (\S+)$/gm)].map((m) => m[1]), snapshotsBeforeKill: snapsAtKill };
}

async function expectAllPresent(path: string, acked: string[]): Promise<void> {
  // The child had no chance to remove its lock; a new store takes it over.
  expect(existsSync(`${path}.lock`)).toBe(true);
  const store = new FileStore({ path });
  await store.open();
  try {
    const missing: string[] = [];
    for (const key of acked) if (!(await store.read.dedup.has(key))) missing.push(key);
    expect(missing).toEqual([]);
    // Every acknowledged unit wrote its incident and event with its key; ids and seqs have no gaps.
    const count = await store.read.incidents.count();
    expect(count).toBeGreaterThanOrEqual(acked.length);
    expect(await store.read.events.latestSeq()).toBe(count);
    expect(await store.read.dedup.count()).toBe(count);
    await store.transaction((u) => u.meta.put('after', 'restart'));
  } finally {
    await store.close();
  }
  expect(existsSync(`${path}.lock`)).toBe(false);
}

describe('the file engine under SIGKILL', () => {
  const tmp = useTempDir(beforeEach, afterEach);

  it('keeps every acknowledged commit of a process killed mid-stream', async () => {
    const path = tmp().file('store.json');
    const { acked } = await streamAndKill(path, ['8'], (n) => n >= 400);
    expect(acked.length).toBeGreaterThanOrEqual(400);
    await expectAllPresent(path, acked);
  });

  it('keeps every acknowledged commit of a process killed right after a snapshot, with commits in flight', async () => {
    const path = tmp().file('store.json');
    // A snapshot every 25 group commits: the kill lands right after the third one, while 16 units keep committing.
    const { acked, snapshotsBeforeKill } = await streamAndKill(path, ['16', '25'], (_n, snaps, line) => line === 'snap' && snaps >= 3);
    expect(snapshotsBeforeKill).toBeGreaterThanOrEqual(3);
    expect(acked.length).toBeGreaterThan(0);
    await expectAllPresent(path, acked);
  });

  it('keeps every acknowledged commit when a restarted store is killed again right after its first snapshot', async () => {
    const path = tmp().file('store.json');
    const first = await streamAndKill(path, ['16'], (n) => n >= 300);
    // The restart replays the journal; the burst after it triggers a snapshot at once.
    const second = await streamAndKill(path, ['16', '5'], (_n, snaps, line) => line === 'snap' && snaps >= 1);
    expect(second.snapshotsBeforeKill).toBe(1);
    await expectAllPresent(path, [...first.acked, ...second.acked]);
  });
});

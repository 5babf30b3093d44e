// A real full disk: the file engine on a 2 MiB tmpfs. A journal line that no longer fits is written in
// part (a torn write: the kernel fills the last page and stops); the engine cuts it off and rejects the
// commit, so nothing acknowledged is lost, the journal never ends in a torn line, start-up is never
// refused afterwards, and writes resume on their own once space is freed.
// Needs `mount -t tmpfs` (root). Elsewhere it skips with a message; under CI=true it fails instead.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ShortWriteError } from '../../src/store/file/append-only-file.js';
import { FileStore } from '../../src/store/file/file-store.js';
import { parseJournal } from '../../src/store/file/journal-lines.js';
import type { Store } from '../../src/store/port.js';
import { waitFor } from '../helpers/net.js';

const PAGE = 4096;
let root = '';
let mountError: string | null = null;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'escalatord-fulldisk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', root], { stdio: 'pipe' });
  } catch (err) {
    mountError = `${(err as Error).message}`.split('\n')[0];
    if (process.env.CI === 'true') throw new Error(`cannot mount a tmpfs for the full-disk drill (${mountError}); under CI it must run as root`);
    process.stderr.write(`store-file-full-disk: skipped, mount -t tmpfs is not permitted here (${mountError})\n`);
  }
});

afterAll(() => {
  if (!mountError) {
    try {
      execFileSync('umount', [root], { stdio: 'pipe' });
    } catch {
      // A failed test may leave a file open on it: detach it anyway.
      execFileSync('umount', ['-l', root]);
    }
  }
  rmSync(root, { recursive: true, force: true });
});

let caseDir = '';
let n = 0;
afterEach(() => {
  if (caseDir) rmSync(caseDir, { recursive: true, force: true });
  caseDir = '';
});

function newCase(): string {
  caseDir = join(root, `case-${++n}`);
  mkdirSync(caseDir);
  return caseDir;
}

/** Fills the disk with `filler` until it is full; returns the filler's size (a whole number of pages). */
function fillDisk(filler: string): number {
  const fd = openSync(filler, 'a');
  const chunk = Buffer.alloc(PAGE, 0x61);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return statSync(filler).size;
}

/** Frees exactly `pages` pages of the filler. */
function freePages(filler: string, pages: number): void {
  const size = statSync(filler).size;
  truncateSync(filler, Math.floor(size / PAGE) * PAGE - pages * PAGE);
}

/** A commit whose journal line is about `bytes` long. */
const commit = (store: Store, key: string, bytes: number) => store.transaction((u) => {
  u.meta.put(key, 'x'.repeat(bytes - 40));
});

/**
 * What a process death does to a store, for one dropped in this process: it does no more I/O — no
 * snapshot, no lock released. Dropping the object alone is not that: an unhealthy store's recovery timer
 * keeps running, and its probe (an empty batch, appended at what it last knew as the journal's end)
 * lands in the files the next store owns. A write or probe already under way finishes first (a death
 * just after it); the store's commits had all settled, so that is no later than the test looked.
 */
async function die(store: FileStore): Promise<void> {
  const s = store as unknown as { closed: boolean; retryTimer: NodeJS.Timeout | undefined; writing: Promise<void> | null; journal: { close(): Promise<void> } };
  expect(['closed', 'retryTimer', 'writing', 'journal'].filter((k) => !(k in s)), 'the TablesStore fields die() stops').toEqual([]);
  s.closed = true; // the recovery timer and scheduleRecovery() stand down
  clearTimeout(s.retryTimer);
  while (s.writing) await s.writing.catch(() => undefined);
  await s.journal.close();
}

function journalIsWhole(path: string): { lines: number; bytes: number } {
  const bytes = readFileSync(`${path}.journal`);
  expect(bytes.length === 0 || bytes[bytes.length - 1] === 0x0a).toBe(true);
  return { lines: parseJournal(bytes, `${path}.journal`).lines.length, bytes: bytes.length };
}

describe('the file engine on a full disk (tmpfs)', () => {
  it('cuts off a torn journal write, loses nothing acknowledged, starts again while full and resumes once space is freed', async (ctx) => {
    if (mountError) return ctx.skip();
    const dir = newCase();
    const path = join(dir, 'store.json');
    const filler = join(dir, 'filler');
    const errors: unknown[] = [];
    const acked: string[] = [];
    const a = new FileStore({ path, retryWriteMs: 20, onWriteError: (e) => void errors.push(e) });
    await a.open();
    await commit(a, 'before-full', 500);
    acked.push('before-full');

    // The journal's page has room for about 3.5 KB; the disk has none.
    fillDisk(filler);
    await commit(a, 'fits-in-the-page', 2_000);
    acked.push('fits-in-the-page');
    const good = journalIsWhole(path);
    // This line does not fit: the kernel writes what fits in the page and stops.
    await expect(commit(a, 'torn', 3_000)).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(errors.some((e) => e instanceof ShortWriteError)).toBe(true);
    expect(a.healthy).toBe(false);
    expect(await a.read.meta.get('torn')).toBeUndefined();
    expect(journalIsWhole(path)).toEqual(good);
    // Still full: refused again, and still no torn tail to glue the next line onto.
    await expect(commit(a, 'still-full', 3_000)).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(journalIsWhole(path)).toEqual(good);

    // Space comes back: the engine notices on its own, and writes resume.
    rmSync(filler);
    await waitFor(() => a.healthy, { what: 'the store to be healthy again' });
    await commit(a, 'after-space', 3_000);
    acked.push('after-space');

    // Full again, torn again; then the process dies (no close: no snapshot, the lock left behind).
    fillDisk(filler);
    errors.length = 0;
    for (let i = 0; errors.length === 0 && i < 10; i++) {
      await commit(a, `late-${i}`, 1_500).then(() => acked.push(`late-${i}`), () => undefined);
    }
    expect(errors.length).toBeGreaterThan(0);
    await die(a);
    const left = journalIsWhole(path);

    // A restart on the still-full disk reads every acknowledged commit.
    const b = new FileStore({ path, retryWriteMs: 20 });
    await b.open();
    expect(journalIsWhole(path)).toEqual(left);
    for (const key of acked) expect(await b.read.meta.get(key), key).toBeDefined();
    expect(await b.read.meta.get('torn')).toBeUndefined();
    rmSync(filler);
    await commit(b, 'after-restart', 3_000);
    await b.close();

    const c = new FileStore({ path });
    await c.open();
    for (const key of [...acked, 'after-restart']) expect(await c.read.meta.get(key), key).toBeDefined();
    await c.close();
  });

  it('keeps acknowledging commits the journal holds while snapshots fail for want of space, and leaves no temp file', async (ctx) => {
    if (mountError) return ctx.skip();
    const dir = newCase();
    const path = join(dir, 'store.json');
    const filler = join(dir, 'filler');
    const snapshotErrors: unknown[] = [];
    const store = new FileStore({ path, snapshotAfterEntries: 2, snapshotRetryMs: 0, onSnapshotError: (e) => void snapshotErrors.push(e) });
    await store.open();
    // Enough state that a snapshot needs several pages.
    for (let i = 0; i < 6; i++) await commit(store, `big-${i}`, 3_000);
    fillDisk(filler);
    freePages(filler, 2);
    const acked: string[] = [];
    for (let i = 0; i < 4; i++) {
      await commit(store, `small-${i}`, 300).then(() => acked.push(`small-${i}`), () => undefined);
    }
    expect(acked.length).toBeGreaterThan(0);
    expect(snapshotErrors.length).toBeGreaterThan(0);
    expect(existsSync(join(dir, '.store.json.tmp'))).toBe(false);
    journalIsWhole(path);
    rmSync(filler);
    await store.close();
    const again = new FileStore({ path });
    await again.open();
    for (const key of acked) expect(await again.read.meta.get(key), key).toBeDefined();
    await again.close();
  });
});

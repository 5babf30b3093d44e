// One daemon per store file. The lock names its owner by pid, by that process's start time and by host:
// after a crash the pid may be reused by an unrelated process, and a lock that named only the pid then
// kept the daemon from ever starting. A lock is taken over when its process is gone or is another
// process than the one that wrote it; a live owner refuses start-up.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';

export class StoreLockedError extends Error {
  readonly code = 'store_locked';
  constructor(readonly lockFile: string, readonly pid: number, host?: string) {
    super(
      `the store is in use by another escalatord (pid ${pid}${host ? ` on ${host}` : ''}); lock file ${lockFile}. ` +
        'Stop that daemon or point storage.path elsewhere.',
    );
  }
}

/** What the lock file holds (one JSON object); older versions wrote the bare pid. */
interface LockOwner {
  pid: number;
  /** The process's start time in clock ticks since boot (Linux /proc), which a reused pid does not share; null where unknown. */
  start: string | null;
  host: string;
  startedAt?: string;
}

export class LockFile {
  private held = false;
  constructor(private readonly path: string) {}

  acquire(): void {
    const me: LockOwner = { pid: process.pid, start: processStartTime(process.pid), host: hostname(), startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.path, 'wx', 0o600);
        try {
          writeSync(fd, `${JSON.stringify(me)}\n`);
        } finally {
          closeSync(fd);
        }
        this.held = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const owner = readOwner(this.path);
        if (owner && owner.pid !== process.pid && ownerIsRunning(owner)) throw new StoreLockedError(this.path, owner.pid, owner.host === me.host ? undefined : owner.host);
        // Stale: its process is gone, or the pid now belongs to another process. Remove and try once more.
        unlinkSync(this.path);
      }
    }
    throw new Error(`could not acquire the lock ${this.path}`);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}

/** The owner recorded in the file, or null for a file that names no process (empty, garbage). */
function readOwner(path: string): LockOwner | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
  if (/^\d+$/.test(text)) return { pid: Number(text), start: null, host: hostname() };
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isSafeInteger(v.pid) && (v.pid as number) > 0 && typeof v.host === 'string') {
      return { pid: v.pid as number, start: typeof v.start === 'string' ? v.start : null, host: v.host };
    }
  } catch {
    /* not a lock we can read */
  }
  return null;
}

function ownerIsRunning(owner: LockOwner): boolean {
  // Another machine's pid cannot be checked from here (a store on shared storage): assume it runs.
  if (owner.host !== hostname()) return true;
  if (!isAlive(owner.pid)) return false;
  const start = processStartTime(owner.pid);
  if (start === null) return true; // no /proc: the pid alone has to do
  if (owner.start !== null) return owner.start === start;
  // A lock of the old format: only a node process can be the daemon that wrote it.
  return isNodeProcess(owner.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat (start time after boot, in clock ticks), or null where there is no /proc. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function isNodeProcess(pid: number): boolean {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return /node/i.test(basename(argv0));
  } catch {
    return true;
  }
}

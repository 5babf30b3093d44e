// One daemon per store file. The lock holds the owner's pid; a lock whose pid is gone (a SIGKILLed
// daemon) is taken over, a live one refuses start-up.
import { openSync, writeSync, closeSync, readFileSync, unlinkSync } from 'node:fs';

export class StoreLockedError extends Error {
  readonly code = 'store_locked';
  constructor(readonly lockFile: string, readonly pid: number) {
    super(`the store is in use by another escalatord (pid ${pid}); lock file ${lockFile}. Stop that daemon or point storage.path elsewhere.`);
  }
}

export class LockFile {
  private held = false;
  constructor(private readonly path: string) {}

  acquire(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.path, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        this.held = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number.parseInt(readFileSync(this.path, 'utf8').trim(), 10);
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) throw new StoreLockedError(this.path, pid);
        // Stale lock from a process that died without cleaning up: remove it and try again once.
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

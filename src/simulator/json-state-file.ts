// A simulator's state kept in one JSON file, so the demo's simulated systems survive a restart of the
// daemon like real ones would. Writes are coalesced (one in flight, the latest state wins) and atomic:
// a temporary file beside the target is written, fsynced and renamed over it, so a crash leaves the old
// file or the new one, never half of one.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';

export class JsonStateFile {
  private dirty = false;
  private writing: Promise<void> | null = null;

  constructor(
    readonly path: string,
    private readonly snapshot: () => unknown,
    private readonly logger: Logger,
  ) {}

  /**
   * The saved state, or undefined when there is none. A file that does not parse is renamed
   * `<file>.unreadable-<ms>` (kept for a look, never silently overwritten) and the simulator starts empty.
   */
  load(isValid: (value: unknown) => boolean): unknown {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const value: unknown = JSON.parse(text);
      if (isValid(value)) return value;
    } catch {
      /* set aside below */
    }
    const aside = `${this.path}.unreadable-${Date.now()}`;
    renameSync(this.path, aside);
    this.logger.warn({ file: this.path, movedTo: aside }, 'simulator state file is unreadable; set aside, starting empty');
    return undefined;
  }

  /** Schedules a write of the current state; calls in the same tick become one write. */
  changed(): void {
    this.dirty = true;
    this.writing ??= this.drain();
  }

  /** Resolves once every change made so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      await new Promise((resolve) => setImmediate(resolve));
      while (this.dirty) {
        this.dirty = false;
        await writeAtomically(this.path, `${JSON.stringify(this.snapshot())}\n`);
      }
    } catch (err) {
      this.logger.warn({ file: this.path, err: (err as Error).message }, 'could not save simulator state');
    } finally {
      this.writing = null;
    }
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  // The rename itself is durable only once the directory is synced.
  try {
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    /* some file systems do not allow syncing a directory */
  }
}

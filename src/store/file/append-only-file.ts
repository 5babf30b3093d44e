// An append-only file (the journal, the archive) whose appends are all or nothing. Each append is written
// at the known-good length with O_DSYNC (the data and the new size are on disk when the write returns)
// and its bytesWritten is checked: a short write (a full disk) or an error cuts the file back to the
// known-good length and throws, so a torn piece never stays behind to have the next line glued onto it.
// If even the cut fails, it is done before the next append, which fails if it still cannot be done.
import { constants, existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir } from './fsync-dir.js';

export class ShortWriteError extends Error {
  readonly code = 'ESHORTWRITE';
  constructor(file: string, written: number, wanted: number) {
    super(`short write to ${file}: ${written} of ${wanted} bytes (is the disk full?)`);
  }
}

export class AppendOnlyFile {
  private handle: FileHandle | null = null;
  private good = 0;
  /** A failed append may have left bytes past `good` that could not be cut off yet. */
  private tornTail = false;

  constructor(readonly path: string) {}

  /** Bytes known to be complete and durable. */
  get length(): number {
    return this.good;
  }

  /**
   * Opens the file, creating it (and making its name durable) when missing. `length`: the known-good
   * length found by the caller (anything past it is cut off now); default: the file's current size.
   */
  async open(length?: number): Promise<void> {
    if (this.handle) return;
    const created = !existsSync(this.path);
    this.handle = await open(this.path, constants.O_WRONLY | constants.O_CREAT | constants.O_DSYNC, 0o600);
    try {
      if (created) await fsyncDir(dirname(this.path));
      const size = (await this.handle.stat()).size;
      this.good = length ?? size;
      if (size > this.good) {
        await this.handle.truncate(this.good);
        await this.handle.datasync();
      }
      this.tornTail = false;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Appends `data` whole, durably, or throws with the file as it was. */
  async append(data: Buffer): Promise<void> {
    const handle = this.handle;
    if (!handle) throw new Error(`${this.path} is not open`);
    if (this.tornTail) {
      await handle.truncate(this.good);
      await handle.datasync();
      this.tornTail = false;
    }
    let written: number;
    try {
      ({ bytesWritten: written } = await handle.write(data, 0, data.length, this.good));
    } catch (err) {
      await this.cutBack(handle);
      throw err;
    }
    if (written !== data.length) {
      await this.cutBack(handle);
      throw new ShortWriteError(this.path, written, data.length);
    }
    this.good += data.length;
  }

  /** Cuts the file to `length` (0: empties it), durably. */
  async truncate(length = 0): Promise<void> {
    const handle = this.handle;
    if (!handle) throw new Error(`${this.path} is not open`);
    await handle.truncate(length);
    await handle.datasync();
    this.good = length;
    this.tornTail = false;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }

  private async cutBack(handle: FileHandle): Promise<void> {
    try {
      await handle.truncate(this.good);
      await handle.datasync();
    } catch {
      this.tornTail = true;
    }
  }
}

/**
 * The length of `path` up to and including its last newline (0 when it has none or does not exist): in a
 * file of lines appended whole, what lies after it is a write torn by a crash.
 */
export async function completeLinesLength(path: string): Promise<number> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  try {
    const chunk = Buffer.alloc(64 * 1024);
    let end = (await handle.stat()).size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (at >= 0) return start + at + 1;
      end = start;
    }
    return 0;
  } finally {
    await handle.close();
  }
}

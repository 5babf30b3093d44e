// lowdb adapter that survives power loss: write a temp file, fsync it, rename over the live file, fsync
// the folder. lowdb's own TextFile (steno) renames but never fsyncs, so a crash can leave an empty file.
import { open, rename, readFile, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { Adapter } from 'lowdb';

export class StoreCorruptError extends Error {
  readonly code = 'store_corrupt';
  constructor(readonly file: string, detail: string) {
    super(
      `the store file ${file} cannot be read (${detail}). escalatord will not start on it and has not modified it. ` +
        `Restore it from a backup, or move it aside to start with an empty store.`,
    );
  }
}

export class DurableJsonFile<T> implements Adapter<T> {
  private readonly tmp: string;
  constructor(private readonly file: string) {
    this.tmp = join(dirname(file), `.${basename(file)}.tmp`);
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    if (text.trim() === '') throw new StoreCorruptError(this.file, 'the file is empty');
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new StoreCorruptError(this.file, `not valid JSON: ${(err as Error).message}`);
    }
  }

  async write(data: T): Promise<void> {
    await this.writeText(JSON.stringify(data));
  }

  async writeText(text: string): Promise<void> {
    const handle = await open(this.tmp, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.tmp, this.file);
    await fsyncDir(dirname(this.file));
  }

  async discardTemp(): Promise<void> {
    await unlink(this.tmp).catch(() => undefined);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

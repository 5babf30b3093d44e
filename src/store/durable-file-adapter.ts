// lowdb adapter that survives power loss. The document lives in a snapshot file written the safe way
// (temp file, fsync, rename, fsync the folder: lowdb's steno renames but never fsyncs) plus a journal
// of deltas appended and fsynced per write (see journal.ts), folded into a new snapshot from time to
// time. A snapshot that cannot be read stops start-up and is never overwritten.
import { readFileSync } from 'node:fs';
import { constants } from 'node:fs';
import { open, rename, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { Adapter } from 'lowdb';
import { applyDelta, DeltaTracker, isEmptyDelta, type Delta } from './journal.js';
import { serializeStore } from './serialize.js';

export class StoreCorruptError extends Error {
  readonly code = 'store_corrupt';
  constructor(readonly file: string, detail: string) {
    super(
      `the store file ${file} cannot be read (${detail}). escalatord will not start on it and has not modified it. ` +
        `Restore it from a backup, or move it aside to start with an empty store.`,
    );
  }
}

export interface DurableJsonFileOptions {
  /** Journal size that triggers a new snapshot. Default 64 MiB (replayed in well under a second). */
  snapshotAfterBytes?: number;
  /** Journal entries that trigger a new snapshot. Default 20,000. */
  snapshotAfterEntries?: number;
}

export class DurableJsonFile<T> implements Adapter<T> {
  private readonly tmp: string;
  readonly journalPath: string;
  private readonly tracker = new DeltaTracker();
  private journal: FileHandle | null = null;
  private journalBytes = 0;
  private journalEntries = 0;
  private hasSnapshot = false;
  private needsSnapshot = false;

  constructor(private readonly file: string, private readonly options: DurableJsonFileOptions = {}) {
    this.tmp = join(dirname(file), `.${basename(file)}.tmp`);
    this.journalPath = `${file}.journal`;
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
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new StoreCorruptError(this.file, `not valid JSON: ${(err as Error).message}`);
    }
    this.hasSnapshot = true;
    const replayed = await this.replayJournal(doc);
    // A journal that was replayed is folded into a fresh snapshot at the first write, which also drops a torn last line.
    this.needsSnapshot = replayed;
    this.tracker.reset(doc);
    return doc as T;
  }

  async write(data: T): Promise<void> {
    const doc = data as unknown as Record<string, unknown>;
    const limitBytes = this.options.snapshotAfterBytes ?? 64 * 1024 * 1024;
    const limitEntries = this.options.snapshotAfterEntries ?? 20_000;
    if (!this.hasSnapshot || this.needsSnapshot || this.journalBytes >= limitBytes || this.journalEntries >= limitEntries) {
      await this.snapshot(doc);
      return;
    }
    const delta = this.tracker.diff(doc);
    if (isEmptyDelta(delta)) return;
    await this.append(delta);
  }

  /** Writes the whole document as the new snapshot, then empties the journal. */
  async snapshot(doc: Record<string, unknown>): Promise<void> {
    await this.writeText(serializeStore(doc));
    this.hasSnapshot = true;
    // The snapshot holds everything the journal did: a crash before the truncate replays it idempotently.
    await this.journal?.close();
    this.journal = null;
    const emptied = await open(this.journalPath, 'w', 0o600);
    try {
      await emptied.sync();
    } finally {
      await emptied.close();
    }
    this.journalBytes = 0;
    this.journalEntries = 0;
    this.needsSnapshot = false;
    this.tracker.reset(doc);
  }

  async close(): Promise<void> {
    await this.journal?.close();
    this.journal = null;
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
    // After a failed write the tracker may be ahead of the disk: the next write is a full snapshot.
    this.needsSnapshot = true;
  }

  private async append(delta: Delta): Promise<void> {
    const line = `${JSON.stringify(delta)}\n`;
    // O_DSYNC: the write returns once the data (and the file size) is on disk, in one round trip to
    // the thread pool instead of a write and then an fsync.
    this.journal ??= await open(this.journalPath, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_DSYNC, 0o600);
    await this.journal.write(line);
    this.journalBytes += Buffer.byteLength(line);
    this.journalEntries += 1;
  }

  private async replayJournal(doc: Record<string, unknown>): Promise<boolean> {
    let text: string;
    try {
      text = await readFile(this.journalPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    if (text === '') return false;
    foldJournal(doc, text, this.journalPath);
    return true;
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

/** The document as a new daemon would load it (snapshot plus journal), without changing any file. */
export async function readStoreDocument<T = Record<string, unknown>>(file: string): Promise<T | null> {
  return new DurableJsonFile<T>(file).read();
}

/** Synchronous twin of readStoreDocument, for tests that look at the disk the moment a commit resolves. */
export function readStoreDocumentSync<T = Record<string, unknown>>(file: string): T {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  let journal = '';
  try {
    journal = readFileSync(`${file}.journal`, 'utf8');
  } catch {
    /* no journal yet */
  }
  foldJournal(doc, journal, `${file}.journal`);
  return doc as T;
}

/**
 * Applies every complete journal line to `doc`. The piece after the last newline is a write torn by a
 * crash, never acknowledged, and is ignored; any complete line that does not parse is corruption.
 */
function foldJournal(doc: Record<string, unknown>, text: string, path: string): void {
  const lines = text.split('\n').slice(0, -1);
  for (let i = 0; i < lines.length; i++) {
    let delta: Delta;
    try {
      delta = JSON.parse(lines[i]) as Delta;
    } catch {
      throw new StoreCorruptError(path, `journal line ${i + 1} is not valid JSON`);
    }
    applyDelta(doc, delta, Number.MAX_SAFE_INTEGER);
  }
}

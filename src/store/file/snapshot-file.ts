// lowdb adapter for the snapshot: the whole document, written the safe way — a temp file in the same
// folder, fsync, rename over the snapshot, fsync the folder (lowdb's own steno renames but never fsyncs,
// so a power cut could leave an empty file). A snapshot that cannot be read is refused, never rewritten.
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import { StoreCorruptError } from './errors.js';
import { fsyncDir } from './fsync-dir.js';
import { chunked, snapshotPieces } from './snapshot-json.js';

export type SnapshotDocument = Record<string, unknown>;

export class SnapshotFile implements Adapter<SnapshotDocument> {
  readonly tmp: string;

  constructor(readonly path: string) {
    this.tmp = join(dirname(path), `.${basename(path)}.tmp`);
  }

  /** The document, or null when there is no snapshot yet; throws StoreCorruptError when it cannot be read. */
  async read(): Promise<SnapshotDocument | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    if (text.trim() === '') throw new StoreCorruptError(this.path, 'the file is empty');
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new StoreCorruptError(this.path, `not valid JSON: ${(err as Error).message}`);
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new StoreCorruptError(this.path, 'it does not hold a JSON object');
    return doc as SnapshotDocument;
  }

  /** Replaces the snapshot with `doc`, durably; on failure the old snapshot stays and the temp file goes. */
  async write(doc: SnapshotDocument): Promise<void> {
    const pieces = snapshotPieces(doc);
    const handle = await open(this.tmp, 'w', 0o600);
    try {
      for (const buf of chunked(pieces)) {
        let offset = 0;
        while (offset < buf.length) {
          const { bytesWritten } = await handle.write(buf, offset, buf.length - offset);
          if (bytesWritten === 0) throw Object.assign(new Error(`no space left writing ${this.tmp}`), { code: 'ENOSPC' });
          offset += bytesWritten;
        }
      }
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await unlink(this.tmp).catch(() => undefined);
      throw err;
    }
    await handle.close();
    try {
      await rename(this.tmp, this.path);
    } catch (err) {
      await unlink(this.tmp).catch(() => undefined);
      throw err;
    }
    await fsyncDir(dirname(this.path));
  }
}

// The `file` engine, the embedded default: the in-memory tables (memory/), made durable by a journal and
// a snapshot beside `storage.path`.
//
// - `<path>.journal`: each group commit appends ONE line — the JSON of its batch's ops — with O_DSYNC at
//   the known-good length (append-only-file.ts); the commits of the batch are acknowledged only after
//   that. A short write or an error cuts the line off again, so the journal never ends in a torn line
//   that the next one would be glued onto.
// - `<path>`: the snapshot, held by lowdb through a durable adapter (snapshot-file.ts). It is rewritten
//   once the journal passes `snapshotAfterBytes` / `snapshotAfterEntries` and at a clean close, then the
//   journal is emptied. The state is copied (a shallow copy: records are immutable) as the batch is
//   taken, under the unit-of-work lock, so the snapshot holds exactly that batch and what was durable
//   before it; commits that land while it is written go into the next journal line. A crash between the
//   rename and the emptying replays the old journal over the new snapshot, which is harmless: ops are
//   idempotent (memory/tables.ts).
// - `<path>.lock`: one process per store.
// Start-up refuses — naming the file, changing nothing — a snapshot that is empty, not JSON or from a
// newer schema, a journal without its snapshot, and a complete journal line that is not a list of ops.
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Low } from 'lowdb';
import { StoreUnavailableError } from '../port.js';
import { LockFile } from '../lock-file.js';
import type { Op } from '../memory/ops.js';
import { TablesStore, type TablesStoreOptions } from '../memory/tables-store.js';
import { AppendOnlyFile } from './append-only-file.js';
import { checkDocumentV2, emptyDocument, foldLegacyJournal, migrateLegacy, schemaVersionOf, SCHEMA_VERSION } from './document.js';
import { StoreCorruptError, StoreVersionError } from './errors.js';
import { encodeJournalLine, parseJournal } from './journal-lines.js';
import { SnapshotFile, type SnapshotDocument } from './snapshot-file.js';

export interface FileStoreOptions extends TablesStoreOptions {
  /** The snapshot file (`storage.path`); the journal is `<path>.journal`, the lock `<path>.lock`. */
  path: string;
  /** A snapshot is written once the journal holds this many bytes. Default 64 MiB (replayed in about a second). */
  snapshotAfterBytes?: number;
  /** …or this many lines (group commits). Default 20,000. */
  snapshotAfterEntries?: number;
  /** After a snapshot failed (the journal still holds everything), the next is tried no sooner than this. Default 30 s. */
  snapshotRetryMs?: number;
  /** `storage.dedupRetention`, for a schema-1 store: its dedup keys held when they were first seen. Default 1 h. */
  dedupRetentionMs?: number;
  /** Each snapshot written, with how long it took. */
  onSnapshot?: (seconds: number) => void;
  /** A snapshot that could not be written (nothing is lost: the journal keeps the commits). */
  onSnapshotError?: (err: unknown) => void;
}

const DEFAULT_SNAPSHOT_BYTES = 64 * 1024 * 1024;
const DEFAULT_SNAPSHOT_ENTRIES = 20_000;
/** An empty batch: what the engine appends to learn whether the disk takes writes again. */
const PROBE: Op[] = [];
/** lowdb's data while no snapshot is being read or written. */
const NONE: SnapshotDocument = Object.freeze({});

export class FileStore extends TablesStore {
  readonly engine = 'file' as const;
  readonly path: string;
  readonly journalPath: string;
  private readonly snapshotFile: SnapshotFile;
  private readonly db: Low<SnapshotDocument>;
  private readonly journal: AppendOnlyFile;
  private readonly lockFile: LockFile;
  private journalEntries = 0;
  private captured: SnapshotDocument | null = null;
  private snapshotNotBefore = 0;
  private closing: Promise<void> | null = null;
  private io: Promise<void> = Promise.resolve();

  constructor(private readonly fileOptions: FileStoreOptions) {
    super(fileOptions);
    this.path = resolve(fileOptions.path);
    this.journalPath = `${this.path}.journal`;
    this.snapshotFile = new SnapshotFile(this.path);
    // lowdb keeps the document only while it is read or written; the tables hold the state.
    this.db = new Low<SnapshotDocument>(this.snapshotFile, NONE);
    this.journal = new AppendOnlyFile(this.journalPath);
    this.lockFile = new LockFile(`${this.path}.lock`);
  }

  async open(): Promise<void> {
    if (this.opened) return;
    if (this.closed) throw new StoreUnavailableError('the store was closed');
    mkdirSync(dirname(this.path), { recursive: true });
    this.lockFile.acquire();
    try {
      await this.load();
    } catch (err) {
      await this.journal.close().catch(() => undefined);
      this.lockFile.release();
      throw err;
    }
    this.opened = true;
  }

  /** Flushes, writes a snapshot (so the next start reads no journal) and releases the lock. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (!this.opened) {
      this.closed = true;
      return;
    }
    this.closed = true; // no new unit of work from here on
    try {
      // Units of work already waiting run first and commit; then every commit is written.
      await this.exclusive(() => undefined);
      await this.closeTables();
      // Unhealthy: the last commits were undone and the journal holds the truth; nothing to fold.
      if (this.healthy && this.journal.length > 0) {
        const doc = await this.exclusive(() => this.copyState());
        await this.serially(() => this.writeSnapshot(doc)).catch((err: unknown) => this.fileOptions.onSnapshotError?.(err));
      }
    } finally {
      await this.journal.close().catch(() => undefined);
      this.lockFile.release();
    }
  }

  protected persist(batch: Op[][]): Promise<void> {
    // The copy taken with this batch (if any) goes with it: if the append fails, the copy holds undone commits.
    const doc = this.captured;
    this.captured = null;
    return this.serially(() => this.appendBatch(batch, doc));
  }

  private async appendBatch(batch: Op[][], doc: SnapshotDocument | null): Promise<void> {
    const ops = batch.length === 1 ? batch[0] : batch.flat();
    await this.journal.append(encodeJournalLine(ops));
    this.journalEntries += 1;
    // The batch is durable: a snapshot that fails now loses nothing, so it does not fail the batch.
    if (doc) {
      await this.writeSnapshot(doc).catch((err: unknown) => {
        this.snapshotNotBefore = Date.now() + (this.fileOptions.snapshotRetryMs ?? 30_000);
        this.fileOptions.onSnapshotError?.(err);
      });
    }
  }

  /**
   * After a failed append the tables were rolled back to what the journal holds, so nothing needs
   * rewriting (a full snapshot is the last thing a full disk takes): the journal's torn tail is cut
   * and an empty batch appended, to learn that the disk takes writes again.
   */
  protected recover(): Promise<void> {
    return this.serially(async () => {
      await this.journal.close();
      await this.journal.open(this.journal.length);
      await this.journal.append(encodeJournalLine(PROBE));
      this.journalEntries += 1;
    });
  }

  /** Journal I/O one operation at a time, whatever the caller does: two appends at one offset would overwrite each other. */
  private serially<T>(io: () => Promise<T>): Promise<T> {
    const run = this.io.then(io);
    this.io = run.then(() => undefined, () => undefined);
    return run;
  }

  protected override captureDue(): boolean {
    if (this.closed || Date.now() < this.snapshotNotBefore) return false;
    return this.journal.length >= (this.fileOptions.snapshotAfterBytes ?? DEFAULT_SNAPSHOT_BYTES)
      || this.journalEntries >= (this.fileOptions.snapshotAfterEntries ?? DEFAULT_SNAPSHOT_ENTRIES);
  }

  protected override capture(): void {
    this.captured = this.copyState();
  }

  /** The state as a snapshot document that later commits cannot change (records are immutable; the containers are copied). */
  private copyState(): SnapshotDocument {
    const doc = this.tables.toDocument(SCHEMA_VERSION);
    const t = this.tables;
    return { ...doc, events: t.events.slice(), audit: t.audit.slice(), deadLetters: t.deadLetters.slice(), counters: { ...t.counters } };
  }

  private async writeSnapshot(doc: SnapshotDocument): Promise<void> {
    const started = process.hrtime.bigint();
    this.db.data = doc;
    try {
      await this.db.write();
    } finally {
      this.db.data = NONE;
    }
    // Everything in the journal is in the snapshot now. If emptying it fails it is replayed, harmlessly.
    await this.journal.truncate(0);
    this.journalEntries = 0;
    this.fileOptions.onSnapshot?.(Number(process.hrtime.bigint() - started) / 1e9);
  }

  private async load(): Promise<void> {
    await this.db.read();
    const snapshot = this.db.data === NONE ? null : this.db.data;
    this.db.data = NONE;
    const journal = await readFile(this.journalPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return Buffer.alloc(0);
      throw err;
    });

    if (snapshot === null) {
      if (journal.length > 0) {
        throw new StoreCorruptError(this.path, `it is missing, but its journal ${this.journalPath} holds ${journal.length} bytes of commits`);
      }
      this.reset(this.newTables());
      await this.journal.open(0);
      await this.writeSnapshot(emptyDocument() as unknown as SnapshotDocument);
      return;
    }

    const version = schemaVersionOf(snapshot, this.path);
    if (version > SCHEMA_VERSION) throw new StoreVersionError(this.path, version, SCHEMA_VERSION);
    if (version < SCHEMA_VERSION) {
      await this.migrate(snapshot, journal);
      return;
    }

    const tables = this.newTables();
    loadInto(() => tables.loadDocument(checkDocumentV2(snapshot, this.path)), this.path, 'the snapshot');
    const { lines, goodLength } = parseJournal(journal, this.journalPath);
    for (let i = 0; i < lines.length; i++) {
      loadInto(() => {
        for (const op of lines[i]) tables.apply(op);
      }, this.journalPath, `journal line ${i + 1}`);
    }
    // Only now, with every complete line read: cut off a torn last line (it was never acknowledged).
    await this.journal.open(goodLength);
    this.journalEntries = lines.length;
    this.reset(tables);
  }

  /**
   * Schema 0/1 → 2. The old journal (deltas) is first folded into an old-format snapshot and emptied, so
   * that a crash at any step leaves files that this code reads again to the same result.
   */
  private async migrate(legacy: SnapshotDocument, journal: Buffer): Promise<void> {
    if (journal.length > 0) {
      foldLegacyJournal(legacy, journal.toString('utf8'), this.journalPath);
      await this.snapshotFile.write(legacy);
    }
    const doc = migrateLegacy(legacy, this.path, { dedupRetentionMs: this.fileOptions.dedupRetentionMs ?? 3_600_000, now: this.now() });
    const tables = this.newTables();
    loadInto(() => tables.loadDocument(doc), this.path, 'the schema-1 document');
    await this.journal.open(0);
    this.reset(tables);
    await this.writeSnapshot(this.copyState());
  }
}

function loadInto(load: () => void, file: string, what: string): void {
  try {
    load();
  } catch (err) {
    if (err instanceof StoreCorruptError) throw err;
    throw new StoreCorruptError(file, `${what} holds a record that cannot be loaded: ${(err as Error).message}`);
  }
}

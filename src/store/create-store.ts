// Picks the storage engine the configuration names (DESIGN §11–12): `file`, the embedded default, or
// `postgres` for several instances on one database. Only the file engine archives resolved incidents
// (postgres keeps its history in the incidents table).
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../observability/metrics.js';
import { Archive } from './file/archive.js';
import { FileStore } from './file/file-store.js';
import type { Store } from './port.js';
import { PostgresStore } from './postgres/postgres-store.js';

export interface Archiver {
  archiveResolved(now: Date, retentionMs: number): Promise<number>;
}

export class StorageConfigError extends Error {
  readonly code = 'storage_config';
}

export function createStore(config: Config, deps: { now: () => Date; metrics: Metrics; logger: Logger }): { store: Store; archive: Archiver | null } {
  const onWrite = (seconds: number) => deps.metrics.storeWriteDuration.observe(seconds);
  const onWriteError = (err: unknown) => deps.logger.error({ err }, 'store write failed');
  if (config.storage.engine === 'postgres') {
    if (!config.storage.url) throw new StorageConfigError('storage.url: required with storage.engine postgres (postgres://user@host:5432/db)');
    const store = new PostgresStore({
      url: config.storage.url, now: deps.now, maxDedupKeys: config.storage.maxDedupKeys, onWrite, onWriteError,
      onError: (err, what) => deps.logger.warn({ err, what }, 'postgres session problem'),
    });
    return { store, archive: null };
  }
  const store = new FileStore({
    path: config.storage.path, now: deps.now, dedupRetentionMs: config.storage.dedupRetention, maxDedupKeys: config.storage.maxDedupKeys,
    onWrite, onWriteError,
    onSnapshotError: (err) => deps.logger.error({ err }, 'store snapshot failed; the journal keeps every commit'),
  });
  const archive = new Archive({ store, path: `${store.path}.archive.jsonl`, maxLiveIncidents: config.storage.maxLiveIncidents });
  return { store, archive };
}

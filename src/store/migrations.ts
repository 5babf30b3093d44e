// Schema migrations, applied in order at load time. Each takes the document at version N-1 to N.
import { SCHEMA_VERSION, emptyStoreData, type StoreData } from './types.js';

type Migration = (doc: Record<string, unknown>) => Record<string, unknown>;

/** MIGRATIONS[n] upgrades a document from version n to n+1. Version 0 is a document without a version. */
const MIGRATIONS: Record<number, Migration> = {
  0: (doc) => ({ ...emptyStoreData(), ...doc, schemaVersion: 1 }),
};

export class StoreVersionError extends Error {
  readonly code = 'store_version';
}

export function migrate(doc: Record<string, unknown>): { data: StoreData; migrated: boolean } {
  let version = typeof doc.schemaVersion === 'number' ? doc.schemaVersion : 0;
  if (version > SCHEMA_VERSION) {
    throw new StoreVersionError(`the store was written by a newer escalatord (schema ${version}, this one knows ${SCHEMA_VERSION}); refusing to start`);
  }
  const migrated = version < SCHEMA_VERSION;
  let current = doc;
  while (version < SCHEMA_VERSION) {
    current = MIGRATIONS[version](current);
    version += 1;
  }
  // Fill keys added without a version bump (all optional containers) so older files stay readable.
  return { data: { ...emptyStoreData(), ...current } as StoreData, migrated };
}

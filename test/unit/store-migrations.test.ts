import { describe, expect, it } from 'vitest';
import { migrate, StoreVersionError } from '../../src/store/migrations.js';
import { emptyStoreData, SCHEMA_VERSION } from '../../src/store/types.js';

describe('store migrations', () => {
  it('leaves a current document unmarked as migrated', () => {
    const doc = { ...emptyStoreData(), lastSeq: 3 };
    const { data, migrated } = migrate(doc as unknown as Record<string, unknown>);
    expect(migrated).toBe(false);
    expect(data.lastSeq).toBe(3);
  });

  it('upgrades a document without a version and marks it migrated', () => {
    const { data, migrated } = migrate({ incidents: { 'inc-1': { id: 'inc-1' } } });
    expect(migrated).toBe(true);
    expect(data.schemaVersion).toBe(SCHEMA_VERSION);
    expect(Object.keys(data.incidents)).toEqual(['inc-1']);
    expect(data.outbox).toEqual([]);
  });

  it('fills containers missing from a current-version document', () => {
    const { data } = migrate({ schemaVersion: SCHEMA_VERSION, lastSeq: 9 });
    expect(data.maintenance).toEqual([]);
    expect(data.meta).toEqual({});
    expect(data.lastSeq).toBe(9);
  });

  it('refuses a document from a newer schema', () => {
    expect(() => migrate({ schemaVersion: SCHEMA_VERSION + 1 })).toThrow(StoreVersionError);
  });
});

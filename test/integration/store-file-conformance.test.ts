// The file engine passes the storage port's conformance suite on real files, including a reopen.
import { FileStore } from '../../src/store/file/file-store.js';
import { describeStoreConformance } from '../helpers/store-conformance.js';
import { makeTempDir } from '../helpers/tmp.js';

describeStoreConformance('file engine', () => {
  const dir = makeTempDir();
  const path = dir.file('store.json');
  return { store: new FileStore({ path }), reopen: () => new FileStore({ path }), cleanup: () => dir.remove() };
});

describeStoreConformance('file engine taking a snapshot after every commit', () => {
  const dir = makeTempDir();
  const path = dir.file('store.json');
  const make = () => new FileStore({ path, snapshotAfterEntries: 1 });
  return { store: make(), reopen: make, cleanup: () => dir.remove() };
});

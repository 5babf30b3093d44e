// Both stores behind the port pass the same contract: the lowdb store on a real temp file and the
// in-memory fake the unit tests rely on.
import { LowdbStore } from '../../src/store/lowdb-store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { describeStoreContract } from '../helpers/store-contract.js';
import { makeTempDir } from '../helpers/tmp.js';

describeStoreContract('LowdbStore', () => {
  const dir = makeTempDir();
  const path = dir.file('store.json');
  return { store: new LowdbStore({ path }), reopen: () => new LowdbStore({ path }), cleanup: () => dir.remove() };
});

describeStoreContract('MemoryStore', () => ({ store: new MemoryStore() }));

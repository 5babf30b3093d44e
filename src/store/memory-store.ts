// In-memory fake of the store port for unit tests: same semantics, no disk. `failWrites` lets a test
// play a full or read-only disk.
import { emptyStoreData, type Store, type StoreData } from './types.js';
import { StoreUnavailableError } from './lowdb-store.js';

export class MemoryStore implements Store {
  private state: StoreData;
  private opened = false;
  private closed = false;
  failWrites = false;
  writes = 0;

  constructor(initial?: StoreData) {
    this.state = initial ? structuredClone(initial) : emptyStoreData();
  }

  get data(): Readonly<StoreData> {
    return this.state;
  }

  get healthy(): boolean {
    return !this.failWrites;
  }

  async open(): Promise<void> {
    this.opened = true;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async commit<T>(mutate: (data: StoreData) => T): Promise<T> {
    if (!this.opened || this.closed) throw new StoreUnavailableError('the store is not open');
    const result = mutate(this.state);
    await this.flush();
    return result;
  }

  async flush(): Promise<void> {
    await Promise.resolve();
    if (this.failWrites) throw new StoreUnavailableError('the store cannot write: simulated failure');
    this.writes += 1;
  }
}

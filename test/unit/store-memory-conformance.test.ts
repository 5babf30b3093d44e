import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { describeStoreConformance } from '../helpers/store-conformance.js';

describeStoreConformance('memory engine', () => ({ store: new MemoryStore() }));

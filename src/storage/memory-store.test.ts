// The in-memory backend against the storage conformance suite.
import { storageConformance } from './conformance.js';
import { MemoryStore } from './memory-store.js';

storageConformance('memory', async () => ({ store: new MemoryStore(), cleanup: async () => {} }));

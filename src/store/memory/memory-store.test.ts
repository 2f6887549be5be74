import { recordStoreContract } from '../store.contract.js';
import { MemoryRecordStore } from './memory-store.js';

recordStoreContract('MemoryRecordStore', async () => {
  const store = new MemoryRecordStore();
  return { store, cleanup: () => store.close() };
});

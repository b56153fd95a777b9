// Storage adapters written in TS, the rules they share with the core, and their bridge to the bindings.
export {
  createIndexedDbStore,
  indexedDbAvailable,
  type IndexedDbStore,
  type IndexedDbStoreOptions,
} from './indexeddb.js';
export { createMemoryStore } from './memory.js';
export { queueStoreOn, type QueueChange, type QueueRows } from './queue-rules.js';
export type { QueueStoreAdapter } from './queue-store.js';
export { toStoreCall, type StoreAdapter } from './store-call.js';
export { threadInPage, threadListPage, threadMatches, threadPageOrder, threadSourceKind } from './thread-list.js';
export type { MaybePromise, ThreadStoreAdapter } from './thread-store.js';

// Storage adapters written in TS and their bridge to the bindings.
export { toStoreCall, type ThreadStoreAdapter } from './thread-store.js';

// The runtime-independent surface both entries export: client, transports on fetch and in-process, stores, types.
export * from './client/index.js';
export { createFetchTransport, type FetchTransportOptions } from './transports/fetch.js';
export { connectInProcess, type InProcessTransport } from './transports/in-process.js';
export * from './stores/index.js';
export type { CreateEngineOptions } from './engine.js';
export type {
  BindingConnection,
  BindingEngine,
  ModelTransportAdapter,
  StoreCallAdapter,
} from './runtime/binding.js';
export type * from './types.js';

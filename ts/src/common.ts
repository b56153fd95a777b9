// The runtime-independent surface both entries export: the SDK, client, transports on fetch and
// in-process, stores, types.
export * from './sdk/index.js';
// The SDK's `Thread` class takes the name; the wire object it describes is exported as `ThreadInfo`
// (an explicit export wins over the generated types' `export *`).
export { Thread } from './sdk/index.js';
export type { Thread as ThreadInfo } from './generated/Thread.js';
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

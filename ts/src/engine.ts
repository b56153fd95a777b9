// What both entries share to build an engine: options to JSON, a store adapter to the one-call shape.

import type { EngineOptions } from './generated/EngineOptions.js';
import type { BindingEngine, ModelTransportAdapter, NativeStore, StoreCallAdapter } from './runtime/binding.js';
import { toStoreCall, type StoreAdapter } from './stores/store-call.js';

/** What `createEngine` takes; everything is optional. */
export interface CreateEngineOptions {
  /** Engine settings; unset fields take the core's defaults. */
  options?: Partial<EngineOptions>;
  /** Model HTTP (`createFetchTransport`); `null` or absent selects the built-in scripted model. */
  transport?: ModelTransportAdapter | null;
  /**
   * Where threads and queued turns live: one adapter serves both. `null` keeps them in the engine's
   * memory; absent picks the runtime's default (IndexedDB in a browser that has it, else memory). In
   * Node a `NativeStore` (`openSqliteStore`) keeps both natively.
   */
  store?: StoreAdapter | StoreCallAdapter | NativeStore | null;
}

/** The runtime loader both entries wrap (napi in Node, wasm in a browser). */
export type CreateBindingEngine = (
  optionsJson: string,
  transport: ModelTransportAdapter | null,
  store: StoreCallAdapter | NativeStore | null,
) => BindingEngine;

/** Builds an engine through `create` from friendly options; `defaultStore` answers when `store` is absent. */
export function createEngineWith(
  create: CreateBindingEngine,
  config: CreateEngineOptions = {},
  defaultStore: () => StoreAdapter | null = () => null,
): BindingEngine {
  const store = config.store === undefined ? defaultStore() : config.store;
  return create(JSON.stringify(config.options ?? {}), config.transport ?? null, store && asStoreCall(store));
}

/** A `NativeStore` has `call` too and reaches the binding as it is. */
function asStoreCall(store: StoreAdapter | StoreCallAdapter | NativeStore): StoreCallAdapter | NativeStore {
  const isCall = typeof (store as Partial<StoreCallAdapter>).call === 'function' && !('create' in store);
  return isCall ? (store as StoreCallAdapter) : toStoreCall(store);
}

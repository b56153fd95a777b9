// What both entries share to build an engine: options to JSON, a store adapter to the one-call shape.

import type { EngineOptions } from './generated/EngineOptions.js';
import type { BindingEngine, ModelTransportAdapter, NativeStore, StoreCallAdapter } from './runtime/binding.js';
import { toStoreCall, type ThreadStoreAdapter } from './stores/thread-store.js';

/** What `createEngine` takes; everything is optional. */
export interface CreateEngineOptions {
  /** Engine settings; unset fields take the core's defaults. */
  options?: Partial<EngineOptions>;
  /** Model HTTP (`createFetchTransport`); `null` or absent selects the built-in scripted model. */
  transport?: ModelTransportAdapter | null;
  /**
   * Thread storage; absent keeps threads in memory. In Node a `NativeStore` (`openSqliteStore`)
   * holds both threads and queued turns natively.
   */
  threadStore?: ThreadStoreAdapter | StoreCallAdapter | NativeStore | null;
}

/** The runtime loader both entries wrap (napi in Node, wasm in a browser). */
export type CreateBindingEngine = (
  optionsJson: string,
  transport: ModelTransportAdapter | null,
  store: StoreCallAdapter | NativeStore | null,
) => BindingEngine;

/** Builds an engine through `create` from friendly options. */
export function createEngineWith(create: CreateBindingEngine, config: CreateEngineOptions = {}): BindingEngine {
  const store = config.threadStore ?? null;
  return create(JSON.stringify(config.options ?? {}), config.transport ?? null, store && asStoreCall(store));
}

function asStoreCall(store: ThreadStoreAdapter | StoreCallAdapter): StoreCallAdapter {
  const isCall = typeof (store as Partial<StoreCallAdapter>).call === 'function' && !('create' in store);
  return isCall ? (store as StoreCallAdapter) : toStoreCall(store);
}

/**
 * The browser entry (`import … from 'spindle/browser'`, or the `browser` condition of `'spindle'`):
 * the shared surface over the wasm module. No Node imports here, even indirectly.
 * @module spindle/browser
 */

import { createEngineWith, type CreateEngineOptions } from './engine.js';
import type { BindingEngine } from './runtime/binding.js';
import { createBindingEngine, initWasm } from './runtime/browser.js';
import { installEngineFactory } from './sdk/engine-factory.js';
import { createIndexedDbStore, indexedDbAvailable } from './stores/indexeddb.js';

export * from './common.js';
export { createBindingEngine, initWasm };

/**
 * An in-process engine in this page; `await initWasm()` once before the first call. Without a
 * `store`, threads and queued turns live in the origin's IndexedDB database `spindle` when the
 * runtime has IndexedDB, else in the engine's memory.
 */
export function createEngine(config: CreateEngineOptions = {}): BindingEngine {
  return createEngineWith(createBindingEngine, config, () => (indexedDbAvailable() ? createIndexedDbStore() : null));
}

// `Spindle.create` loads the wasm module on first use (fetched next to its glue); call `initWasm(bytes)`
// first to load it from elsewhere.
installEngineFactory(async (config) => {
  await initWasm();
  return createEngine(config);
});

// The browser entry: the shared surface over the wasm module. No Node imports here, even indirectly.

import { createEngineWith, type CreateEngineOptions } from './engine.js';
import type { BindingEngine } from './runtime/binding.js';
import { createBindingEngine, initWasm } from './runtime/browser.js';

export * from './common.js';
export { createBindingEngine, initWasm };

/** An in-process engine in this page; `await initWasm()` once before the first call. */
export function createEngine(config: CreateEngineOptions = {}): BindingEngine {
  return createEngineWith(createBindingEngine, config);
}

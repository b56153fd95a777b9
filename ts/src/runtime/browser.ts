// The wasm engine loader: instantiates the wasm-bindgen module once and builds engines from it.

import init, { Engine, type InitInput } from '../../../wasm/pkg-web/spindle_wasm.js';
import type { BindingEngine, ModelTransportAdapter, StoreCallAdapter } from './binding.js';

let ready: Promise<void> | undefined;
let initialized = false;

/**
 * Instantiates the wasm module; later calls share the first one's work. With no argument the glue
 * fetches `spindle_wasm_bg.wasm` next to itself (a browser); elsewhere pass the module's bytes.
 */
export function initWasm(source?: InitInput | Promise<InitInput>): Promise<void> {
  ready ??= init(source === undefined ? undefined : { module_or_path: source }).then(
    () => {
      initialized = true;
    },
    (error: unknown) => {
      // A failed fetch may succeed on a later call; do not cache the failure.
      ready = undefined;
      throw error;
    },
  );
  return ready;
}

/** Builds a wasm engine; `initWasm()` must have resolved first. */
export function createBindingEngine(
  optionsJson: string,
  transport: ModelTransportAdapter | null,
  store: StoreCallAdapter | null,
): BindingEngine {
  if (!initialized) {
    throw new Error('the wasm engine is not loaded: await initWasm() before creating an engine');
  }
  return new Engine(optionsJson, transport, store);
}

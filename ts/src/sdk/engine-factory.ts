// Where `Spindle.create` gets its in-process engine: each entry (Node, browser) installs its runtime's
// factory when imported, so the SDK itself never imports napi or wasm.

import type { CreateEngineOptions } from '../engine.js';
import type { BindingEngine } from '../runtime/binding.js';

/** Builds an in-process engine (napi in Node, wasm in a browser, loading it first if needed). */
export type EngineFactory = (config: CreateEngineOptions) => Promise<BindingEngine>;

let installed: EngineFactory | undefined;

/** Called once by each entry module. */
export function installEngineFactory(factory: EngineFactory): void {
  installed = factory;
}

/** The installed factory; throws when the SDK was imported without an entry that installs one. */
export function engineFactory(): EngineFactory {
  if (!installed) {
    throw new Error("Spindle.create needs an engine: import Spindle from the package entry ('spindle' or 'spindle/browser')");
  }
  return installed;
}

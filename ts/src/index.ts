/**
 * The Node entry (`import … from 'spindle'`): the shared surface over the napi addon, plus the
 * child-process transport.
 * @module spindle
 */

import { createEngineWith, type CreateEngineOptions } from './engine.js';
import type { BindingEngine } from './runtime/binding.js';
import { createBindingEngine, createNativeMemoryStore, openSqliteStore } from './runtime/node.js';
import { installEngineFactory } from './sdk/engine-factory.js';

export * from './common.js';
export { spawnTransport, type ChildProcessTransport, type ChildProcessTransportOptions } from './transports/child-process.js';
export { createBindingEngine, createNativeMemoryStore, openSqliteStore };
export type { NativeStore } from './runtime/binding.js';

/** An in-process engine in this Node process; connect to it with `connectInProcess(engine)`. */
export function createEngine(config: CreateEngineOptions = {}): BindingEngine {
  return createEngineWith(createBindingEngine, config);
}

installEngineFactory(async (config) => createEngine(config));

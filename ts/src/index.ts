/**
 * The Node entry (`import … from 'spindle'`): the shared surface over the napi addon, plus the
 * child-process transport.
 * @module spindle
 */

import { createBindingEngine, createEngine, createNativeMemoryStore, openSqliteStore } from './runtime/node.js';
import { installEngineFactory } from './sdk/engine-factory.js';

export * from './common.js';
export { spawnTransport, type ChildProcessTransport, type ChildProcessTransportOptions } from './transports/child-process.js';
export { createBindingEngine, createEngine, createNativeMemoryStore, openSqliteStore };
export type { NativeStore } from './runtime/binding.js';

installEngineFactory(async (config) => createEngine(config));

// Loads the napi addon and hands it adapters whose every call yields a Promise, as it requires;
// `createEngine` for Node lives here, so the CLI reaches it without loading the SDK.
import { createRequire } from 'node:module';

import { createEngineWith, type CreateEngineOptions } from '../engine.js';
import type {
  BindingEngine,
  BindingEngineConstructor,
  ModelTransportAdapter,
  NativeStore,
  StoreCallAdapter,
} from './binding.js';

// Both ts/src/runtime/ (under tsx) and ts/dist/runtime/ (after tsc) sit three levels below the
// repository root, so one relative path finds the addon's generated loader from either.
const addonPath = '../../../node-binding/index.js';

/** The addon's `NativeStore` class, as this module uses it. */
interface NativeStoreClass {
  memory(): NativeStore;
  openSqlite(dir: string): Promise<NativeStore>;
  [Symbol.hasInstance](value: unknown): boolean;
}

interface Addon {
  Engine: BindingEngineConstructor;
  NativeStore: NativeStoreClass;
}

let addon: Addon | undefined;

// Loaded on first use, so importing the package works without a built addon (child-process transport, --help).
function loadAddon(): Addon {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  try {
    addon = require(addonPath) as Addon;
  } catch (error) {
    throw new Error(
      'spindle: cannot load the Node addon; build it with `npx napi build --platform --release` in node-binding/',
      { cause: error },
    );
  }
  return addon;
}

/**
 * Opens the durable SQLite store in `dir` (the file `<dir>/spindle.sqlite`; the directory and the
 * file are created owner-only when missing). Pass it to `createEngine` as its store; engines in
 * several processes may share one directory.
 */
export function openSqliteStore(dir: string): Promise<NativeStore> {
  return loadAddon().NativeStore.openSqlite(dir);
}

/** A native in-memory store: what an engine uses by default, here reachable from JS as well. */
export function createNativeMemoryStore(): NativeStore {
  return loadAddon().NativeStore.memory();
}

// napi awaits what an adapter returns: a plain value makes it reject with `ObjectExpected`, so an
// `async` wrapper turns values and synchronous throws alike into Promises.
function promisedTransport(transport: ModelTransportAdapter): ModelTransportAdapter {
  return {
    post: async (requestJson) => transport.post(requestJson),
    read: async (id) => transport.read(id),
    cancel: (id) => {
      // Aborting is best-effort and nobody awaits it: a failure here must not surface as an
      // unhandled rejection that would end the process.
      void Promise.resolve()
        .then(() => transport.cancel(id))
        .catch(() => undefined);
    },
  };
}

function promisedStore(store: StoreCallAdapter): StoreCallAdapter {
  return { call: async (op, argsJson) => store.call(op, argsJson) };
}

/**
 * Builds an in-process engine on the napi addon. `null` adapters select the scripted model and
 * memory storage; a `NativeStore` is handed over as is, so the engine calls it without JS.
 */
export function createBindingEngine(
  optionsJson: string,
  transport: ModelTransportAdapter | null,
  store: StoreCallAdapter | NativeStore | null,
): BindingEngine {
  const { Engine, NativeStore } = loadAddon();
  const native = store instanceof NativeStore;
  return new Engine(
    optionsJson,
    transport ? promisedTransport(transport) : null,
    store && !native ? promisedStore(store) : store,
  );
}

/** An in-process engine in this Node process; connect to it with `connectInProcess(engine)`. */
export function createEngine(config: CreateEngineOptions = {}): BindingEngine {
  return createEngineWith(createBindingEngine, config);
}

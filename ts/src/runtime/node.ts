// Loads the napi addon and hands it adapters whose every call yields a Promise, as it requires.
import { createRequire } from 'node:module';
import type {
  BindingEngine,
  BindingEngineConstructor,
  ModelTransportAdapter,
  StoreCallAdapter,
} from './binding.js';

// Both ts/src/runtime/ (under tsx) and ts/dist/runtime/ (after tsc) sit three levels below the
// repository root, so one relative path finds the addon's generated loader from either.
const addonPath = '../../../node-binding/index.js';

let addonEngine: BindingEngineConstructor | undefined;

// Loaded on first use, so importing the package works without a built addon (child-process transport, --help).
function loadEngine(): BindingEngineConstructor {
  if (addonEngine) return addonEngine;
  const require = createRequire(import.meta.url);
  let addon: { Engine: BindingEngineConstructor };
  try {
    addon = require(addonPath) as { Engine: BindingEngineConstructor };
  } catch (error) {
    throw new Error(
      'spindle: cannot load the Node addon; build it with `npx napi build --platform --release` in node-binding/',
      { cause: error },
    );
  }
  addonEngine = addon.Engine;
  return addonEngine;
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

/** Builds an in-process engine on the napi addon. `null` adapters select the scripted model and memory storage. */
export function createBindingEngine(
  optionsJson: string,
  transport: ModelTransportAdapter | null,
  store: StoreCallAdapter | null,
): BindingEngine {
  const Engine = loadEngine();
  return new Engine(
    optionsJson,
    transport ? promisedTransport(transport) : null,
    store ? promisedStore(store) : null,
  );
}

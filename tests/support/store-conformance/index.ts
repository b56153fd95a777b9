// The store conformance kit, written once: every case drives a store only through the bindings'
// `call(op, argsJson)`, so the same cases run against any store in Node and in a browser page.
import type { StoreCallAdapter } from '../../../ts/src/runtime/binding.js';
import { StoreOps } from './ops.ts';
import { queueCases } from './queue.ts';
import { threadCases } from './threads.ts';

/** One case of the kit; `run` gets a fresh, empty store and rejects on the first broken rule. */
export interface StoreConformanceCase {
  name: string;
  run(store: StoreCallAdapter): Promise<void>;
}

export const storeConformance: StoreConformanceCase[] = [...threadCases, ...queueCases].map((entry) => ({
  name: entry.name,
  run: (store) => entry.run(new StoreOps(store)),
}));

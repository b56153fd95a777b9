// A whole storage adapter (threads + queued turns) and its reduction to the bindings' one-call shape.

import type { StoreCallAdapter } from '../runtime/binding.js';
import type { QueueStoreAdapter } from './queue-store.js';
import type { ThreadStoreAdapter } from './thread-store.js';

/** What an engine stores through: one object answers both the thread and the queue operations. */
export type StoreAdapter = ThreadStoreAdapter & QueueStoreAdapter;

/**
 * Wraps an adapter object into the `call(op, argsJson)` the bindings bridge: `argsJson` is the JSON
 * array of the operation's arguments, the answer is its JSON result (`null` for nothing). The
 * operation names are the adapter's method names.
 */
export function toStoreCall(adapter: object): StoreCallAdapter {
  return {
    // Always async: napi rejects adapter calls that answer with a plain value (TOOLCHAIN pitfall 8),
    // and a synchronous throw must arrive as a rejection, not escape into the binding.
    async call(op: string, argsJson: string): Promise<string> {
      const method = (adapter as Record<string, unknown>)[op];
      if (typeof method !== 'function' || Object.prototype.hasOwnProperty.call(Object.prototype, op)) {
        throw new Error(`unknown store operation: ${op}`);
      }
      const args: unknown = JSON.parse(argsJson);
      const result: unknown = await method.apply(adapter, Array.isArray(args) ? args : [args]);
      return JSON.stringify(result ?? null);
    },
  };
}

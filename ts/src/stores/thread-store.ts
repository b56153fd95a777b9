// The thread storage adapter a host writes in JS, and its reduction to the bindings' one-call shape.

import type { HistoryRecord } from '../generated/HistoryRecord.js';
import type { LoadedHistory } from '../generated/LoadedHistory.js';
import type { StoredThread } from '../generated/StoredThread.js';
import type { ThreadListQuery } from '../generated/ThreadListQuery.js';
import type { StoreCallAdapter } from '../runtime/binding.js';

type MaybePromise<T> = T | Promise<T>;

/**
 * Where an engine keeps threads, written by the host (a file, IndexedDB, a database). Methods may
 * be sync or async; a throw or rejection becomes the JSON-RPC error `failed to <operation>: …`.
 */
export interface ThreadStoreAdapter {
  /** Creates a thread record; must fail if the id exists. */
  create(thread: StoredThread): MaybePromise<void>;
  /** Appends history records to a thread, in order. */
  append(threadId: string, records: HistoryRecord[]): MaybePromise<void>;
  /** Loads a thread and its history (only the last `tail` records when set); `null` if unknown. */
  load(threadId: string, tail: number | null): MaybePromise<LoadedHistory | null>;
  /** Replaces a thread's record. */
  update(thread: StoredThread): MaybePromise<void>;
  /**
   * The first `query.limit` stored threads that match every filter of `query` (threads with an
   * empty `preview` never do), ordered by `(sort value, thread id)` and after `query.anchor`. Filter
   * before counting the page: the engine pages on what this returns.
   */
  list(query: ThreadListQuery): MaybePromise<StoredThread[]>;
  /** Deletes a thread and its history; `false` if it did not exist. */
  delete(threadId: string): MaybePromise<boolean>;
}

/**
 * Wraps an adapter object into the `call(op, argsJson)` the bindings bridge: `argsJson` is the JSON
 * array of the operation's arguments, the answer is its JSON result (`null` for nothing). Any
 * object with the right methods works, so other stores (a queue store) can reuse it.
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

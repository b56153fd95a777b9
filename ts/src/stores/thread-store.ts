// The thread half of a storage adapter a host writes in JS: thread records and their append-only history.

import type { HistoryRecord } from '../generated/HistoryRecord.js';
import type { LoadedHistory } from '../generated/LoadedHistory.js';
import type { StoredThread } from '../generated/StoredThread.js';
import type { ThreadListQuery } from '../generated/ThreadListQuery.js';

/** A value or a Promise of it: adapter methods may answer either way. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Where an engine keeps threads, written by the host (a file, IndexedDB, a database). Methods may
 * be sync or async; a throw or rejection becomes the JSON-RPC error `failed to <operation>: …`.
 */
export interface ThreadStoreAdapter {
  /** Creates a thread record; must fail if the id exists. */
  create(thread: StoredThread): MaybePromise<void>;
  /** Appends history records to a thread, in order; fails if the thread does not exist. */
  append(threadId: string, records: HistoryRecord[]): MaybePromise<void>;
  /** Loads a thread and its history (only the last `tail` records when set); `null` if unknown. */
  load(threadId: string, tail: number | null): MaybePromise<LoadedHistory | null>;
  /** Replaces a thread's record; fails if the thread does not exist. */
  update(thread: StoredThread): MaybePromise<void>;
  /**
   * The first `query.limit` stored threads that match every filter of `query` (threads with an
   * empty `preview` never do), ordered by `(sort value, thread id)` and after `query.anchor`. Filter
   * before counting the page: the engine pages on what this returns. `threadListPage` applies the rules.
   */
  list(query: ThreadListQuery): MaybePromise<StoredThread[]>;
  /** Deletes a thread, its history and its queued turns; `false` if it did not exist. */
  delete(threadId: string): MaybePromise<boolean>;
}

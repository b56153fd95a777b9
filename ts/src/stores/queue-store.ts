// The queue half of a storage adapter a host writes in JS: one row per queued turn (PROTOCOL.md §6.1).

import type { ClaimOutcome } from '../generated/ClaimOutcome.js';
import type { QueuedTurnPage } from '../generated/QueuedTurnPage.js';
import type { QueuedTurnRow } from '../generated/QueuedTurnRow.js';
import type { TurnError } from '../generated/TurnError.js';
import type { MaybePromise } from './thread-store.js';

/**
 * Where an engine keeps queued turns. The method names are the store call's operation names; the
 * rules are the core's in-memory queue store's (`queueRules` implements them over a thread's rows).
 * Visible rows are `pending` and `failed` ones; a `dispatching` row is never listed, deleted or reordered.
 */
export interface QueueStoreAdapter {
  /** Appends a pending row with `queueOrder = max + 1` over every row of the thread; fails if the id exists. */
  appendQueuedTurn(queuedTurnId: string, threadId: string, turnStartParams: unknown, nowMs: number): MaybePromise<QueuedTurnRow>;
  /** Visible rows in queue order, `limit` from `offset`, and whether more follow. */
  listQueuedTurns(threadId: string, offset: number, limit: number): MaybePromise<QueuedTurnPage>;
  /** Deletes a visible row of the thread; `false` for unknown or dispatching ids. */
  deleteQueuedTurn(threadId: string, queuedTurnId: string): MaybePromise<boolean>;
  /**
   * Gives the visible rows the order of `queuedTurnIds`, reusing their order slots, and returns them in
   * that order; `null` (and nothing changes) unless the ids are exactly the visible set, each once.
   */
  reorderQueuedTurns(threadId: string, queuedTurnIds: string[], nowMs: number): MaybePromise<QueuedTurnRow[] | null>;
  /**
   * Replaces the `turnStartParams` of a visible row of the thread in place (`thread/queue/update`): a
   * failed row becomes pending again and loses its failure; `null` for unknown or dispatching ids.
   */
  updateQueuedTurn(threadId: string, queuedTurnId: string, turnStartParams: unknown, nowMs: number): MaybePromise<QueuedTurnRow | null>;
  /**
   * Atomically claims the head: `busy` while a row of the thread is dispatching, `empty` without
   * visible rows, `blocked` when the head failed, else the head turns `dispatching` and is `claimed`.
   * Exactly one of any number of concurrent callers may win.
   */
  claimQueueHead(threadId: string, nowMs: number): MaybePromise<ClaimOutcome>;
  /** Records the turn started from a dispatching row; `false` for any other row. */
  setDispatchTurnId(queuedTurnId: string, turnId: string, nowMs: number): MaybePromise<boolean>;
  /** Removes the thread's dispatching row whose turn is `turnId`; never another row. */
  removeDispatchedTurn(threadId: string, turnId: string): MaybePromise<boolean>;
  /** Marks a row failed with `failure` and clears its dispatch turn; `false` for unknown ids. */
  markQueuedTurnFailed(queuedTurnId: string, failure: TurnError, nowMs: number): MaybePromise<boolean>;
  /** After a restart: every dispatching row of the thread becomes failed; answers how many. */
  recoverDispatchingTurns(threadId: string, failure: TurnError, nowMs: number): MaybePromise<number>;
  /** Deletes every row of the thread. */
  deleteThreadQueue(threadId: string): MaybePromise<void>;
}

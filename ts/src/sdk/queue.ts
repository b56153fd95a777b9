// A thread's queue of turns waiting to run (experimental; PROTOCOL.md §6.1 plus Spindle's update/start).
//
// TODO(#7): the thread/queue/* wire types below are written by hand until the core's ts-rs export
// generates them; once it does, import them from ../generated/ and delete these copies.

import type { SpindleClient } from '../client/client.js';
import { toUserInputs } from '../client/turn.js';
import type { Turn } from '../generated/Turn.js';
import type { TurnError } from '../generated/TurnError.js';
import type { TurnStartParams } from '../generated/TurnStartParams.js';
import type { UserInput } from '../generated/UserInput.js';

// ---- hand-written wire types (see the TODO above) -------------------------------------------------

/** Where a queued turn stands: waiting, or failed to dispatch (a failed head blocks the queue). */
export type QueuedTurnStatus = { type: 'pending' } | { type: 'failed'; error: TurnError };

/** A turn waiting in a thread's queue; `turnStartParams` is stored and returned verbatim. */
export interface QueuedTurn {
  id: string;
  turnStartParams: TurnStartParams;
  status: QueuedTurnStatus;
}

/** `thread/queue/changed` params: the whole visible queue after a change. */
export interface ThreadQueueChangedNotification {
  threadId: string;
  queuedTurns: QueuedTurn[];
}

/** `thread/queue/list` result. */
export interface ThreadQueueListResponse {
  data: QueuedTurn[];
  nextCursor: string | null;
}

// ----------------------------------------------------------------------------------------------------

/** What a queued turn carries besides its input: `turn/start` params. */
export type QueuedTurnOptions = Omit<TurnStartParams, 'threadId' | 'input'>;

/** The queue of one thread. Queued turns start by themselves when the thread is idle. */
export class ThreadQueue {
  readonly #client: SpindleClient;
  readonly #threadId: string;

  constructor(client: SpindleClient, threadId: string) {
    this.#client = client;
    this.#threadId = threadId;
  }

  /** `thread/queue/add`: appends a turn; it starts once every turn before it has. */
  async add(input: string | UserInput[], options: QueuedTurnOptions = {}): Promise<QueuedTurn> {
    const result = (await this.#client.rawRequest('thread/queue/add', {
      threadId: this.#threadId,
      turnStartParams: this.#turnStartParams(input, options),
    })) as { queuedTurn: QueuedTurn };
    return result.queuedTurn;
  }

  /** `thread/queue/list`: one page of the visible queue (pending and failed turns), in order. */
  list(page: { cursor?: string | null; limit?: number | null } = {}): Promise<ThreadQueueListResponse> {
    return this.#client.rawRequest('thread/queue/list', { ...page, threadId: this.#threadId }) as Promise<ThreadQueueListResponse>;
  }

  /** `thread/queue/update` (Spindle): replaces a queued turn's input and params, keeping its place. */
  async update(queuedTurnId: string, input: string | UserInput[], options: QueuedTurnOptions = {}): Promise<QueuedTurn> {
    const result = (await this.#client.rawRequest('thread/queue/update', {
      threadId: this.#threadId,
      queuedTurnId,
      turnStartParams: this.#turnStartParams(input, options),
    })) as { queuedTurn: QueuedTurn };
    return result.queuedTurn;
  }

  /** `thread/queue/delete`: `false` when no visible queued turn has that id. */
  async delete(queuedTurnId: string): Promise<boolean> {
    const result = (await this.#client.rawRequest('thread/queue/delete', { threadId: this.#threadId, queuedTurnId })) as {
      deleted: boolean;
    };
    return result.deleted;
  }

  /** `thread/queue/reorder`: `queuedTurnIds` must name every visible queued turn exactly once. */
  async reorder(queuedTurnIds: string[]): Promise<QueuedTurn[]> {
    const result = (await this.#client.rawRequest('thread/queue/reorder', { threadId: this.#threadId, queuedTurnIds })) as {
      queuedTurns: QueuedTurn[];
    };
    return result.queuedTurns;
  }

  /**
   * `thread/queue/start` (Spindle): starts a queued turn now (the head when `queuedTurnId` is absent)
   * and answers with the started turn; follow it with `thread.followTurn(turn.id)`.
   */
  async start(queuedTurnId?: string): Promise<Turn> {
    const params = queuedTurnId === undefined ? { threadId: this.#threadId } : { threadId: this.#threadId, queuedTurnId };
    const result = (await this.#client.rawRequest('thread/queue/start', params)) as { turn: Turn };
    return result.turn;
  }

  /** Calls `listener` with the whole visible queue after every `thread/queue/changed` of this thread. */
  onChanged(listener: (queuedTurns: QueuedTurn[]) => void): () => void {
    return this.#client.onNotification((notification) => {
      // Not in the generated notification union yet (see the TODO above), hence the widening.
      const { method, params } = notification as { method: string; params: unknown };
      if (method !== 'thread/queue/changed') return;
      const changed = params as ThreadQueueChangedNotification;
      if (changed.threadId === this.#threadId) listener(changed.queuedTurns);
    });
  }

  #turnStartParams(input: string | UserInput[], options: QueuedTurnOptions): TurnStartParams {
    return { ...options, threadId: this.#threadId, input: toUserInputs(input) };
  }
}

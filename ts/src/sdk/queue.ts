// A thread's queue of turns waiting to run (experimental; PROTOCOL.md §6.1 plus Spindle's update/start).

import type { SpindleClient } from '../client/client.js';
import { toUserInputs } from '../client/turn.js';
import type { QueuedTurn } from '../generated/QueuedTurn.js';
import type { ThreadQueueListResponse } from '../generated/ThreadQueueListResponse.js';
import type { Turn } from '../generated/Turn.js';
import type { TurnStartParams } from '../generated/TurnStartParams.js';
import type { UserInput } from '../generated/UserInput.js';

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
    const result = await this.#client.request('thread/queue/add', {
      threadId: this.#threadId,
      turnStartParams: this.#turnStartParams(input, options),
    });
    return result.queuedTurn;
  }

  /** `thread/queue/list`: one page of the visible queue (pending and failed turns), in order. */
  list(page: { cursor?: string | null; limit?: number | null } = {}): Promise<ThreadQueueListResponse> {
    return this.#client.request('thread/queue/list', { ...page, threadId: this.#threadId });
  }

  /** `thread/queue/update` (Spindle): replaces a queued turn's input and params, keeping its place. */
  async update(queuedTurnId: string, input: string | UserInput[], options: QueuedTurnOptions = {}): Promise<QueuedTurn> {
    const result = await this.#client.request('thread/queue/update', {
      threadId: this.#threadId,
      queuedTurnId,
      turnStartParams: this.#turnStartParams(input, options),
    });
    return result.queuedTurn;
  }

  /** `thread/queue/delete`: `false` when no visible queued turn has that id. */
  async delete(queuedTurnId: string): Promise<boolean> {
    const result = await this.#client.request('thread/queue/delete', { threadId: this.#threadId, queuedTurnId });
    return result.deleted;
  }

  /** `thread/queue/reorder`: `queuedTurnIds` must name every visible queued turn exactly once. */
  async reorder(queuedTurnIds: string[]): Promise<QueuedTurn[]> {
    const result = await this.#client.request('thread/queue/reorder', { threadId: this.#threadId, queuedTurnIds });
    return result.queuedTurns;
  }

  /**
   * `thread/queue/start` (Spindle): starts a queued turn now (the head when `queuedTurnId` is absent)
   * and answers with the started turn; follow it with `thread.followTurn(turn.id)`.
   */
  async start(queuedTurnId?: string): Promise<Turn> {
    const params = queuedTurnId === undefined ? { threadId: this.#threadId } : { threadId: this.#threadId, queuedTurnId };
    const result = await this.#client.request('thread/queue/start', params);
    return result.turn;
  }

  /** Calls `listener` with the whole visible queue after every `thread/queue/changed` of this thread. */
  onChanged(listener: (queuedTurns: QueuedTurn[]) => void): () => void {
    return this.#client.onNotification((notification) => {
      if (notification.method !== 'thread/queue/changed') return;
      if (notification.params.threadId === this.#threadId) listener(notification.params.queuedTurns);
    });
  }

  #turnStartParams(input: string | UserInput[], options: QueuedTurnOptions): TurnStartParams {
    return { ...options, threadId: this.#threadId, input: toUserInputs(input) };
  }
}

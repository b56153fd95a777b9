// A thread as SDK users hold it: run turns (whole or streamed, abortable), steer and interrupt them,
// name, archive, delete and compact the thread, and reach its queue. Every call is one protocol
// request; the engine decides, this only shapes the calls and their answers.

import type { SpindleClient } from '../client/client.js';
import type { Notification } from '../client/methods.js';
import { startTurn, toUserInputs, TurnWatcher, type TurnResult, type TurnStream } from '../client/turn.js';
import type { Thread as ThreadInfo } from '../generated/Thread.js';
import type { ThreadUnsubscribeStatus } from '../generated/ThreadUnsubscribeStatus.js';
import type { TurnStartParams } from '../generated/TurnStartParams.js';
import type { UserInput } from '../generated/UserInput.js';
import { ThreadQueue } from './queue.js';

/** What a turn is given: a string is one text input. */
export type TurnInput = string | UserInput[];

/** `turn/start` params besides the input (model, effort, outputSchema, turnId…), plus an AbortSignal. */
export interface RunOptions extends Omit<TurnStartParams, 'threadId' | 'input'> {
  /**
   * Aborting sends `turn/interrupt` for the turn: `run` then resolves with status `interrupted` (or
   * whatever status the turn reached first) and a streamed run ends after its `turn/completed`. A
   * signal already aborted starts nothing and rejects with its reason.
   */
  signal?: AbortSignal | null;
}

/** `turn/steer` options. */
export interface SteerOptions {
  /** The turn to steer; by default the thread's active turn as this client last saw it start. */
  expectedTurnId?: string;
  /** Becomes the steered `userMessage` item's `clientId`. */
  clientUserMessageId?: string | null;
}

/** One thread on one Spindle connection. */
export class Thread {
  /** The thread id. */
  readonly id: string;
  /** The thread as the server described it when this object was made (start, resume or fork answer). */
  readonly info: ThreadInfo;
  /** The thread's queue of turns waiting to run (experimental). */
  readonly queue: ThreadQueue;
  readonly #client: SpindleClient;
  #activeTurnId: string | null;

  constructor(client: SpindleClient, info: ThreadInfo) {
    this.#client = client;
    this.id = info.id;
    this.info = info;
    this.queue = new ThreadQueue(client, info.id);
    // A resumed thread may be mid-turn (another client started it): that turn is the one to steer.
    this.#activeTurnId = [...info.turns].reverse().find((turn) => turn.status === 'inProgress')?.id ?? null;
    client.onNotification((notification) => {
      if (notification.method === 'turn/started' && notification.params.threadId === this.id) {
        this.#activeTurnId = notification.params.turn.id;
      } else if (
        notification.method === 'turn/completed' &&
        notification.params.threadId === this.id &&
        notification.params.turn.id === this.#activeTurnId
      ) {
        this.#activeTurnId = null;
      }
    });
  }

  /** The turn running on this thread as far as this client has seen (`turn/started` without `turn/completed`). */
  get activeTurnId(): string | null {
    return this.#activeTurnId;
  }

  /** Runs a turn and resolves with its result on `turn/completed`. */
  run(input: TurnInput, options: RunOptions = {}): Promise<TurnResult> {
    return this.#start(input, options, false).result;
  }

  /**
   * Runs a turn and yields its events (`turn/started`, `item/*`, deltas, token usage, `error`,
   * `turn/completed`), ending after `turn/completed`; `.result` resolves with the `TurnResult`.
   */
  runStreamed(input: TurnInput, options: RunOptions = {}): TurnStream {
    return this.#start(input, options, true);
  }

  /**
   * Follows the next turn that starts on this thread, whoever starts it (another client on the same
   * engine, the queue, a compaction): its events and result, as `runStreamed` gives them.
   */
  nextTurn(): TurnStream {
    const watcher = new TurnWatcher(this.#client, this.id);
    watcher.followNext();
    return watcher.stream;
  }

  /** Follows turn `turnId` (already started, e.g. by `queue.start`) from now on. */
  followTurn(turnId: string): TurnStream {
    const watcher = new TurnWatcher(this.#client, this.id);
    watcher.follow(turnId);
    return watcher.stream;
  }

  /** `turn/steer`: adds input to the running turn; resolves with its id. */
  async steer(input: TurnInput, options: SteerOptions = {}): Promise<string> {
    const expectedTurnId = options.expectedTurnId ?? this.#activeTurnId;
    if (expectedTurnId === null) throw new Error(`no active turn to steer on thread ${this.id} (this client saw none start)`);
    const { turnId } = await this.#client.request('turn/steer', {
      threadId: this.id,
      input: toUserInputs(input),
      expectedTurnId,
      ...(options.clientUserMessageId === undefined ? {} : { clientUserMessageId: options.clientUserMessageId }),
    });
    return turnId;
  }

  /** `turn/interrupt`: stops the running turn (by default the active one); resolves once it has stopped. */
  async interrupt(turnId: string | null = this.#activeTurnId): Promise<void> {
    if (turnId === null) throw new Error(`no active turn to interrupt on thread ${this.id} (this client saw none start)`);
    await this.#client.request('turn/interrupt', { threadId: this.id, turnId });
  }

  /** `thread/name/set`. */
  async setName(name: string): Promise<void> {
    await this.#client.request('thread/name/set', { threadId: this.id, name });
  }

  /** `thread/archive`: the thread is unloaded and listed only with `archived: true`. */
  async archive(): Promise<void> {
    await this.#client.request('thread/archive', { threadId: this.id });
  }

  /** `thread/unarchive`: resolves with the thread (not loaded; resume it to run turns). */
  async unarchive(): Promise<ThreadInfo> {
    const { thread } = await this.#client.request('thread/unarchive', { threadId: this.id });
    return thread;
  }

  /** `thread/delete`. */
  async delete(): Promise<void> {
    await this.#client.request('thread/delete', { threadId: this.id });
  }

  /** `thread/unsubscribe`: this connection stops receiving the thread's notifications. */
  async unsubscribe(): Promise<ThreadUnsubscribeStatus> {
    const { status } = await this.#client.request('thread/unsubscribe', { threadId: this.id });
    return status;
  }

  /**
   * `thread/compact/start`, then waits for the compaction turn it starts; resolves with that turn's
   * result. The compaction turn is the first turn to start on the thread after the request.
   */
  async compact(): Promise<TurnResult> {
    const watcher = new TurnWatcher(this.#client, this.id, { events: false });
    try {
      await this.#client.request('thread/compact/start', { threadId: this.id });
    } catch (error) {
      watcher.fail(error);
      throw error;
    }
    watcher.followNext();
    return watcher.result;
  }

  /** `thread/read`. */
  async read(options: { includeTurns?: boolean } = {}): Promise<ThreadInfo> {
    const { thread } = await this.#client.request('thread/read', { threadId: this.id, includeTurns: options.includeTurns ?? false });
    return thread;
  }

  /** Calls `listener` with every notification about this thread (any turn, any client's); returns an unsubscribe function. */
  onNotification(listener: (notification: Notification) => void): () => void {
    return this.#client.onNotification((notification) => {
      const params = notification.params as { threadId?: unknown; thread?: { id?: unknown } };
      if (params.threadId === this.id || params.thread?.id === this.id) listener(notification);
    });
  }

  #start(input: TurnInput, options: RunOptions, events: boolean): TurnStream {
    const { signal, ...params } = options;
    return startTurn(this.#client, { ...params, threadId: this.id, input: toUserInputs(input) }, { signal, events });
  }
}

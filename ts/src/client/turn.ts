// One turn followed through its notifications: that turn's typed events as they arrive, and the
// TurnResult built from them. The core decides what a turn is; this collects, and fails loudly when
// something the result is built from never arrived.
//
// Ordering: a watcher subscribes before its request is sent and keeps the thread's notifications
// until it learns the turn id (from the turn/start answer, or the next `turn/started`), so nothing
// the turn emits can slip past, whatever order the answer and the notifications arrive in.

import type { ThreadItem } from '../generated/ThreadItem.js';
import type { ThreadTokenUsage } from '../generated/ThreadTokenUsage.js';
import type { Turn } from '../generated/Turn.js';
import type { TurnError } from '../generated/TurnError.js';
import type { TurnStartParams } from '../generated/TurnStartParams.js';
import type { TurnStatus } from '../generated/TurnStatus.js';
import type { UserInput } from '../generated/UserInput.js';
import type { SpindleClient } from './client.js';
import { EventQueue } from './event-queue.js';
import type { Notification } from './methods.js';

/** The notifications that belong to one turn (PROTOCOL.md §7): each names the turn. */
export type TurnEventMethod =
  | 'turn/started'
  | 'item/started'
  | 'item/agentMessage/delta'
  | 'item/reasoning/summaryPartAdded'
  | 'item/reasoning/summaryTextDelta'
  | 'item/reasoning/textDelta'
  | 'item/completed'
  | 'thread/tokenUsage/updated'
  | 'error'
  | 'turn/completed';

/** One event of a turn: the server notification itself, narrowed by `method`. */
export type TurnEvent = Extract<Notification, { method: TurnEventMethod }>;

const turnEventMethods: ReadonlySet<string> = new Set<TurnEventMethod>([
  'turn/started',
  'item/started',
  'item/agentMessage/delta',
  'item/reasoning/summaryPartAdded',
  'item/reasoning/summaryTextDelta',
  'item/reasoning/textDelta',
  'item/completed',
  'thread/tokenUsage/updated',
  'error',
  'turn/completed',
]);

/** A finished turn, built from the notifications of that turn. */
export interface TurnResult {
  /** The turn id. */
  id: string;
  /** The thread the turn ran on. */
  threadId: string;
  /** `completed`, `interrupted` or `failed`. */
  status: TurnStatus;
  /** Set when `status` is `failed`. */
  error: TurnError | null;
  /** Unix seconds, as `turn/completed` reports them. */
  startedAt: number | null;
  /** Unix seconds. */
  completedAt: number | null;
  /** How long the turn ran, as the server measured it. */
  durationMs: number | null;
  /** The text of the last completed agent message (a `final_answer` one when there is one), or `null`. */
  finalResponse: string | null;
  /** Every item `item/completed` delivered for this turn, in arrival order (user, reasoning, tool, agent…). */
  items: ThreadItem[];
  /**
   * The thread's token usage as last reported during this turn: `last` is the turn's most recent model
   * response, `total` the thread's running sum. `null` when no response reported usage.
   */
  usage: ThreadTokenUsage | null;
}

/** A turn whose result cannot be built: the connection went away, or events it needs never arrived. */
export class IncompleteTurnError extends Error {
  constructor(
    message: string,
    /** The thread of the unfinished turn. */
    readonly threadId: string,
    /** The turn, or `null` when the connection closed before its id was known. */
    readonly turnId: string | null,
  ) {
    super(message);
    this.name = 'IncompleteTurnError';
  }
}

/** A running turn: iterate it for its events (the iteration ends after `turn/completed`), or await `result`. */
export interface TurnStream extends AsyncIterable<TurnEvent> {
  /** Resolves once the turn's id is known. */
  readonly turnId: Promise<string>;
  /** Resolves on `turn/completed`; rejects if the turn cannot start or its events stop short. */
  readonly result: Promise<TurnResult>;
}

/** How `startTurn` runs. */
export interface StartTurnOptions {
  /** Aborting sends `turn/interrupt`; the turn then ends `interrupted` (or as it ended first). */
  signal?: AbortSignal | null;
  /** Keep the events for iteration; `false` when only `result` is wanted. Default true. */
  events?: boolean;
}

/** A string is one text input. */
export function toUserInputs(input: string | UserInput[]): UserInput[] {
  return typeof input === 'string' ? [{ type: 'text', text: input, text_elements: [] }] : input;
}

/**
 * Sends `turn/start` and follows the turn it answers with. An already aborted signal sends nothing
 * and rejects with the signal's reason, as `fetch` does.
 */
export function startTurn(client: SpindleClient, params: TurnStartParams, options: StartTurnOptions = {}): TurnStream {
  const watcher = new TurnWatcher(client, params.threadId, { events: options.events });
  const signal = options.signal;
  if (signal?.aborted) {
    watcher.fail(abortReason(signal));
    return watcher.stream;
  }
  client.turnStart(params).then(
    ({ turn }) => watcher.follow(turn.id),
    (error: unknown) => watcher.fail(error),
  );
  if (signal) interruptOnAbort(client, params.threadId, watcher, signal);
  return watcher.stream;
}

function interruptOnAbort(client: SpindleClient, threadId: string, watcher: TurnWatcher, signal: AbortSignal): void {
  const onAbort = () => {
    watcher.turnId
      .then((turnId) => client.request('turn/interrupt', { threadId, turnId }))
      // After `turn/completed` a refused interrupt means nothing (the watcher has settled and ignores
      // this); before it, the turn goes on running, and the caller must hear why.
      .catch((error: unknown) => watcher.fail(error));
  };
  signal.addEventListener('abort', onAbort, { once: true });
  watcher.result.then(
    () => signal.removeEventListener('abort', onAbort),
    () => signal.removeEventListener('abort', onAbort),
  );
}

function abortReason(signal: AbortSignal): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const error = new Error('the turn was aborted before it started');
  error.name = 'AbortError';
  return error;
}

/** Follows one turn of `threadId` on `client`; `follow` or `followNext` says which. */
export class TurnWatcher {
  readonly #threadId: string;
  readonly #events: EventQueue<TurnEvent> | null;
  // The thread's turn events that arrived before the turn id was known.
  readonly #early: TurnEvent[] = [];
  readonly #items: ThreadItem[] = [];
  readonly #detach: Array<() => void>;
  #turnId: string | null = null;
  #followNext = false;
  #sawStart = false;
  #usage: ThreadTokenUsage | null = null;
  #settled = false;
  readonly turnId: Promise<string>;
  readonly result: Promise<TurnResult>;
  #resolveTurnId!: (turnId: string) => void;
  #rejectTurnId!: (error: unknown) => void;
  #resolveResult!: (result: TurnResult) => void;
  #rejectResult!: (error: unknown) => void;

  constructor(client: SpindleClient, threadId: string, { events = true }: { events?: boolean } = {}) {
    this.#threadId = threadId;
    this.#events = events ? new EventQueue<TurnEvent>() : null;
    this.turnId = new Promise((resolve, reject) => {
      this.#resolveTurnId = resolve;
      this.#rejectTurnId = reject;
    });
    this.result = new Promise((resolve, reject) => {
      this.#resolveResult = resolve;
      this.#rejectResult = reject;
    });
    // A caller may watch only the events, or only the result: neither rejection may go unhandled.
    this.turnId.catch(() => {});
    this.result.catch(() => {});
    this.#detach = [client.onNotification((n) => this.#receive(n)), client.onClose((error) => this.#closed(error))];
    const closed = client.closedError;
    if (closed) this.#closed(closed);
  }

  /** The iterable view callers get. */
  get stream(): TurnStream {
    const events = this.#events;
    return {
      turnId: this.turnId,
      result: this.result,
      [Symbol.asyncIterator]: () => {
        if (!events) throw new Error('this turn keeps no events; start it with events enabled');
        return events[Symbol.asyncIterator]();
      },
    };
  }

  /** Follows turn `turnId`, starting with what already arrived for it. */
  follow(turnId: string): void {
    if (this.#settled || this.#turnId !== null) return;
    this.#bind(turnId);
    for (const event of this.#early.splice(0)) {
      if (this.#settled) return;
      if (turnIdOf(event) === turnId) this.#accept(event);
    }
  }

  /** Follows the first turn that starts on the thread since this watcher was made. */
  followNext(): void {
    if (this.#settled || this.#turnId !== null) return;
    const started = this.#early.find((event) => event.method === 'turn/started');
    if (started) {
      this.follow(turnIdOf(started));
    } else {
      this.#early.length = 0;
      this.#followNext = true;
    }
  }

  /** Ends the watch with `error` (no-op once settled). */
  fail(error: unknown): void {
    if (this.#settled) return;
    this.#settle();
    this.#rejectTurnId(error);
    this.#rejectResult(error);
    this.#events?.fail(error);
  }

  #receive(notification: Notification): void {
    if (this.#settled || !turnEventMethods.has(notification.method)) return;
    const event = notification as TurnEvent;
    if (event.params.threadId !== this.#threadId) return;
    if (this.#turnId === null) {
      if (this.#followNext && event.method === 'turn/started') {
        this.#followNext = false;
        this.#bind(event.params.turn.id);
        this.#accept(event);
      } else if (!this.#followNext) {
        this.#early.push(event);
      }
      return;
    }
    if (turnIdOf(event) === this.#turnId) this.#accept(event);
  }

  #bind(turnId: string): void {
    this.#turnId = turnId;
    this.#resolveTurnId(turnId);
  }

  #accept(event: TurnEvent): void {
    if (event.method === 'turn/started') this.#sawStart = true;
    else if (event.method === 'item/completed') this.#items.push(event.params.item);
    else if (event.method === 'thread/tokenUsage/updated') this.#usage = event.params.tokenUsage;
    this.#events?.push(event);
    if (event.method === 'turn/completed') this.#complete(event.params.turn);
  }

  #complete(turn: Turn): void {
    // `turn/completed` lists the turn's agent messages; each must have come as `item/completed`.
    // Only checkable when this watcher saw the turn start (a steered-into turn began earlier).
    const missing = this.#sawStart
      ? (turn.items ?? []).filter((item) => !this.#items.some((seen) => seen.id === item.id))
      : [];
    if (missing.length > 0) {
      const names = missing.map((item) => `${item.type} ${item.id}`).join(', ');
      this.fail(
        new IncompleteTurnError(
          `turn ${turn.id} completed listing ${names}, but no item/completed delivered it`,
          this.#threadId,
          turn.id,
        ),
      );
      return;
    }
    this.#settle();
    this.#resolveResult(buildResult(this.#threadId, turn, this.#items, this.#usage));
    this.#events?.end();
  }

  #closed(error: Error): void {
    const turn = this.#turnId === null ? 'its turn' : `turn ${this.#turnId}`;
    this.fail(
      new IncompleteTurnError(
        `the connection closed before turn/completed of ${turn} on thread ${this.#threadId} arrived: ${error.message}`,
        this.#threadId,
        this.#turnId,
      ),
    );
  }

  #settle(): void {
    this.#settled = true;
    for (const detach of this.#detach.splice(0)) detach();
    this.#early.length = 0;
  }
}

function turnIdOf(event: TurnEvent): string {
  return 'turn' in event.params ? event.params.turn.id : event.params.turnId;
}

function buildResult(threadId: string, turn: Turn, items: ThreadItem[], usage: ThreadTokenUsage | null): TurnResult {
  return {
    id: turn.id,
    threadId,
    status: turn.status,
    error: turn.error ?? null,
    startedAt: turn.startedAt ?? null,
    completedAt: turn.completedAt ?? null,
    durationMs: turn.durationMs ?? null,
    finalResponse: finalResponse(items),
    items,
    usage,
  };
}

function finalResponse(items: ThreadItem[]): string | null {
  let last: string | null = null;
  let lastFinal: string | null = null;
  for (const item of items) {
    if (item.type !== 'agentMessage') continue;
    last = item.text;
    if (item.phase === 'final_answer') lastFinal = item.text;
  }
  return lastFinal ?? last;
}

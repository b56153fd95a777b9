// The conformance kit's view of a store: every operation through the bindings' `call(op, argsJson)`,
// typed, plus the ids, threads and failures its cases are built from.
import type { ClaimOutcome } from '../../../ts/src/generated/ClaimOutcome.js';
import type { HistoryRecord } from '../../../ts/src/generated/HistoryRecord.js';
import type { LoadedHistory } from '../../../ts/src/generated/LoadedHistory.js';
import type { QueuedTurnPage } from '../../../ts/src/generated/QueuedTurnPage.js';
import type { QueuedTurnRow } from '../../../ts/src/generated/QueuedTurnRow.js';
import type { StoredThread } from '../../../ts/src/generated/StoredThread.js';
import type { ThreadListQuery } from '../../../ts/src/generated/ThreadListQuery.js';
import type { TurnError } from '../../../ts/src/generated/TurnError.js';
import type { StoreCallAdapter } from '../../../ts/src/runtime/binding.js';

/** The store operations as the engine's bridge sends them: a JSON argument array in, JSON out. */
export class StoreOps {
  constructor(private readonly store: StoreCallAdapter) {}

  private async call<T>(op: string, ...args: unknown[]): Promise<T> {
    const text = await this.store.call(op, JSON.stringify(args));
    // An empty answer means `null`, as the bridge reads it.
    return (text.trim() === '' ? null : JSON.parse(text)) as T;
  }

  create = (stored: StoredThread) => this.call<null>('create', stored);
  append = (threadId: string, records: HistoryRecord[]) => this.call<null>('append', threadId, records);
  load = (threadId: string, tail: number | null = null) => this.call<LoadedHistory | null>('load', threadId, tail);
  update = (stored: StoredThread) => this.call<null>('update', stored);
  list = (query: Partial<ThreadListQuery> = {}) => this.call<StoredThread[]>('list', { ...defaultQuery, ...query });
  delete = (threadId: string) => this.call<boolean>('delete', threadId);

  appendQueuedTurn = (queuedTurnId: string, threadId: string, params: unknown = turnStartParams(threadId), nowMs = 1) =>
    this.call<QueuedTurnRow>('appendQueuedTurn', queuedTurnId, threadId, params, nowMs);
  listQueuedTurns = (threadId: string, offset = 0, limit = 100) =>
    this.call<QueuedTurnPage>('listQueuedTurns', threadId, offset, limit);
  deleteQueuedTurn = (threadId: string, queuedTurnId: string) => this.call<boolean>('deleteQueuedTurn', threadId, queuedTurnId);
  reorderQueuedTurns = (threadId: string, queuedTurnIds: string[], nowMs = 1) =>
    this.call<QueuedTurnRow[] | null>('reorderQueuedTurns', threadId, queuedTurnIds, nowMs);
  updateQueuedTurn = (threadId: string, queuedTurnId: string, params: unknown, nowMs = 1) =>
    this.call<QueuedTurnRow | null>('updateQueuedTurn', threadId, queuedTurnId, params, nowMs);
  claimQueueHead = (threadId: string, nowMs = 1) => this.call<ClaimOutcome>('claimQueueHead', threadId, nowMs);
  setDispatchTurnId = (queuedTurnId: string, turnId: string, nowMs = 1) =>
    this.call<boolean>('setDispatchTurnId', queuedTurnId, turnId, nowMs);
  removeDispatchedTurn = (threadId: string, turnId: string) => this.call<boolean>('removeDispatchedTurn', threadId, turnId);
  markQueuedTurnFailed = (queuedTurnId: string, failure: TurnError, nowMs = 1) =>
    this.call<boolean>('markQueuedTurnFailed', queuedTurnId, failure, nowMs);
  recoverDispatchingTurns = (threadId: string, failure: TurnError, nowMs = 1) =>
    this.call<number>('recoverDispatchingTurns', threadId, failure, nowMs);
  deleteThreadQueue = (threadId: string) => this.call<null>('deleteThreadQueue', threadId);

  /** The ids of the visible rows, head first. */
  async visibleIds(threadId: string): Promise<string[]> {
    return (await this.listQueuedTurns(threadId)).rows.map((row) => row.queuedTurnId);
  }

  /** Claims the head and returns the claimed row's id; anything but a claim fails. */
  async claimedId(threadId: string, nowMs = 1): Promise<string> {
    const outcome = await this.claimQueueHead(threadId, nowMs);
    if (outcome.type !== 'claimed') throw new Error(`expected a claim on ${threadId}, got ${JSON.stringify(outcome)}`);
    return outcome.row.queuedTurnId;
  }
}

/** Every non-archived thread, newest first: what `list` asks unless a case says otherwise. */
export const defaultQuery: ThreadListQuery = {
  anchor: null,
  limit: 100,
  archived: false,
  sortKey: 'created_at',
  ascending: false,
  cwds: [],
  modelProviders: [],
  sourceKinds: [],
  searchTerm: null,
};

/** Lowercase UUIDs (what the engine sends; a store may refuse anything else), ordered by `n`. */
const uuid = (prefix: string, n: number) => `${prefix}-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
export const threadId = (n: number) => uuid('019a0000', n);
export const queuedId = (n: number) => uuid('019a0001', n);
export const turnId = (n: number) => uuid('019a0002', n);

/** A stored thread with every field set, as the core writes one; `overrides` patch the `Thread`. */
export function storedThread(
  id: string,
  overrides: Partial<StoredThread['thread']> = {},
  archived = false,
): StoredThread {
  return {
    thread: {
      id,
      environments: null,
      extra: null,
      sessionId: id,
      forkedFromId: null,
      attachedToThreadId: null,
      parentThreadId: null,
      preview: 'hello',
      ephemeral: false,
      section: null,
      sectionEnteredAt: null,
      projectId: null,
      historyMode: 'paginated',
      modelProvider: 'openai',
      model: 'm',
      reasoningEffort: null,
      createdAt: 100,
      updatedAt: 100,
      recencyAt: null,
      status: { type: 'notLoaded' },
      path: null,
      cwd: '/w',
      cliVersion: '0.0.0',
      originator: null,
      source: 'vscode',
      canAcceptDirectInput: null,
      threadSource: null,
      agentNickname: null,
      agentRole: null,
      gitInfo: null,
      name: null,
      daybreakEnabled: null,
      turns: [],
      ...overrides,
    },
    settings: { baseInstructions: null, developerInstructions: null, summary: null, dynamicTools: [] },
    archived,
    tokenUsage: null,
  };
}

/** A history record the kit can tell apart from others by `label`. */
export function modelItems(label: string): HistoryRecord {
  return { type: 'modelItems', items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: label }] }] };
}

/** A started turn's record (saved before `turn/started`), kept verbatim like every other record. */
export function turnStarted(label: string): HistoryRecord {
  const turnId = '0190b3a2-0000-7000-8000-000000000001';
  const userMessage = {
    type: 'userMessage' as const,
    id: `u-${label}`,
    clientId: null,
    content: [{ type: 'text' as const, text: label, text_elements: [] }],
    startedAtMs: 1,
    completedAtMs: 1,
  };
  return {
    type: 'turnStarted',
    turn: {
      id: turnId,
      rootTurnId: turnId,
      items: [userMessage],
      itemsView: 'full',
      status: 'inProgress',
      error: null,
      startedAt: 1,
      completedAt: null,
      durationMs: null,
    },
    items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: label }] }],
  };
}

/** The `turnStartParams` a client would queue, kept verbatim by every store. */
export function turnStartParams(threadId: string, text = 'queued'): unknown {
  return { threadId, input: [{ type: 'text', text, text_elements: [] }], model: null, extra: { kept: [1, 'two'] } };
}

export function failure(message: string): TurnError {
  return { message, codexErrorInfo: null, additionalDetails: null, misalignment: null };
}

/** One conformance test: it gets a fresh, empty store. */
export interface ConformanceCase {
  name: string;
  run(store: StoreOps): Promise<void>;
}

// The queue store's rules (PROTOCOL.md §6.1; core/src/store/memory_queue.rs is the reference) for
// stores written in JS: each operation reads one thread's rows (or one row) and says what to write,
// so a store only has to run it atomically — under one IndexedDB transaction, or synchronously in memory.

import type { ClaimOutcome } from '../generated/ClaimOutcome.js';
import type { QueuedTurnPage } from '../generated/QueuedTurnPage.js';
import type { QueuedTurnRow } from '../generated/QueuedTurnRow.js';
import type { TurnError } from '../generated/TurnError.js';
import type { QueueStoreAdapter } from './queue-store.js';
import type { MaybePromise } from './thread-store.js';

/** What an operation answers and writes: new rows (their ids must not exist yet), replaced rows, removed ids. */
export interface QueueChange<T> {
  /** What the operation answers. */
  answer: T;
  /** Rows to insert. */
  add?: QueuedTurnRow[];
  /** Rows to replace, by id. */
  put?: QueuedTurnRow[];
  /** Ids of rows to delete. */
  remove?: string[];
}

/** How a store reaches its rows. Each call must read, decide and write in one atomic step. */
export interface QueueRows {
  /** Runs `read` over every row of the thread (any order), writing nothing. */
  read<T>(threadId: string, read: (rows: QueuedTurnRow[]) => T): MaybePromise<T>;
  /** Runs `decide` over every row of the thread (any order) and applies its change. */
  thread<T>(threadId: string, decide: (rows: QueuedTurnRow[]) => QueueChange<T>): MaybePromise<T>;
  /** Runs `decide` over the row `queuedTurnId` (`undefined` when unknown) and applies its change. */
  row<T>(queuedTurnId: string, decide: (row: QueuedTurnRow | undefined) => QueueChange<T>): MaybePromise<T>;
}

/** The message a store throws when an appended id exists already (in any thread). */
export function queuedTurnExists(queuedTurnId: string): Error {
  return new Error(`queued turn ${queuedTurnId} already exists`);
}

const isVisible = (row: QueuedTurnRow): boolean => row.state !== 'dispatching';

/** The visible rows, head first. */
function visibleRows(rows: QueuedTurnRow[]): QueuedTurnRow[] {
  return rows.filter(isVisible).sort((a, b) => a.queueOrder - b.queueOrder);
}

function appendRow(
  rows: QueuedTurnRow[],
  queuedTurnId: string,
  threadId: string,
  turnStartParams: unknown,
  nowMs: number,
): QueueChange<QueuedTurnRow> {
  // Dispatching rows count too, so a new row never reuses the slot of one still starting.
  const queueOrder = rows.reduce((max, row) => Math.max(max, row.queueOrder), 0) + 1;
  const row: QueuedTurnRow = {
    queuedTurnId,
    threadId,
    turnStartParams,
    queueOrder,
    state: 'pending',
    dispatchTurnId: null,
    failure: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  return { answer: row, add: [row] };
}

function listPage(rows: QueuedTurnRow[], offset: number, limit: number): QueuedTurnPage {
  const visible = visibleRows(rows);
  const page = visible.slice(offset, offset + limit);
  return { rows: page, more: offset + page.length < visible.length };
}

function deleteVisible(rows: QueuedTurnRow[], queuedTurnId: string): QueueChange<boolean> {
  const row = rows.find((candidate) => candidate.queuedTurnId === queuedTurnId && isVisible(candidate));
  return row ? { answer: true, remove: [row.queuedTurnId] } : { answer: false };
}

function reorderVisible(rows: QueuedTurnRow[], queuedTurnIds: string[], nowMs: number): QueueChange<QueuedTurnRow[] | null> {
  const visible = visibleRows(rows);
  const byId = new Map(visible.map((row) => [row.queuedTurnId, row]));
  const exact =
    new Set(queuedTurnIds).size === queuedTurnIds.length &&
    queuedTurnIds.length === visible.length &&
    queuedTurnIds.every((id) => byId.has(id));
  if (!exact) return { answer: null };
  // The slots stay the thread's own; only who holds which one changes.
  const reordered = queuedTurnIds.map((id, index) => ({
    ...(byId.get(id) as QueuedTurnRow),
    queueOrder: visible[index].queueOrder,
    updatedAtMs: nowMs,
  }));
  return { answer: reordered, put: reordered };
}

function updateVisible(
  rows: QueuedTurnRow[],
  queuedTurnId: string,
  turnStartParams: unknown,
  nowMs: number,
): QueueChange<QueuedTurnRow | null> {
  const row = rows.find((candidate) => candidate.queuedTurnId === queuedTurnId && isVisible(candidate));
  if (!row) return { answer: null };
  // Editing is also how a failed row is fixed: it becomes pending again, in the same slot.
  const updated: QueuedTurnRow = { ...row, turnStartParams, state: 'pending', failure: null, updatedAtMs: nowMs };
  return { answer: updated, put: [updated] };
}

function claimHead(rows: QueuedTurnRow[], nowMs: number): QueueChange<ClaimOutcome> {
  if (rows.some((row) => row.state === 'dispatching')) return { answer: { type: 'busy' } };
  const head = visibleRows(rows)[0];
  if (head === undefined) return { answer: { type: 'empty' } };
  if (head.state === 'failed') return { answer: { type: 'blocked' } };
  const claimed: QueuedTurnRow = { ...head, state: 'dispatching', updatedAtMs: nowMs };
  return { answer: { type: 'claimed', row: claimed }, put: [claimed] };
}

function setDispatchTurn(row: QueuedTurnRow | undefined, turnId: string, nowMs: number): QueueChange<boolean> {
  if (row?.state !== 'dispatching') return { answer: false };
  return { answer: true, put: [{ ...row, dispatchTurnId: turnId, updatedAtMs: nowMs }] };
}

function removeDispatched(rows: QueuedTurnRow[], turnId: string): QueueChange<boolean> {
  const gone = rows.filter((row) => row.state === 'dispatching' && row.dispatchTurnId === turnId);
  return { answer: gone.length > 0, remove: gone.map((row) => row.queuedTurnId) };
}

function failed(row: QueuedTurnRow, failure: TurnError, nowMs: number): QueuedTurnRow {
  return { ...row, state: 'failed', failure, dispatchTurnId: null, updatedAtMs: nowMs };
}

function markFailed(row: QueuedTurnRow | undefined, failure: TurnError, nowMs: number): QueueChange<boolean> {
  return row ? { answer: true, put: [failed(row, failure, nowMs)] } : { answer: false };
}

function recoverDispatching(rows: QueuedTurnRow[], failure: TurnError, nowMs: number): QueueChange<number> {
  const recovered = rows.filter((row) => row.state === 'dispatching').map((row) => failed(row, failure, nowMs));
  return { answer: recovered.length, put: recovered };
}

function deleteAll(rows: QueuedTurnRow[]): QueueChange<void> {
  return { answer: undefined, remove: rows.map((row) => row.queuedTurnId) };
}

/** A queue store over any row storage: the operations of `QueueStoreAdapter` with the core's rules. */
export function queueStoreOn(store: QueueRows): QueueStoreAdapter {
  return {
    appendQueuedTurn: (queuedTurnId, threadId, turnStartParams, nowMs) =>
      store.thread(threadId, (rows) => appendRow(rows, queuedTurnId, threadId, turnStartParams, nowMs)),
    listQueuedTurns: (threadId, offset, limit) => store.read(threadId, (rows) => listPage(rows, offset, limit)),
    deleteQueuedTurn: (threadId, queuedTurnId) => store.thread(threadId, (rows) => deleteVisible(rows, queuedTurnId)),
    reorderQueuedTurns: (threadId, queuedTurnIds, nowMs) =>
      store.thread(threadId, (rows) => reorderVisible(rows, queuedTurnIds, nowMs)),
    updateQueuedTurn: (threadId, queuedTurnId, turnStartParams, nowMs) =>
      store.thread(threadId, (rows) => updateVisible(rows, queuedTurnId, turnStartParams, nowMs)),
    claimQueueHead: (threadId, nowMs) => store.thread(threadId, (rows) => claimHead(rows, nowMs)),
    setDispatchTurnId: (queuedTurnId, turnId, nowMs) =>
      store.row(queuedTurnId, (row) => setDispatchTurn(row, turnId, nowMs)),
    removeDispatchedTurn: (threadId, turnId) => store.thread(threadId, (rows) => removeDispatched(rows, turnId)),
    markQueuedTurnFailed: (queuedTurnId, failure, nowMs) =>
      store.row(queuedTurnId, (row) => markFailed(row, failure, nowMs)),
    recoverDispatchingTurns: (threadId, failure, nowMs) =>
      store.thread(threadId, (rows) => recoverDispatching(rows, failure, nowMs)),
    deleteThreadQueue: (threadId) => store.thread(threadId, deleteAll),
  };
}

// The IndexedDB store for browsers: thread records, their append-only history and queued turns in one
// database. Every operation is one transaction, answered only once it has committed. Claim and
// reorder read and write inside one readwrite transaction, and IndexedDB runs readwrite
// transactions over the same object store one at a time, across every tab of the origin: so two
// tabs can never both claim a queue's head.

import type { HistoryRecord } from '../generated/HistoryRecord.js';
import type { LoadedHistory } from '../generated/LoadedHistory.js';
import type { QueuedTurnRow } from '../generated/QueuedTurnRow.js';
import type { StoredThread } from '../generated/StoredThread.js';
import type { ThreadListQuery } from '../generated/ThreadListQuery.js';
import type { ThreadSortKey } from '../generated/ThreadSortKey.js';
import { queuedTurnExists, queueStoreOn, type QueueChange } from './queue-rules.js';
import type { StoreAdapter } from './store-call.js';
import { threadInPage, threadSortValue } from './thread-list.js';

const THREADS = 'threads';
const HISTORY = 'history';
const QUEUED = 'queuedTurns';
const sortKeys: ThreadSortKey[] = ['created_at', 'updated_at', 'recency_at'];

/** A stored thread with the keys its list indexes need (IndexedDB cannot index a boolean). */
interface ThreadRecord {
  threadId: string;
  archived: 0 | 1;
  /** The thread's sort values, one field per sort key. */
  sort: Record<ThreadSortKey, number>;
  stored: StoredThread;
}

/** One history record, keyed `[threadId, seq]` so a thread's history is one key range. */
interface HistoryEntry {
  threadId: string;
  seq: number;
  record: HistoryRecord;
}

/**
 * Schema migrations: entry `n` upgrades version `n` to `n + 1`. Append, never edit: a browser may
 * hold a database of any earlier version.
 */
const migrations: Array<(db: IDBDatabase) => void> = [
  (db) => {
    const threads = db.createObjectStore(THREADS, { keyPath: 'threadId' });
    // Per sort key, threads in `(archived, sort value, id)` order: a page is one cursor walk.
    for (const key of sortKeys) threads.createIndex(key, ['archived', `sort.${key}`, 'threadId']);
    db.createObjectStore(HISTORY, { keyPath: ['threadId', 'seq'] });
    db.createObjectStore(QUEUED, { keyPath: 'queuedTurnId' }).createIndex('threadId', 'threadId');
  },
];

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An id as a key: only a lowercase hyphenated UUID (what the engine sends) is let near the database. */
function validId(kind: 'thread' | 'queued turn', id: unknown): string {
  if (typeof id !== 'string' || !uuidPattern.test(id)) throw new Error(`invalid ${kind} id: ${String(id).slice(0, 64)}`);
  return id;
}

/** Where a store lives. */
export interface IndexedDbStoreOptions {
  /** The database name; one store per name. Default `spindle`. */
  name?: string;
  /** The IndexedDB factory; default the global `indexedDB`. */
  factory?: IDBFactory;
}

/** A store over IndexedDB, with a way to let go of its database. */
export interface IndexedDbStore extends StoreAdapter {
  /** Closes the database connection; later calls fail. */
  close(): Promise<void>;
}

/** Whether this runtime has IndexedDB (browsers, workers; not Node). */
export function indexedDbAvailable(): boolean {
  return typeof globalThis.indexedDB !== 'undefined';
}

/**
 * A store in the IndexedDB database `name`, opened (and created or upgraded) on first use. If the
 * database cannot be opened, every operation fails with the reason, which the engine reports as a
 * -32603 error naming the operation.
 */
export function createIndexedDbStore(options: IndexedDbStoreOptions = {}): IndexedDbStore {
  const opened = openDatabase(options.factory ?? globalThis.indexedDB, options.name ?? 'spindle');
  // A failed open is reported by every operation, not as an unhandled rejection.
  opened.catch(() => undefined);
  const transact = async <T>(
    stores: string[],
    mode: IDBTransactionMode,
    work: (tx: IDBTransaction) => Promise<T>,
  ): Promise<T> => inTransaction(await opened, stores, mode, work);

  const queue = queueStoreOn({
    read: (threadId, read) =>
      transact([QUEUED], 'readonly', async (tx) => read(await rowsOf(tx, validId('thread', threadId)))),
    thread: (threadId, decide) =>
      transact([QUEUED], 'readwrite', async (tx) => apply(tx, decide(await rowsOf(tx, validId('thread', threadId))))),
    row: (queuedTurnId, decide) =>
      transact([QUEUED], 'readwrite', async (tx) => {
        const row = await done<QueuedTurnRow | undefined>(tx.objectStore(QUEUED).get(validId('queued turn', queuedTurnId)));
        return apply(tx, decide(row));
      }),
  });

  return {
    ...queue,
    create: (stored) =>
      transact([THREADS], 'readwrite', async (tx) => {
        const threads = tx.objectStore(THREADS);
        if ((await done(threads.getKey(validId('thread', stored.thread.id)))) !== undefined) {
          throw new Error(`thread ${stored.thread.id} already exists`);
        }
        await done(threads.add(threadRecord(stored)));
      }),
    append: (threadId, records) =>
      transact([THREADS, HISTORY], 'readwrite', async (tx) => {
        await existing(tx, validId('thread', threadId));
        const history = tx.objectStore(HISTORY);
        const last = await done(history.openKeyCursor(historyRange(threadId), 'prev'));
        let seq = last ? (last.primaryKey as [string, number])[1] + 1 : 0;
        for (const record of records) history.add({ threadId, seq: seq++, record } satisfies HistoryEntry);
      }),
    load: (threadId, tail) =>
      transact([THREADS, HISTORY], 'readonly', (tx) => loadHistory(tx, validId('thread', threadId), tail)),
    update: (stored) =>
      transact([THREADS], 'readwrite', async (tx) => {
        await existing(tx, validId('thread', stored.thread.id));
        await done(tx.objectStore(THREADS).put(threadRecord(stored)));
      }),
    list: (query) => transact([THREADS], 'readonly', (tx) => listThreads(tx, query)),
    delete: (threadId) =>
      transact([THREADS, HISTORY, QUEUED], 'readwrite', async (tx) => {
        const threads = tx.objectStore(THREADS);
        const existed = (await done(threads.getKey(validId('thread', threadId)))) !== undefined;
        threads.delete(threadId);
        tx.objectStore(HISTORY).delete(historyRange(threadId));
        // Queued turns die with their thread.
        const queued = tx.objectStore(QUEUED);
        for (const key of await done(queued.index('threadId').getAllKeys(threadId))) queued.delete(key);
        return existed;
      }),
    close: async () => (await opened).close(),
  };
}

function openDatabase(factory: IDBFactory | undefined, name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    if (!factory) return reject(new Error('IndexedDB is not available in this runtime'));
    const request = factory.open(name, migrations.length);
    request.onupgradeneeded = (event) => {
      for (let version = event.oldVersion; version < migrations.length; version++) migrations[version](request.result);
    };
    request.onsuccess = () => {
      const db = request.result;
      // Another tab upgrading the schema must not wait for this one forever.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(request.error ?? new Error(`cannot open IndexedDB database ${name}`));
  });
}

/**
 * Runs `work` in one transaction and answers once the transaction has committed, so nothing is
 * reported saved that a crash could still lose; a throw in `work` aborts it, writing nothing.
 */
async function inTransaction<T>(
  db: IDBDatabase,
  stores: string[],
  mode: IDBTransactionMode,
  work: (tx: IDBTransaction) => Promise<T>,
): Promise<T> {
  // `strict`: the commit reaches the disk before `complete` fires.
  const tx = db.transaction(stores, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' });
  const committed = new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('the IndexedDB transaction was aborted'));
  });
  // An abort after a failed `work` is reported by `work`'s own error.
  committed.catch(() => undefined);
  let answer: T;
  try {
    answer = await work(tx);
  } catch (error) {
    finish(() => tx.abort());
    throw error;
  }
  finish(() => tx.commit());
  await committed;
  return answer;
}

/** Aborts or commits unless the transaction already finished (which throws). */
function finish(step: () => void): void {
  try {
    step();
  } catch {
    // Already committed or aborted: `committed` tells which.
  }
}

/** The request's result once it succeeds. */
function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

/** Walks a cursor while `visit` answers true. */
function walk(request: IDBRequest<IDBCursorWithValue | null>, visit: (value: unknown) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => {
      try {
        const cursor = request.result;
        if (cursor && visit(cursor.value)) cursor.continue();
        else resolve();
      } catch (error) {
        reject(error);
      }
    };
    request.onerror = () => reject(request.error ?? new Error('IndexedDB cursor failed'));
  });
}

function threadRecord(stored: StoredThread): ThreadRecord {
  const sort = Object.fromEntries(sortKeys.map((key) => [key, threadSortValue(stored, key)])) as ThreadRecord['sort'];
  return { threadId: stored.thread.id, archived: stored.archived ? 1 : 0, sort, stored };
}

async function existing(tx: IDBTransaction, threadId: string): Promise<void> {
  if ((await done(tx.objectStore(THREADS).getKey(threadId))) === undefined) {
    throw new Error(`thread ${threadId} does not exist`);
  }
}

/** Every history key of a thread: `[threadId]` sorts before `[threadId, seq]`, and `[threadId, []]` after. */
function historyRange(threadId: string): IDBKeyRange {
  return IDBKeyRange.bound([threadId], [threadId, []]);
}

async function loadHistory(tx: IDBTransaction, threadId: string, tail: number | null): Promise<LoadedHistory | null> {
  const record = await done<ThreadRecord | undefined>(tx.objectStore(THREADS).get(threadId));
  if (!record) return null;
  const history = tx.objectStore(HISTORY);
  if (tail === null) {
    const entries = await done<HistoryEntry[]>(history.getAll(historyRange(threadId)));
    return { stored: record.stored, records: entries.map((entry) => entry.record), truncated: false };
  }
  if (!Number.isInteger(tail) || tail < 0) throw new Error(`invalid tail: ${tail}`);
  // Newest first, one past the tail to learn whether older records exist: a long thread costs `tail` reads.
  const newestFirst: HistoryEntry[] = [];
  await walk(history.openCursor(historyRange(threadId), 'prev'), (entry) => {
    newestFirst.push(entry as HistoryEntry);
    return newestFirst.length <= tail;
  });
  const records = newestFirst.slice(0, tail).reverse().map((entry) => entry.record);
  return { stored: record.stored, records, truncated: newestFirst.length > tail };
}

/**
 * The page of `query`: one walk of the sort key's index within the archived flag, from the anchor
 * on, stopping at `limit` matches. The filters are applied during the walk, so no page comes back
 * short while matching threads remain; `threadInPage` re-checks the anchor the range already applied.
 */
async function listThreads(tx: IDBTransaction, query: ThreadListQuery): Promise<StoredThread[]> {
  const page: StoredThread[] = [];
  if (query.limit <= 0) return page;
  const index = tx.objectStore(THREADS).index(query.sortKey);
  await walk(index.openCursor(pageRange(query), query.ascending ? 'next' : 'prev'), (value) => {
    const stored = (value as ThreadRecord).stored;
    if (threadInPage(query, stored)) page.push(stored);
    return page.length < query.limit;
  });
  return page;
}

/**
 * The index keys `[archived, sort value, id]` a page may hold. An array key sorts after every
 * number and string and a shorter array before its extensions, so `[a]` is below and `[a, []]`
 * above every key of flag `a`, and `[a, v]`/`[a, v, []]` enclose every key of sort value `v`.
 */
function pageRange(query: ThreadListQuery): IDBKeyRange {
  const archived = query.archived ? 1 : 0;
  const [first, last] = [[archived], [archived, []]];
  const anchor = query.anchor;
  if (anchor === null) return IDBKeyRange.bound(first, last);
  const { sortValue, threadId } = anchor;
  if (query.ascending) {
    return threadId === null
      ? IDBKeyRange.bound([archived, sortValue], last)
      : IDBKeyRange.bound([archived, sortValue, threadId], last, true, false);
  }
  return threadId === null
    ? IDBKeyRange.bound(first, [archived, sortValue, []])
    : IDBKeyRange.bound(first, [archived, sortValue, threadId], false, true);
}

/** Every queued turn of a thread. */
function rowsOf(tx: IDBTransaction, threadId: string): Promise<QueuedTurnRow[]> {
  return done<QueuedTurnRow[]>(tx.objectStore(QUEUED).index('threadId').getAll(threadId));
}

/** Writes what a queue operation decided, in the transaction that read its rows. */
async function apply<T>(tx: IDBTransaction, change: QueueChange<T>): Promise<T> {
  const queued = tx.objectStore(QUEUED);
  for (const row of change.add ?? []) {
    validId('queued turn', row.queuedTurnId);
    if ((await done(queued.getKey(row.queuedTurnId))) !== undefined) throw queuedTurnExists(row.queuedTurnId);
    queued.add(row);
  }
  for (const row of change.put ?? []) queued.put(row);
  for (const id of change.remove ?? []) queued.delete(id);
  return change.answer;
}

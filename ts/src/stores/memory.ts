// A whole store kept in this JS realm's memory: it outlives the engines opened on it (a host that
// restarts its engine, tests that restart a "server"), and it is the plainest JS-object adapter.

import type { HistoryRecord } from '../generated/HistoryRecord.js';
import type { LoadedHistory } from '../generated/LoadedHistory.js';
import type { QueuedTurnRow } from '../generated/QueuedTurnRow.js';
import type { StoredThread } from '../generated/StoredThread.js';
import type { ThreadListQuery } from '../generated/ThreadListQuery.js';
import { queuedTurnExists, queueStoreOn, type QueueChange } from './queue-rules.js';
import type { StoreAdapter } from './store-call.js';
import { threadListPage } from './thread-list.js';

interface Entry {
  stored: StoredThread;
  records: HistoryRecord[];
}

/**
 * A fresh, empty store. Every method answers synchronously, which is what makes a claim atomic
 * here; values are deep-copied in and out so no engine shares objects with another.
 */
export function createMemoryStore(): StoreAdapter {
  const threads = new Map<string, Entry>();
  // Queued turns by id, and the ids of each thread's rows.
  const queued = new Map<string, QueuedTurnRow>();
  const queuedOf = new Map<string, Set<string>>();
  const copy = <T>(value: T): T => structuredClone(value);
  const existing = (threadId: string): Entry => {
    const entry = threads.get(threadId);
    if (!entry) throw new Error(`thread ${threadId} does not exist`);
    return entry;
  };

  const rowsOf = (threadId: string): QueuedTurnRow[] =>
    [...(queuedOf.get(threadId) ?? [])].map((id) => copy(queued.get(id) as QueuedTurnRow));
  const apply = <T>(change: QueueChange<T>): T => {
    for (const row of change.add ?? []) {
      if (queued.has(row.queuedTurnId)) throw queuedTurnExists(row.queuedTurnId);
    }
    for (const row of [...(change.add ?? []), ...(change.put ?? [])]) {
      queued.set(row.queuedTurnId, copy(row));
      const ids = queuedOf.get(row.threadId) ?? new Set<string>();
      queuedOf.set(row.threadId, ids.add(row.queuedTurnId));
    }
    for (const id of change.remove ?? []) {
      const threadId = queued.get(id)?.threadId;
      queued.delete(id);
      const ids = threadId === undefined ? undefined : queuedOf.get(threadId);
      if (ids?.delete(id) && ids.size === 0) queuedOf.delete(threadId as string);
    }
    return copy(change.answer);
  };
  const queue = queueStoreOn({
    read: (threadId, read) => copy(read(rowsOf(threadId))),
    thread: (threadId, decide) => apply(decide(rowsOf(threadId))),
    row: (queuedTurnId, decide) => {
      const row = queued.get(queuedTurnId);
      return apply(decide(row && copy(row)));
    },
  });

  return {
    ...queue,
    create(stored: StoredThread): void {
      if (threads.has(stored.thread.id)) throw new Error(`thread ${stored.thread.id} already exists`);
      threads.set(stored.thread.id, { stored: copy(stored), records: [] });
    },
    append(threadId: string, records: HistoryRecord[]): void {
      existing(threadId).records.push(...copy(records));
    },
    load(threadId: string, tail: number | null): LoadedHistory | null {
      const entry = threads.get(threadId);
      if (!entry) return null;
      const keep = tail === null ? entry.records.length : Math.min(tail, entry.records.length);
      const start = entry.records.length - keep;
      return { stored: copy(entry.stored), records: copy(entry.records.slice(start)), truncated: start > 0 };
    },
    update(stored: StoredThread): void {
      existing(stored.thread.id).stored = copy(stored);
    },
    list(query: ThreadListQuery): StoredThread[] {
      return copy(threadListPage(query, [...threads.values()].map((entry) => entry.stored)));
    },
    delete(threadId: string): boolean {
      queue.deleteThreadQueue(threadId);
      return threads.delete(threadId);
    },
  };
}

// A thread store the test owns, kept in JS memory: engines opened on it one after the other see the same
// threads, which is how a replay restarts a server (transcript 08). Mirrors the core's memory store.
import type { HistoryRecord } from '../../ts/src/generated/HistoryRecord.js';
import type { LoadedHistory } from '../../ts/src/generated/LoadedHistory.js';
import type { StoredThread } from '../../ts/src/generated/StoredThread.js';
import type { ThreadListPage } from '../../ts/src/generated/ThreadListPage.js';
import type { ThreadListQuery } from '../../ts/src/generated/ThreadListQuery.js';
import type { ThreadStoreAdapter } from '../../ts/src/stores/index.js';

interface Entry {
  stored: StoredThread;
  records: HistoryRecord[];
}

/** A fresh store; values are deep-copied in and out so no engine shares objects with another. */
export function createMemoryThreadStore(): ThreadStoreAdapter {
  const threads = new Map<string, Entry>();
  const copy = <T>(value: T): T => structuredClone(value);
  const existing = (threadId: string): Entry => {
    const entry = threads.get(threadId);
    if (!entry) throw new Error(`thread ${threadId} does not exist`);
    return entry;
  };
  const sortValue = (stored: StoredThread, key: ThreadListQuery['sortKey']): number => {
    const thread = stored.thread;
    if (key === 'created_at') return thread.createdAt;
    if (key === 'updated_at') return thread.updatedAt;
    return thread.recencyAt ?? thread.updatedAt;
  };

  return {
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
    list(query: ThreadListQuery): ThreadListPage {
      const matching = [...threads.values()]
        .map((entry) => entry.stored)
        .filter((stored) => stored.archived === query.archived)
        .sort((a, b) => {
          const order =
            sortValue(a, query.sortKey) - sortValue(b, query.sortKey) ||
            (a.thread.id < b.thread.id ? -1 : a.thread.id > b.thread.id ? 1 : 0);
          return query.ascending ? order : -order;
        });
      // Like the core's store: the cursor is a decimal offset, opaque to the engine.
      const offset = query.cursor === null ? 0 : Number(query.cursor);
      if (!Number.isInteger(offset) || offset < 0) throw new Error(`invalid cursor: ${query.cursor}`);
      const page = matching.slice(offset, offset + Math.max(query.limit, 1));
      const next = offset + page.length;
      return { threads: copy(page), nextCursor: next < matching.length ? String(next) : null };
    },
    delete(threadId: string): boolean {
      return threads.delete(threadId);
    },
  };
}

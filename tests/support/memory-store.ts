// A thread store the test owns, kept in JS memory: engines opened on it one after the other see the same
// threads, which is how a replay restarts a server (transcript 08). Mirrors the core's memory store.
import type { HistoryRecord } from '../../ts/src/generated/HistoryRecord.js';
import type { LoadedHistory } from '../../ts/src/generated/LoadedHistory.js';
import type { StoredThread } from '../../ts/src/generated/StoredThread.js';
import type { ThreadListQuery } from '../../ts/src/generated/ThreadListQuery.js';
import type { ThreadSourceKind } from '../../ts/src/generated/ThreadSourceKind.js';
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

  const sourceKind = (source: StoredThread['thread']['source']): ThreadSourceKind => {
    if (typeof source === 'string') {
      return source === 'cli' || source === 'vscode' || source === 'exec' || source === 'appServer' ? source : 'unknown';
    }
    const subAgent = source.subAgent;
    if (subAgent === undefined) return 'unknown';
    if (subAgent === 'review') return 'subAgentReview';
    if (subAgent === 'compact') return 'subAgentCompact';
    if (typeof subAgent === 'object' && subAgent !== null && 'thread_spawn' in subAgent) return 'subAgentThreadSpawn';
    return 'subAgentOther';
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
    list(query: ThreadListQuery): StoredThread[] {
      // The rules of the core's `ThreadListQuery` (core/src/store/thread_list.rs): filter, then order, then page.
      const term = query.searchTerm ? query.searchTerm.toLowerCase() : null;
      const matches = (stored: StoredThread): boolean => {
        const thread = stored.thread;
        return (
          thread.preview !== '' &&
          stored.archived === query.archived &&
          (query.cwds.length === 0 || query.cwds.includes(thread.cwd)) &&
          (query.modelProviders.length === 0 || query.modelProviders.includes(thread.modelProvider)) &&
          (query.sourceKinds.length === 0 || query.sourceKinds.includes(sourceKind(thread.source))) &&
          (term === null ||
            thread.preview.toLowerCase().includes(term) ||
            (thread.name ?? '').toLowerCase().includes(term))
        );
      };
      const compare = (aValue: number, aId: string, bValue: number, bId: string): number =>
        aValue - bValue || (aId < bId ? -1 : aId > bId ? 1 : 0);
      const anchor = query.anchor;
      const afterAnchor = (stored: StoredThread): boolean => {
        if (anchor === null) return true;
        const value = sortValue(stored, query.sortKey);
        if (anchor.threadId === null && value === anchor.sortValue) return true;
        const order = compare(value, stored.thread.id, anchor.sortValue, anchor.threadId ?? stored.thread.id);
        return query.ascending ? order > 0 : order < 0;
      };
      const page = [...threads.values()]
        .map((entry) => entry.stored)
        .filter((stored) => matches(stored) && afterAnchor(stored))
        .sort((a, b) => {
          const order = compare(sortValue(a, query.sortKey), a.thread.id, sortValue(b, query.sortKey), b.thread.id);
          return query.ascending ? order : -order;
        })
        .slice(0, query.limit);
      return copy(page);
    },
    delete(threadId: string): boolean {
      return threads.delete(threadId);
    },
  };
}

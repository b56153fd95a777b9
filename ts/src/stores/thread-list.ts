// The rules of a thread list page (core/src/store/thread_list.rs) for stores written in JS: which
// threads match a query, their page order and where a page starts. Filter before counting the page.

import type { StoredThread } from '../generated/StoredThread.js';
import type { ThreadListQuery } from '../generated/ThreadListQuery.js';
import type { ThreadSortKey } from '../generated/ThreadSortKey.js';
import type { ThreadSourceKind } from '../generated/ThreadSourceKind.js';

/** The value a thread sorts by: `createdAt`, `updatedAt`, or `recencyAt` (its `updatedAt` when null). */
export function threadSortValue(stored: StoredThread, key: ThreadSortKey): number {
  const thread = stored.thread;
  if (key === 'created_at') return thread.createdAt;
  if (key === 'updated_at') return thread.updatedAt;
  return thread.recencyAt ?? thread.updatedAt;
}

/** The kind of a thread's `source`: its string, or the sub-agent variant; anything else is `unknown`. */
export function threadSourceKind(source: unknown): ThreadSourceKind {
  if (typeof source === 'string') {
    return source === 'cli' || source === 'vscode' || source === 'exec' || source === 'appServer' ? source : 'unknown';
  }
  if (source === null || typeof source !== 'object' || Array.isArray(source) || !Object.hasOwn(source, 'subAgent')) {
    return 'unknown';
  }
  const subAgent = (source as { subAgent: unknown }).subAgent;
  if (subAgent === 'review') return 'subAgentReview';
  if (subAgent === 'compact') return 'subAgentCompact';
  const isObject = typeof subAgent === 'object' && subAgent !== null && !Array.isArray(subAgent);
  return isObject && Object.hasOwn(subAgent, 'thread_spawn') ? 'subAgentThreadSpawn' : 'subAgentOther';
}

/** Whether a thread passes every filter of `query`; one with an empty preview never does. */
export function threadMatches(query: ThreadListQuery, stored: StoredThread): boolean {
  const thread = stored.thread;
  const term = query.searchTerm ? query.searchTerm.toLowerCase() : '';
  return (
    thread.preview !== '' &&
    stored.archived === query.archived &&
    (query.cwds.length === 0 || query.cwds.includes(thread.cwd)) &&
    (query.modelProviders.length === 0 || query.modelProviders.includes(thread.modelProvider)) &&
    (query.sourceKinds.length === 0 || query.sourceKinds.includes(threadSourceKind(thread.source))) &&
    (term === '' || thread.preview.toLowerCase().includes(term) || (thread.name ?? '').toLowerCase().includes(term))
  );
}

/** Ascending `(sort value, thread id)` order of two keys. */
function compareKeys(aValue: number, aId: string, bValue: number, bId: string): number {
  return aValue - bValue || (aId < bId ? -1 : aId > bId ? 1 : 0);
}

/** Page order of two threads: `(sort value, thread id)`, both descending unless `query.ascending`. */
export function threadPageOrder(query: ThreadListQuery, a: StoredThread, b: StoredThread): number {
  const order = compareKeys(
    threadSortValue(a, query.sortKey),
    a.thread.id,
    threadSortValue(b, query.sortKey),
    b.thread.id,
  );
  return query.ascending ? order : -order;
}

/**
 * Whether a thread lies after the query's anchor (always, without one). An anchor with an id is
 * exclusive; one without includes every thread of its sort value.
 */
export function threadAfterAnchor(query: ThreadListQuery, stored: StoredThread): boolean {
  const anchor = query.anchor;
  if (anchor === null) return true;
  const value = threadSortValue(stored, query.sortKey);
  if (anchor.threadId === null && value === anchor.sortValue) return true;
  const order = compareKeys(value, stored.thread.id, anchor.sortValue, anchor.threadId ?? stored.thread.id);
  return query.ascending ? order > 0 : order < 0;
}

/** Whether a thread belongs in the page of `query` (before the limit cuts it). */
export function threadInPage(query: ThreadListQuery, stored: StoredThread): boolean {
  return threadMatches(query, stored) && threadAfterAnchor(query, stored);
}

/** The page of `query` over any set of stored threads: filter, order, then the first `limit`. */
export function threadListPage(query: ThreadListQuery, threads: Iterable<StoredThread>): StoredThread[] {
  return [...threads]
    .filter((stored) => threadInPage(query, stored))
    .sort((a, b) => threadPageOrder(query, a, b))
    .slice(0, query.limit);
}

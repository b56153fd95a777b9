// Conformance cases for the thread half of a store: records, append-only history, tail loads, and the
// list rules of core/src/store/thread_list.rs (filters, sort orders, anchors, pages stable under inserts).
import type { StoredThread } from '../../../ts/src/generated/StoredThread.js';
import type { ThreadListQuery } from '../../../ts/src/generated/ThreadListQuery.js';
import { equal, ok, rejects } from '../check.ts';
import {
  type ConformanceCase,
  failure,
  modelItems,
  queuedId,
  storedThread,
  type StoreOps,
  threadId,
  turnId,
  turnStarted,
} from './ops.ts';

const ids = (threads: StoredThread[]) => threads.map((stored) => stored.thread.id);

/** Creates `threadId(n)` for each entry, with its overrides. */
async function createAll(store: StoreOps, threads: Record<number, Partial<StoredThread['thread']>>): Promise<void> {
  for (const [n, overrides] of Object.entries(threads)) await store.create(storedThread(threadId(Number(n)), overrides));
}

/** The ids of the page `query` lists. */
async function listed(store: StoreOps, query: Partial<ThreadListQuery> = {}): Promise<string[]> {
  return ids(await store.list(query));
}

export const threadCases: ConformanceCase[] = [
  {
    name: 'create stores a thread that load returns with an empty history',
    async run(store) {
      const stored = storedThread(threadId(1), { name: 'First' });
      equal(await store.create(stored), null, 'create answers nothing');
      equal(await store.load(threadId(1)), { stored, records: [], truncated: false }, 'load');
    },
  },
  {
    name: 'create rejects an id that exists and keeps the first record',
    async run(store) {
      const first = storedThread(threadId(1), { name: 'First' });
      await store.create(first);
      await rejects(store.create(storedThread(threadId(1), { name: 'Second' })), 'a second create of the id');
      equal((await store.load(threadId(1)))?.stored, first, 'the stored record');
    },
  },
  {
    name: 'append adds history records in order, across calls',
    async run(store) {
      await store.create(storedThread(threadId(1)));
      await store.append(threadId(1), [modelItems('a'), turnStarted('b')]);
      await store.append(threadId(1), []);
      await store.append(threadId(1), [{ type: 'compacted', items: [{ summary: 'c' }] }]);
      const loaded = await store.load(threadId(1));
      const expected = [modelItems('a'), turnStarted('b'), { type: 'compacted', items: [{ summary: 'c' }] }];
      equal(loaded?.records, expected, 'records');
    },
  },
  {
    name: 'append to an unknown thread fails',
    async run(store) {
      await rejects(store.append(threadId(9), [modelItems('a')]), 'append to an unknown thread');
      equal(await store.load(threadId(9)), null, 'no thread appeared');
    },
  },
  {
    name: 'load with a tail returns the last records and says whether older ones were cut',
    async run(store) {
      await store.create(storedThread(threadId(1)));
      await store.create(storedThread(threadId(2)));
      const records = ['1', '2', '3', '4', '5'].map(modelItems);
      await store.append(threadId(1), records.slice(0, 3));
      await store.append(threadId(1), records.slice(3));
      const tail = async (n: number | null) => {
        const loaded = await store.load(threadId(1), n);
        return { records: loaded?.records, truncated: loaded?.truncated };
      };
      equal(await tail(2), { records: records.slice(3), truncated: true }, 'tail 2');
      equal(await tail(5), { records, truncated: false }, 'tail 5');
      equal(await tail(9), { records, truncated: false }, 'tail 9');
      equal(await tail(0), { records: [], truncated: true }, 'tail 0');
      equal(await tail(null), { records, truncated: false }, 'no tail');
      equal((await store.load(threadId(2), 0))?.truncated, false, 'tail 0 of an empty history');
    },
  },
  {
    name: 'load of an unknown thread is null',
    async run(store) {
      equal(await store.load(threadId(1)), null, 'load');
      equal(await store.load(threadId(1), 3), null, 'load with a tail');
    },
  },
  {
    name: 'update replaces the thread record and keeps its history',
    async run(store) {
      await store.create(storedThread(threadId(1)));
      await store.append(threadId(1), [modelItems('a')]);
      const renamed = storedThread(threadId(1), { name: 'Renamed', preview: 'new preview', updatedAt: 200 }, true);
      const usage = { totalTokens: 3, inputTokens: 2, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 1, reasoningOutputTokens: 0 };
      renamed.tokenUsage = { total: usage, last: usage, modelContextWindow: 1000 };
      await store.update(renamed);
      equal(await store.load(threadId(1)), { stored: renamed, records: [modelItems('a')], truncated: false }, 'load');
      await rejects(store.update(storedThread(threadId(2))), 'update of an unknown thread');
      equal(await store.load(threadId(2)), null, 'update created nothing');
    },
  },
  {
    name: 'delete removes the thread and its history, and answers false for an unknown id',
    async run(store) {
      await store.create(storedThread(threadId(1)));
      await store.create(storedThread(threadId(2), { createdAt: 50 }));
      await store.append(threadId(1), [modelItems('a')]);
      equal(await store.delete(threadId(1)), true, 'delete');
      equal(await store.load(threadId(1)), null, 'load after delete');
      equal(await store.delete(threadId(1)), false, 'a second delete');
      equal(await store.delete(threadId(3)), false, 'delete of an id never stored');
      equal(await listed(store), [threadId(2)], 'list after delete');
      // The history went with it: the id starts over empty.
      await store.create(storedThread(threadId(1)));
      equal((await store.load(threadId(1)))?.records, [], 'history of the recreated thread');
    },
  },
  {
    name: 'delete takes the thread’s queued turns along, dispatching ones too',
    async run(store) {
      await store.create(storedThread(threadId(1)));
      await store.create(storedThread(threadId(2)));
      await store.appendQueuedTurn(queuedId(1), threadId(1));
      await store.appendQueuedTurn(queuedId(2), threadId(1));
      await store.appendQueuedTurn(queuedId(3), threadId(2));
      equal(await store.claimedId(threadId(1)), queuedId(1), 'claim');
      equal(await store.setDispatchTurnId(queuedId(1), turnId(1)), true, 'set the dispatch turn');
      equal(await store.delete(threadId(1)), true, 'delete');
      equal(await store.listQueuedTurns(threadId(1)), { rows: [], more: false }, 'queue of the deleted thread');
      equal(await store.claimQueueHead(threadId(1)), { type: 'empty' }, 'claim on the deleted thread');
      equal(await store.markQueuedTurnFailed(queuedId(1), failure('x')), false, 'the dispatching row is gone');
      equal(await store.visibleIds(threadId(2)), [queuedId(3)], 'another thread’s queue');
    },
  },
  {
    name: 'list never lists a thread with an empty preview',
    async run(store) {
      await createAll(store, { 1: { preview: '' }, 2: { preview: 'x', createdAt: 50 } });
      equal(await listed(store), [threadId(2)], 'list');
      equal(await listed(store, { searchTerm: '' }), [threadId(2)], 'list with an empty search term');
      await store.update(storedThread(threadId(1), { preview: 'first message' }));
      equal(await listed(store), [threadId(1), threadId(2)], 'list after the first message');
    },
  },
  {
    name: 'list shows archived threads only when asked, and the others only when not',
    async run(store) {
      await store.create(storedThread(threadId(1), {}, true));
      await store.create(storedThread(threadId(2)));
      equal(await listed(store), [threadId(2)], 'not archived');
      equal(await listed(store, { archived: true }), [threadId(1)], 'archived');
      await store.update(storedThread(threadId(2), {}, true));
      equal(await listed(store), [], 'not archived after archiving');
      equal(await listed(store, { archived: true }), [threadId(2), threadId(1)], 'archived after archiving');
    },
  },
  {
    name: 'list sorts by created, updated or recency time, either way, ties by thread id',
    async run(store) {
      await createAll(store, {
        1: { createdAt: 30, updatedAt: 30 },
        2: { createdAt: 10, updatedAt: 50 },
        3: { createdAt: 20, updatedAt: 40, recencyAt: 60 },
        4: { createdAt: 20, updatedAt: 20 },
      });
      const [t1, t2, t3, t4] = [1, 2, 3, 4].map(threadId);
      equal(await listed(store, { sortKey: 'created_at' }), [t1, t4, t3, t2], 'created, descending');
      equal(await listed(store, { sortKey: 'created_at', ascending: true }), [t2, t3, t4, t1], 'created, ascending');
      equal(await listed(store, { sortKey: 'updated_at' }), [t2, t3, t1, t4], 'updated, descending');
      equal(await listed(store, { sortKey: 'updated_at', ascending: true }), [t4, t1, t3, t2], 'updated, ascending');
      equal(await listed(store, { sortKey: 'recency_at' }), [t3, t2, t1, t4], 'recency, descending');
      // An update moves a thread in the updated order.
      await store.update(storedThread(t4, { createdAt: 20, updatedAt: 99 }));
      equal(await listed(store, { sortKey: 'updated_at' }), [t4, t2, t3, t1], 'updated, after an update');
    },
  },
  {
    name: 'list filters by cwd, model provider, source kind and search term',
    async run(store) {
      await createAll(store, {
        1: { createdAt: 1, cwd: '/a', preview: 'Fix the parser' },
        2: { createdAt: 2, cwd: '/b', modelProvider: 'ollama', source: 'cli', name: 'Parser work' },
        3: { createdAt: 3, cwd: '/a', modelProvider: 'ollama', source: { subAgent: 'review' }, preview: 'other' },
        4: { createdAt: 4, cwd: '/c', source: { subAgent: { thread_spawn: { depth: 1 } } } },
        5: { createdAt: 5, source: { subAgent: { something: 1 } } },
        6: { createdAt: 6, source: { custom: 'x' } },
      });
      const [t1, t2, t3, t4, t5, t6] = [1, 2, 3, 4, 5, 6].map(threadId);
      equal(await listed(store), [t6, t5, t4, t3, t2, t1], 'no filter');
      equal(await listed(store, { cwds: ['/a'] }), [t3, t1], 'one cwd');
      equal(await listed(store, { cwds: ['/a', '/c'] }), [t4, t3, t1], 'two cwds');
      equal(await listed(store, { modelProviders: ['ollama'] }), [t3, t2], 'model provider');
      equal(await listed(store, { sourceKinds: ['cli', 'subAgentReview'] }), [t3, t2], 'cli and review');
      equal(await listed(store, { sourceKinds: ['subAgentThreadSpawn'] }), [t4], 'thread spawn');
      equal(await listed(store, { sourceKinds: ['subAgentOther'] }), [t5], 'other sub-agent');
      equal(await listed(store, { sourceKinds: ['unknown'] }), [t6], 'unknown source');
      equal(await listed(store, { sourceKinds: ['vscode'] }), [t1], 'vscode');
      equal(await listed(store, { searchTerm: 'PARSER' }), [t2, t1], 'search in name and preview, any case');
      equal(await listed(store, { searchTerm: 'nowhere' }), [], 'search without a match');
      equal(await listed(store, { cwds: ['/a'], modelProviders: ['ollama'] }), [t3], 'filters combine');
    },
  },
  {
    name: 'list filters before it counts the page',
    async run(store) {
      const threads: Record<number, Partial<StoredThread['thread']>> = {};
      for (let n = 1; n <= 9; n++) threads[n] = { createdAt: n, cwd: n % 3 === 0 ? '/a' : '/b' };
      await createAll(store, threads);
      const first = await store.list({ cwds: ['/a'], limit: 2 });
      equal(ids(first), [threadId(9), threadId(6)], 'first page');
      const last = first[1].thread;
      const anchor = { sortValue: last.createdAt, threadId: last.id };
      equal(await listed(store, { cwds: ['/a'], limit: 2, anchor }), [threadId(3)], 'second page');
      equal(await listed(store, { limit: 0 }), [], 'an empty page');
    },
  },
  {
    name: 'list starts after an anchor with an id, and at an anchor’s second without one',
    async run(store) {
      await createAll(store, { 1: { createdAt: 5 }, 2: { createdAt: 5 }, 3: { createdAt: 6 } });
      const [a, b, c] = [1, 2, 3].map(threadId);
      const after = (sortValue: number, id: string | null, ascending: boolean) =>
        listed(store, { anchor: { sortValue, threadId: id }, ascending });
      equal(await after(5, a, true), [b, c], 'ascending after (5, a)');
      equal(await after(5, b, false), [a], 'descending after (5, b)');
      equal(await after(5, null, true), [a, b, c], 'ascending from second 5');
      equal(await after(5, null, false), [b, a], 'descending from second 5');
      equal(await after(6, c, true), [], 'ascending after the last');
    },
  },
  {
    name: 'list pages stay stable when threads are created between pages',
    async run(store) {
      await createAll(store, { 1: { createdAt: 10 }, 2: { createdAt: 11 }, 3: { createdAt: 12 }, 4: { createdAt: 13 }, 5: { createdAt: 14 } });
      const pages: string[][] = [];
      let page = await store.list({ limit: 2 });
      pages.push(ids(page));
      // Newer than the page's end (one in the same second): belongs to pages already read.
      await createAll(store, { 6: { createdAt: 20 }, 8: { createdAt: 13 } });
      // Older than the page's end: belongs to pages still to come.
      await createAll(store, { 7: { createdAt: 12 } });
      while (page.length > 0) {
        const last = page[page.length - 1].thread;
        page = await store.list({ limit: 2, anchor: { sortValue: last.createdAt, threadId: last.id } });
        pages.push(ids(page));
      }
      const [t1, t2, t3, t4, t5, t7] = [1, 2, 3, 4, 5, 7].map(threadId);
      equal(pages, [[t5, t4], [t7, t3], [t2, t1], []], 'pages');
      const seen = pages.flat();
      ok(new Set(seen).size === seen.length, `a thread was listed twice: ${seen}`);
    },
  },
];

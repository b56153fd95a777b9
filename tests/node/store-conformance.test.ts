// The store conformance kit against every store Node can open, each case on a fresh store; and the
// kit itself against stores broken on purpose, to show its cases catch what they name.
// Adding a store is one entry in `stores`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { QueuedTurnRow } from '../../ts/src/generated/QueuedTurnRow.ts';
import type { StoreCallAdapter } from '../../ts/src/runtime/binding.ts';
import {
  createMemoryStore,
  queueStoreOn,
  toStoreCall,
  type QueueChange,
  type QueueStoreAdapter,
  type StoreAdapter,
} from '../../ts/src/stores/index.ts';
import { storeConformance } from '../support/store-conformance/index.ts';

const stores: Record<string, () => StoreCallAdapter | Promise<StoreCallAdapter>> = {
  'JS-object memory store': () => toStoreCall(createMemoryStore()),
};

for (const [storeName, open] of Object.entries(stores)) {
  describe(`store conformance: ${storeName}`, () => {
    for (const entry of storeConformance) {
      test(entry.name, async () => entry.run(await open()));
    }
  });
}

/** Queue rows whose every write decides on what it read before yielding: two claims can both win. */
function racyQueue(): QueueStoreAdapter {
  const rows = new Map<string, QueuedTurnRow>();
  const of = (threadId: string) => [...rows.values()].filter((row) => row.threadId === threadId);
  const apply = <T>(change: QueueChange<T>): T => {
    for (const row of [...(change.add ?? []), ...(change.put ?? [])]) rows.set(row.queuedTurnId, row);
    for (const id of change.remove ?? []) rows.delete(id);
    return change.answer;
  };
  return queueStoreOn({
    read: (threadId, read) => read(of(threadId)),
    thread: async (threadId, decide) => {
      const read = of(threadId);
      await new Promise((resolve) => setTimeout(resolve, 1));
      return apply(decide(read));
    },
    row: (queuedTurnId, decide) => apply(decide(rows.get(queuedTurnId))),
  });
}

const mutants: Array<[broken: string, store: () => StoreAdapter, caseName: string]> = [
  [
    'a list that ignores the search term',
    () => {
      const memory = createMemoryStore();
      return { ...memory, list: (query) => memory.list({ ...query, searchTerm: null }) };
    },
    'list filters by cwd, model provider, source kind and search term',
  ],
  [
    'a claim that is not atomic',
    () => ({ ...createMemoryStore(), ...racyQueue() }),
    'exactly one of many concurrent claims wins',
  ],
  [
    // The queue lives apart from the threads, so deleting a thread leaves its rows behind.
    'a thread delete that leaves the queued turns',
    () => ({ ...createMemoryStore(), ...racyQueue() }),
    'delete takes the thread’s queued turns along, dispatching ones too',
  ],
];

describe('the conformance kit catches broken stores', () => {
  for (const [broken, store, caseName] of mutants) {
    test(`${broken} fails “${caseName}”`, async () => {
      const entry = storeConformance.find((candidate) => candidate.name === caseName);
      assert.ok(entry, `no case named ${caseName}`);
      await assert.rejects(entry.run(toStoreCall(store())));
    });
  }
});

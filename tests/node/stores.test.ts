// Storage in Node: the store conformance kit against every store Node can open (JS-object, native
// memory and SQLite through napi), each case on a fresh
// store (adding a store is one entry in `stores`); the kit against stores broken on purpose, to show
// its cases catch what they name; and the TS plumbing between a store and an engine.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { QueuedTurnRow } from '../../ts/src/generated/QueuedTurnRow.ts';
import { createEngineWith, type CreateBindingEngine } from '../../ts/src/engine.ts';
import type { BindingEngine, StoreCallAdapter } from '../../ts/src/runtime/binding.ts';
import { createNativeMemoryStore, openSqliteStore } from '../../ts/src/runtime/node.ts';
import {
  createMemoryStore,
  indexedDbAvailable,
  queueStoreOn,
  toStoreCall,
  type QueueChange,
  type QueueStoreAdapter,
  type StoreAdapter,
} from '../../ts/src/stores/index.ts';
import { storeConformance } from '../support/store-conformance/index.ts';
import { storedThread, threadId } from '../support/store-conformance/ops.ts';

// Each SQLite case gets a fresh directory, removed when the run ends.
const sqliteDirs = mkdtempSync(join(tmpdir(), 'spindle-kit-'));
after(() => rmSync(sqliteDirs, { recursive: true, force: true }));
let sqliteCount = 0;

const stores: Record<string, () => StoreCallAdapter | Promise<StoreCallAdapter>> = {
  'JS-object memory store': () => toStoreCall(createMemoryStore()),
  'native memory store (napi)': () => createNativeMemoryStore(),
  'SQLite store (napi)': () => openSqliteStore(join(sqliteDirs, String(++sqliteCount))),
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

describe('store plumbing', () => {
  test('toStoreCall dispatches operations with spread JSON arguments and JSON results', async () => {
    const calls: unknown[][] = [];
    const store = toStoreCall({
      append(threadId: string, records: unknown[]) {
        calls.push([threadId, records]);
      },
      delete: async (threadId: string) => threadId === 'known',
      load: () => {
        throw new Error('disk on fire');
      },
    });
    assert.equal(await store.call('append', JSON.stringify(['t', [{ type: 'modelItems', items: [] }]])), 'null');
    assert.deepEqual(calls, [['t', [{ type: 'modelItems', items: [] }]]]);
    assert.equal(await store.call('delete', '["known"]'), 'true');
    assert.equal(await store.call('delete', '["other"]'), 'false');
    await assert.rejects(store.call('load', '["t", null]'), /disk on fire/);
    await assert.rejects(store.call('list', '[{}]'), /unknown store operation: list/);
    await assert.rejects(store.call('toString', '[]'), /unknown store operation: toString/);
  });

  test('createEngine takes the runtime default without a store, memory for null, one store call for an adapter', async () => {
    const handed: Array<StoreCallAdapter | null> = [];
    const create: CreateBindingEngine = (_options, _transport, store) => {
      handed.push(store);
      return {} as BindingEngine;
    };
    const memory = createMemoryStore();
    const call: StoreCallAdapter = { call: async () => 'null' };
    createEngineWith(create, {}, () => memory);
    createEngineWith(create, { store: null }, () => memory);
    createEngineWith(create, {});
    createEngineWith(create, { store: call });
    createEngineWith(create, { store: memory });
    const [fromDefault, explicitNull, noDefault, asIs, wrapped] = handed;
    await memory.create(storedThread(threadId(1)));
    for (const adapter of [fromDefault, wrapped]) {
      assert.equal((await adapter?.call('delete', JSON.stringify([threadId(2)]))), 'false', 'the store call answers from the adapter');
    }
    assert.equal(await fromDefault?.call('delete', JSON.stringify([threadId(1)])), 'true');
    assert.equal(explicitNull, null);
    assert.equal(noDefault, null);
    assert.equal(asIs, call);
  });

  test('a runtime without IndexedDB (Node) reports it, so the browser entry falls back to memory there', () => {
    assert.equal(indexedDbAvailable(), false);
  });
});

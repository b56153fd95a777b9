// NativeStore through the napi addon: an engine on a SQLite store keeps threads for the next engine,
// `call` serves the store call protocol, and failures reach JS as rejections with the store's message.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { SpindleClient } from '../../ts/src/client/index.ts';
import { createEngine, createNativeMemoryStore, openSqliteStore, type NativeStore } from '../../ts/src/index.ts';
import { connectInProcess } from '../../ts/src/transports/in-process.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-native-store-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** An initialized client on a fresh engine (scripted model) over `store`. */
async function clientOn(store: NativeStore): Promise<SpindleClient> {
  const engine = createEngine({ options: { codexHome: '/virtual/codex-home' }, store: store });
  const client = new SpindleClient(connectInProcess(engine));
  await client.initialize({ name: 'native-store-test', title: null, version: '1' });
  return client;
}

async function call(store: NativeStore, op: string, ...args: unknown[]): Promise<unknown> {
  return JSON.parse(await store.call(op, JSON.stringify(args))) as unknown;
}

const threadId = '0194f1a2-0000-7000-8000-0000000000a1';

test('an engine on a SQLite store leaves its threads for an engine opened later on the same directory', async () => {
  const dir = tempDir();
  const first = await clientOn(await openSqliteStore(dir));
  const { thread } = await first.threadStart({});
  const turn = await first.runTurn(thread.id, 'Persist this turn.');
  assert.equal(turn.status, 'completed');
  first.close();

  const second = await clientOn(await openSqliteStore(dir));
  const listed = await second.request('thread/list', {});
  assert.deepEqual(listed.data.map((t) => [t.id, t.preview]), [[thread.id, 'Persist this turn.']]);
  const resumed = await second.request('thread/resume', { threadId: thread.id, excludeTurns: false });
  assert.deepEqual(resumed.thread.turns.map((t) => [t.id, t.status]), [[turn.id, 'completed']]);
  second.close();
});

test('call reads what the engine wrote, through the same native store', async () => {
  const store = createNativeMemoryStore();
  const client = await clientOn(store);
  const { thread } = await client.threadStart({});
  await client.runTurn(thread.id, 'Hello');
  client.close();
  const loaded = (await call(store, 'load', thread.id, 1)) as { stored: { thread: { id: string } }; records: unknown[]; truncated: boolean };
  assert.equal(loaded.stored.thread.id, thread.id);
  assert.equal(loaded.records.length, 1);
  assert.equal(loaded.truncated, true);
  assert.equal(await store.integrityCheck(), 'ok');
});

test('call serves the queue operations of a SQLite store with a single winner per claim', async () => {
  const store = await openSqliteStore(tempDir());
  const ids = ['0194f1a2-0000-7000-8000-0000000000b1', '0194f1a2-0000-7000-8000-0000000000b2'];
  for (const [i, id] of ids.entries()) {
    const row = (await call(store, 'appendQueuedTurn', id, threadId, { threadId, input: [] }, 10 + i)) as {
      queueOrder: number;
      state: string;
    };
    assert.deepEqual([row.queueOrder, row.state], [i + 1, 'pending']);
  }
  const claims = (await Promise.all(Array.from({ length: 6 }, () => call(store, 'claimQueueHead', threadId, 20)))) as Array<{
    type: string;
    row?: { queuedTurnId: string };
  }>;
  assert.deepEqual(claims.filter((claim) => claim.type === 'claimed').map((claim) => claim.row?.queuedTurnId), [ids[0]]);
  assert.equal(claims.filter((claim) => claim.type === 'busy').length, 5);
  // The claimed row is dispatching, so only the second is visible.
  const page = (await call(store, 'listQueuedTurns', threadId, 0, 10)) as { rows: Array<{ queuedTurnId: string }>; more: boolean };
  assert.deepEqual([page.rows.map((row) => row.queuedTurnId), page.more], [[ids[1]], false]);
  assert.equal(await call(store, 'deleteThreadQueue', threadId), null);
  assert.deepEqual(await call(store, 'claimQueueHead', threadId, 21), { type: 'empty' });
  assert.equal(await store.integrityCheck(), 'ok');
});

test('store failures reject with the store message: unknown op, bad arguments, ids that are not UUIDs', async () => {
  const store = await openSqliteStore(tempDir());
  await assert.rejects(store.call('truncate', '[]'), { message: 'unknown store operation: truncate' });
  await assert.rejects(store.call('load', '{"threadId": 1}'), /invalid store data: load arguments/);
  await assert.rejects(store.call('load', '["../../etc/passwd", null]'), /invalid thread id/);
  await assert.rejects(call(store, 'append', threadId, []), /does not exist/);
});

test('openSqlite rejects a directory it cannot create', async () => {
  const file = join(tempDir(), 'a-file');
  writeFileSync(file, '');
  await assert.rejects(openSqliteStore(join(file, 'store')), /cannot create the store/);
});

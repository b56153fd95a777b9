// The process tests/node/crash.test.ts kills: an engine on a SQLite store, kept busy until SIGKILL with
// turns (against the mock Responses server), renames and queue appends. Every write the engine or the
// store acknowledged is printed as one JSON line on stdout, after the acknowledgement arrived.
//
// Usage: node --import tsx crash-child.ts <storeDir> <mockBaseUrl> <runTag>
import { randomUUID } from 'node:crypto';

import { SpindleClient } from '../../ts/src/client/index.ts';
import { createEngine, openSqliteStore } from '../../ts/src/index.ts';
import { connectInProcess } from '../../ts/src/transports/in-process.ts';
import { createFetchTransport } from '../../ts/src/transports/fetch.ts';

/** What the child reports; the test checks each of these is in the store after the kill. */
export type Ack =
  | { kind: 'ready' }
  | { kind: 'thread'; threadId: string }
  | { kind: 'turn'; threadId: string; turnId: string }
  | { kind: 'name'; threadId: string; name: string; sequence: number }
  | { kind: 'queued'; threadId: string; queuedTurnId: string };

const [dir, baseUrl, runTag] = process.argv.slice(2);
if (!dir || !baseUrl || !runTag) throw new Error('usage: crash-child.ts <storeDir> <mockBaseUrl> <runTag>');

// Pipes are written synchronously on Linux: once `write` returns, the line survives a SIGKILL.
const ack = (line: Ack): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

const store = await openSqliteStore(dir);
const options = { model: 'mock-model', modelProvider: 'mock_provider', codexHome: dir };
const engine = createEngine({ options, transport: createFetchTransport({ baseUrl }), store: store });
const client = new SpindleClient(connectInProcess(engine));
await client.initialize({ name: 'crash-child', title: null, version: '1' });
ack({ kind: 'ready' });

/** Starts threads and runs turns on them, renaming each thread after every turn. */
async function conversations(worker: number): Promise<never> {
  for (let round = 1; ; round += 1) {
    const { thread } = await client.threadStart({});
    ack({ kind: 'thread', threadId: thread.id });
    for (let sequence = 1; sequence <= 3; sequence += 1) {
      const turn = await client.runTurn(thread.id, `${runTag} worker ${worker} round ${round} turn ${sequence}`);
      if (turn.status === 'completed') ack({ kind: 'turn', threadId: thread.id, turnId: turn.id });
      const name = `${runTag}/${worker}/${round}#${sequence}`;
      await client.request('thread/name/set', { threadId: thread.id, name });
      ack({ kind: 'name', threadId: thread.id, name, sequence });
    }
  }
}

/**
 * Appends queued turns straight to the store, for threads the engine never loads: a row queued for
 * a loaded thread is dispatched as soon as that thread is idle and leaves the queue, which is the
 * queue working, not a lost write. A few rows per thread, so listing them back means something.
 */
async function queueAppends(): Promise<never> {
  let threadId = randomUUID();
  for (let row = 1; ; row += 1) {
    if (row % 5 === 0) threadId = randomUUID();
    const queuedTurnId = randomUUID();
    const params = { threadId, input: [{ type: 'text', text: `${runTag} queued`, text_elements: [] }] };
    await store.call('appendQueuedTurn', JSON.stringify([queuedTurnId, threadId, params, Date.now()]));
    ack({ kind: 'queued', threadId, queuedTurnId });
  }
}

await Promise.all([conversations(1), conversations(2), queueAppends()]);

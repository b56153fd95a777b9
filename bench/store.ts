// The store section: resuming a long thread and listing many threads on the SQLite store, each
// through a fresh engine, as a restarted `spindle app-server` would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SpindleClient } from '../ts/src/client/index.ts';
import type { ThreadListResponse } from '../ts/src/generated/ThreadListResponse.ts';
import { createEngine, openSqliteStore, type NativeStore } from '../ts/src/index.ts';
import { connectInProcess } from '../ts/src/transports/in-process.ts';
import { measure, type Section } from './measure.ts';

const TURNS = 200;
const THREADS = 500;
const RUNS = 9;

/** An initialized client on a fresh engine (scripted model) over `store`. */
async function freshClient(store: NativeStore): Promise<SpindleClient> {
  const engine = createEngine({ options: { codexHome: '/virtual/codex-home' }, store });
  const client = new SpindleClient(connectInProcess(engine));
  await client.initialize({ name: 'spindle-bench', title: null, version: '1' });
  return client;
}

/** A thread with `TURNS` finished turns, written through an engine as a user would. */
async function longThread(store: NativeStore): Promise<string> {
  const client = await freshClient(store);
  const { thread } = await client.threadStart({});
  for (let turn = 1; turn <= TURNS; turn += 1) {
    const done = await client.runTurn(thread.id, `Turn ${turn}: summarise what we did so far.`);
    if (done.status !== 'completed') throw new Error(`turn ${turn} ended ${done.status}`);
  }
  client.close();
  return thread.id;
}

/** `THREADS` more listable threads, copies of `templateId`'s record with their own ids and times. */
async function manyThreads(store: NativeStore, templateId: string): Promise<void> {
  const loaded = JSON.parse(await store.call('load', JSON.stringify([templateId, 0]))) as {
    stored: { thread: Record<string, unknown> };
  };
  for (let i = 0; i < THREADS; i += 1) {
    const id = `0194f000-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
    const at = 1_700_000_000 + i;
    const thread = { ...loaded.stored.thread, id, sessionId: id, createdAt: at, updatedAt: at, recencyAt: at, preview: `Thread ${i}` };
    await store.call('create', JSON.stringify([{ ...loaded.stored, thread }]));
  }
}

export async function storeSection(): Promise<Section> {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-bench-store-'));
  try {
    const store = await openSqliteStore(dir);
    const threadId = await longThread(store);
    await manyThreads(store, threadId);

    const resume = await measure('resume-200-turns', `thread/resume of a ${TURNS}-turn thread in a fresh engine on a freshly opened store`, RUNS, async (timed) => {
      const client = await freshClient(await openSqliteStore(dir));
      const { thread } = await timed(() => client.request('thread/resume', { threadId, excludeTurns: false }));
      if (thread.turns.length !== TURNS) throw new Error(`resumed ${thread.turns.length} turns, not ${TURNS}`);
      client.close();
    });

    const load = await measure('resume-200-turns, store load only', `the store's load of that thread (all records), through NativeStore.call`, RUNS, async (timed) => {
      const reopened = await openSqliteStore(dir);
      await timed(() => reopened.call('load', JSON.stringify([threadId, null])));
    });

    const lister = await freshClient(store);
    const firstPage = await measure('list-500-threads, first page', 'thread/list, default page (25)', RUNS, async (timed) => {
      await timed(() => lister.request('thread/list', {}));
    });
    let pages = 0;
    const allPages = await measure('list-500-threads, every page', `thread/list pages of 25 until nextCursor is null`, RUNS, async (timed) => {
      let cursor: string | null = null;
      let listed = 0;
      pages = 0;
      do {
        const page: ThreadListResponse = await timed(() => lister.request('thread/list', { cursor }));
        listed += page.data.length;
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null);
      if (listed !== THREADS + 1) throw new Error(`listed ${listed} threads, not ${THREADS + 1}`);
    });
    allPages.detail += ` (${pages} pages)`;
    lister.close();
    return {
      title: 'store: SQLite (NativeStore.openSqlite), through the napi engine',
      setup: `${THREADS + 1} threads, one with ${TURNS} turns (scripted model); timings include the JSON-RPC round trip`,
      measurements: [resume, load, firstPage, allPages],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

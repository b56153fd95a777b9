// The IndexedDB store in real headless Chromium: the store conformance kit case by case (bundled for
// the page with esbuild), claims from two tabs at once, ids refused before they reach a key, and
// wasm engines over IndexedDB whose thread a fresh engine in a new page resumes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import {
  initializeParams,
  resultOf,
  runTurn,
  session,
  startChromium,
  type Chromium,
  type Message,
  type TurnShape,
} from '../support/chromium.ts';
import { storeConformance } from '../support/store-conformance/index.ts';
import { defaultQuery, queuedId, storedThread, threadId } from '../support/store-conformance/ops.ts';

let chromium: Chromium;
before(async () => {
  // The kit is TypeScript that imports only types from the package: one self-contained ES module.
  const kit = await build({
    entryPoints: [fileURLToPath(new URL('../support/store-conformance/index.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
  });
  chromium = await startChromium({ '/tests/browser/store-conformance.js': kit.outputFiles[0].text });
});
after(async () => {
  await chromium?.close();
});

describe('store conformance: IndexedDB in Chromium', () => {
  let page: Page;
  let pageErrors: string[];
  before(async () => {
    ({ page, pageErrors } = await chromium.openPage());
  });
  after(async () => {
    await page?.close();
  });
  storeConformance.forEach((entry, index) => {
    test(entry.name, { timeout: 30_000 }, async () => {
      const database = `conformance-${index}`;
      const failure = await page.evaluate(([name, db]) => window.harness.conformance(name, db), [entry.name, database]);
      assert.equal(failure, null);
      assert.deepEqual(pageErrors, []);
    });
  });
});

/** One store operation in `page`: its JSON answer, or the message it failed with. */
function storeCall(page: Page, database: string, op: string, ...args: unknown[]): Promise<{ answer?: unknown; error?: string }> {
  return page.evaluate(
    ([db, o, json]) =>
      window.harness.storeCall(db, o, json).then(
        (answer) => ({ answer: JSON.parse(answer) as unknown }),
        (error: Error) => ({ error: error.message }),
      ),
    [database, op, JSON.stringify(args)] as const,
  );
}

test('two tabs of one origin claiming one queue head at once: exactly one claim wins', { timeout: 60_000 }, async () => {
  const database = 'two-tabs';
  const [first, second] = [await chromium.openPage(), await chromium.openPage()];
  try {
    for (let round = 0; round < 5; round++) {
      const thread = threadId(200 + round);
      for (const n of [0, 1]) {
        const added = await storeCall(first.page, database, 'appendQueuedTurn', queuedId(200 + 2 * round + n), thread, {}, 1);
        assert.equal(added.error, undefined);
      }
      const claimFrom = (page: Page) =>
        page.evaluate(([db, t]) => window.harness.claimMany(db, t, 8), [database, thread] as const);
      const outcomes = (await Promise.all([claimFrom(first.page), claimFrom(second.page)])).flat().sort();
      assert.deepEqual(outcomes, [...Array<string>(15).fill('busy'), 'claimed'], `round ${round}`);
    }
    assert.deepEqual([...first.pageErrors, ...second.pageErrors], []);
  } finally {
    await first.page.close();
    await second.page.close();
  }
});

test('the IndexedDB store refuses ids that are not lowercase UUIDs before they reach a key', { timeout: 30_000 }, async () => {
  const database = 'ids';
  const { page, pageErrors } = await chromium.openPage();
  try {
    const refused: Array<[string, unknown[], string]> = [
      ['create', [storedThread('../../etc')], 'invalid thread id: ../../etc'],
      ['create', [storedThread(threadId(1).toUpperCase())], `invalid thread id: ${threadId(1).toUpperCase()}`],
      ['load', ['not-a-uuid', null], 'invalid thread id: not-a-uuid'],
      ['delete', [''], 'invalid thread id: '],
      ['appendQueuedTurn', ['q1', threadId(1), {}, 1], 'invalid queued turn id: q1'],
      ['appendQueuedTurn', [queuedId(1), 'thread-a', {}, 1], 'invalid thread id: thread-a'],
      ['setDispatchTurnId', [['array'], 'turn', 1], 'invalid queued turn id: array'],
      ['claimQueueHead', [42, 1], 'invalid thread id: 42'],
    ];
    for (const [op, args, message] of refused) {
      assert.deepEqual(await storeCall(page, database, op, ...args), { error: message }, `${op} ${JSON.stringify(args)}`);
    }
    // Nothing was written along the way.
    assert.deepEqual(await storeCall(page, database, 'list', defaultQuery), { answer: [] });
    assert.deepEqual(await storeCall(page, database, 'listQueuedTurns', threadId(1), 0, 10), { answer: { rows: [], more: false } });
    assert.deepEqual(pageErrors, []);
  } finally {
    await page.close();
  }
});

/** The items of every `item/completed` a session received, in order. */
function itemsCompleted(messages: Message[]): unknown[] {
  return messages.filter((m) => m.method === 'item/completed').map((m) => (m.params as { item: unknown }).item);
}

/**
 * Runs a turn in one page over `store`, closes that page, and resumes the thread in a new page over
 * the same store: the resumed thread holds the turn with every item the first engine completed.
 */
async function assertResumedInANewPage(store: 'default' | { indexedDb: string }): Promise<void> {
  const first = await chromium.openPage();
  let turn: TurnShape & { threadId: string };
  let items: unknown[];
  try {
    const conversation = session(first.page, await first.page.evaluate((s) => window.harness.open({ store: s }), store));
    turn = await runTurn(conversation, 'Remember me in IndexedDB.');
    items = itemsCompleted(await conversation.assertAllValid());
    assert.deepEqual(first.pageErrors, []);
  } finally {
    await first.page.close();
  }

  const second = await chromium.openPage();
  try {
    const conversation = session(second.page, await second.page.evaluate((s) => window.harness.open({ store: s }), store));
    resultOf(await conversation.request('initialize', initializeParams));
    const { thread } = resultOf<{ thread: { id: string; preview: string; turns: TurnShape[] } }>(
      await conversation.request('thread/resume', { threadId: turn.threadId }),
    );
    assert.equal(thread.preview, 'Remember me in IndexedDB.');
    assert.deepEqual(thread.turns.map(({ id, status }) => ({ id, status })), [{ id: turn.id, status: 'completed' }]);
    assert.deepEqual(thread.turns[0].items, items);
    const listed = resultOf<{ data: Array<{ id: string }> }>(await conversation.request('thread/list', {}));
    assert.ok(listed.data.some((listedThread) => listedThread.id === turn.threadId), JSON.stringify(listed.data));
    await conversation.assertAllValid();
    assert.deepEqual(second.pageErrors, []);
  } finally {
    await second.page.close();
  }
}

test('a wasm engine over an IndexedDB store runs a turn that an engine in a new page resumes', { timeout: 60_000 }, async () => {
  await assertResumedInANewPage({ indexedDb: 'engine-resume' });
});

test('without a store, the browser entry keeps threads in the origin’s IndexedDB', { timeout: 60_000 }, async () => {
  await assertResumedInANewPage('default');
  // They are in the database the entry names by default.
  const { page } = await chromium.openPage();
  try {
    const listed = await storeCall(page, 'spindle', 'list', defaultQuery);
    assert.equal((listed.answer as unknown[] | undefined)?.length, 1, JSON.stringify(listed));
  } finally {
    await page.close();
  }
});

// The wasm engine in real headless Chromium, through the package's browser entry: a turn over the page's
// fetch against the mock Responses server, golden transcripts replayed, failing JS thread stores, the
// scripted model, a closed connection, a host-driven unload.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startBrowser, type BrowserHarness } from '../support/chromium.ts';
import { plainTurnEvents, startMockResponses } from '../support/mock-responses.ts';
import {
  assertMessagesMatch,
  assertRequestsMatch,
  assertSchemaValid,
  replay,
  type OpenConnection,
} from '../support/replay.ts';
import { everyScenario, scenario } from '../support/scenarios.ts';
import { assertValidServerMessage } from '../support/schema.ts';
import { loadTranscript } from '../support/transcript.ts';

type Message = Record<string, unknown>;

interface Harness {
  ready(): Promise<void>;
  open(options?: {
    baseUrl?: string | null;
    apiKey?: string | null;
    store?: 'rejecting' | 'throwing' | null;
    /** Engine options over the page's defaults. */
    options?: Record<string, unknown>;
  }): number;
  request(session: number, id: number, method: string, params?: unknown): Promise<Message>;
  notification(session: number, method: string, key: string, value: unknown): Promise<Message>;
  send(session: number, text: string): { name?: string; message: string } | null;
  close(session: number): void;
  unsubscribedThreads(session: number): Promise<string[]>;
  unloadThread(session: number, threadId: string): Promise<boolean>;
  messages(session: number): Message[];
  listenerErrors(session: number): string[];
}
declare global {
  interface Window {
    harness: Harness;
  }
}

let browser: BrowserHarness;

before(async () => {
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
});

/** A fresh page with the wasm module loaded; errors the page throws are collected for `assertNoPageErrors`. */
async function openPage(): Promise<{ page: Page; pageErrors: string[] }> {
  const opened = await browser.openPage('/tests/browser/page.html');
  await opened.page.waitForFunction(() => window.harness !== undefined);
  await opened.page.evaluate(() => window.harness.ready());
  return opened;
}

/** Drives one connection in the page, remembering which method each request id asked for. */
function session(page: Page, index: number) {
  const methods = new Map<number, string>();
  let nextId = 1;
  return {
    async request(method: string, params: unknown = {}): Promise<Message> {
      const id = nextId++;
      methods.set(id, method);
      return page.evaluate(([s, i, m, p]) => window.harness.request(s, i, m, p), [index, id, method, params] as const);
    },
    notification(method: string, key: string, value: unknown): Promise<Message> {
      return page.evaluate(([s, m, k, v]) => window.harness.notification(s, m, k, v), [index, method, key, value] as const);
    },
    messages(): Promise<Message[]> {
      return page.evaluate((s) => window.harness.messages(s), index);
    },
    /** Every message the engine sent validates against the v2 schema (responses by their request's method). */
    async assertAllValid(): Promise<Message[]> {
      const messages = await this.messages();
      for (const message of messages) {
        assertValidServerMessage(message, 'method' in message ? undefined : methods.get(message.id as number));
      }
      assert.deepEqual(await page.evaluate((s) => window.harness.listenerErrors(s), index), []);
      return messages;
    },
  };
}

const initializeParams = { clientInfo: { name: 'chromium-test', title: null, version: '1.0.0' } };

function textInput(text: string): unknown[] {
  return [{ type: 'text', text, text_elements: [] }];
}

function resultOf<T>(message: Message): T {
  assert.ok('result' in message, `expected a result, got ${JSON.stringify(message)}`);
  return message.result as T;
}

interface TurnShape {
  id: string;
  status: string;
  items: Array<{ type: string; id: string; text?: string }>;
}

/** initialize → thread/start → turn/start; resolves with the turn/completed notification. */
async function runTurn(conversation: ReturnType<typeof session>, text: string): Promise<TurnShape> {
  resultOf(await conversation.request('initialize', initializeParams));
  const { thread } = resultOf<{ thread: { id: string } }>(await conversation.request('thread/start'));
  const { turn } = resultOf<{ turn: { id: string } }>(
    await conversation.request('turn/start', { threadId: thread.id, input: textInput(text) }),
  );
  const completed = await conversation.notification('turn/completed', 'threadId', thread.id);
  const completedTurn = (completed.params as { turn: TurnShape }).turn;
  assert.equal(completedTurn.id, turn.id);
  return completedTurn;
}

function agentMessageText(turn: TurnShape): string | undefined {
  const messages = turn.items.filter((item) => item.type === 'agentMessage');
  assert.equal(messages.length, 1, `expected one agent message: ${JSON.stringify(turn.items)}`);
  return messages[0].text;
}

test('a turn in Chromium streams the mock model through the page fetch', { timeout: 60_000 }, async () => {
  const reply = 'Hello! How can I help?';
  const userText = 'Say hello from the browser.';
  const mock = await startMockResponses([{ events: plainTurnEvents(reply) }]);
  const { page, pageErrors } = await openPage();
  try {
    const transport = { baseUrl: mock.baseUrl, apiKey: 'sk-browser-test' };
    const conversation = session(page, await page.evaluate((t) => window.harness.open(t), transport));
    const turn = await runTurn(conversation, userText);

    assert.equal(turn.status, 'completed');
    assert.equal(agentMessageText(turn), reply);
    const messages = await conversation.assertAllValid();
    assert.equal(messages.at(-1)?.method, 'turn/completed', 'turn/completed is the last message');
    const deltas = messages.filter((m) => m.method === 'item/agentMessage/delta');
    assert.equal(deltas.map((m) => (m.params as { delta: string }).delta).join(''), reply);

    const posts = mock.requests.filter((r) => r.method === 'POST' && r.path === '/v1/responses');
    assert.equal(posts.length, 1, `expected one POST /v1/responses, got ${JSON.stringify(mock.requests)}`);
    assert.equal(mock.requests.length, 1, 'nothing but the one model request reached the mock');
    // Sent by the page's fetch, not by Node: a cross-origin request carries the page's origin.
    assert.equal(posts[0].headers.origin, browser.origin);
    assert.equal(posts[0].headers.authorization, 'Bearer sk-browser-test');
    const body = posts[0].body as { stream?: unknown; input?: unknown };
    assert.equal(body.stream, true);
    const userMessages = (body.input as Array<{ role?: string; content?: Array<{ type: string; text?: string }> }>)
      .filter((item) => item.role === 'user');
    assert.ok(
      userMessages.some((item) => item.content?.some((part) => part.type === 'input_text' && part.text === userText)),
      `the user's text is not in input: ${JSON.stringify(body.input)}`,
    );
    assert.deepEqual(pageErrors, []);
  } finally {
    await page.close();
    await mock.close();
  }
});

// A representative subset of the transcripts tests/node/transcripts.test.ts replays through napi and the CLI.
for (const name of ['01_plain_turn', '04_interrupt']) {
  const replayed = scenario(name);
  const tolerated = { ...everyScenario, ...replayed.tolerated };
  test(`transcript ${name} replayed through the wasm engine matches the capture`, {
    timeout: 60_000,
    todo: replayed.todo,
  }, async () => {
    const transcript = loadTranscript(name);
    const mock = await startMockResponses(replayed.mock);
    const { page, pageErrors } = await openPage();
    // Each engine's messages reach Node as they arrive, so the replay waits exactly as over napi.
    const receivers = new Map<number, (text: string) => void>();
    await page.exposeFunction('deliverMessage', (index: number, text: string) => receivers.get(index)?.(text));
    const host = { cwd: '/virtual/cwd', codexHome: '/virtual/codex-home' };
    const open: OpenConnection = async (receive) => {
      const options = { model: 'mock-model', modelProvider: 'mock_provider', ...host };
      const index = await page.evaluate(([baseUrl, o]) => window.harness.open({ baseUrl, options: o }), [mock.baseUrl, options] as const);
      receivers.set(index, receive);
      return {
        send(text) {
          void page.evaluate(([i, t]) => window.harness.send(i, t), [index, text] as const).then((thrown) => {
            if (thrown) receive(JSON.stringify({ sendFailed: thrown }));
          });
        },
        close: () => page.evaluate((i) => window.harness.close(i), index),
      };
    };
    try {
      const result = await replay(transcript, open);
      assertSchemaValid(result);
      assertMessagesMatch(result, transcript, tolerated, host);
      // A page's fetch cannot set user-agent (Chromium drops it and sends its own), so that header is not checked.
      assertRequestsMatch(result, mock.requests, transcript, tolerated, host, { userAgentHeader: false });
      assert.deepEqual(pageErrors, []);
    } finally {
      await page.close();
      await mock.close();
    }
  });
}

for (const [store, adapterMessage] of [
  ['rejecting', 'quota exceeded during create'],
  ['throwing', 'store exploded synchronously during create'],
] as const) {
  test(`a thread store that fails by ${store} makes thread/start answer -32603 and the engine keeps answering`, {
    timeout: 30_000,
  }, async () => {
    const { page, pageErrors } = await openPage();
    try {
      const conversation = session(page, await page.evaluate((s) => window.harness.open({ store: s }), store));
      resultOf(await conversation.request('initialize', initializeParams));
      for (let attempt = 0; attempt < 2; attempt++) {
        const failed = await conversation.request('thread/start');
        const error = failed.error as { code: number; message: string };
        assert.equal(error?.code, -32603, JSON.stringify(failed));
        assert.equal(error.message, `failed to create thread: ${adapterMessage}`);
      }
      const loaded = resultOf<{ data: unknown[] }>(await conversation.request('thread/loaded/list'));
      assert.deepEqual(loaded.data, []);
      await conversation.assertAllValid();
      assert.deepEqual(pageErrors, []);
    } finally {
      await page.close();
    }
  });
}

test('a turn with the scripted model completes in Chromium with no network', { timeout: 30_000 }, async () => {
  const { page, pageErrors } = await openPage();
  // The scripted model sleeps this long before each read, through the binding's setTimeout clock.
  const chunkDelayMs = 25;
  try {
    const options = { scriptedChunkDelayMs: chunkDelayMs };
    const conversation = session(page, await page.evaluate((o) => window.harness.open({ options: o }), options));
    const started = Date.now();
    const turn = await runTurn(conversation, 'Say hello.');
    const elapsed = Date.now() - started;
    assert.equal(turn.status, 'completed');
    const text = agentMessageText(turn);
    assert.ok(text, 'the scripted agent message is empty');
    const messages = await conversation.assertAllValid();
    const deltas = messages.filter((m) => m.method === 'item/agentMessage/delta');
    assert.ok(deltas.length > 0, 'no item/agentMessage/delta arrived');
    assert.equal(deltas.map((m) => (m.params as { delta: string }).delta).join(''), text);
    // One read per delta plus at least created, item added, item done and completed, each after a sleep.
    const minimumMs = (deltas.length + 4) * chunkDelayMs;
    assert.ok(elapsed >= minimumMs, `the turn took ${elapsed} ms, less than the ${minimumMs} ms its sleeps need`);
    assert.deepEqual(pageErrors, []);
  } finally {
    await page.close();
  }
});

test('send on a closed wasm connection throws', { timeout: 30_000 }, async () => {
  const { page, pageErrors } = await openPage();
  try {
    const index = await page.evaluate(() => window.harness.open());
    const conversation = session(page, index);
    resultOf(await conversation.request('initialize', initializeParams));
    await page.evaluate((s) => window.harness.close(s), index);
    const thrown = await page.evaluate((s) => window.harness.send(s, '{"id":9,"method":"thread/loaded/list","params":{}}'), index);
    assert.equal(thrown?.message, 'connection is closed');
    assert.equal((await conversation.messages()).length, 1);
    assert.deepEqual(pageErrors, []);
  } finally {
    await page.close();
  }
});

test('a host unloads an unsubscribed thread through the wasm engine', { timeout: 30_000 }, async () => {
  const { page, pageErrors } = await openPage();
  try {
    const index = await page.evaluate(() => window.harness.open());
    const conversation = session(page, index);
    const turn = await runTurn(conversation, 'Say hello.');
    const messages = await conversation.messages();
    const threadId = (messages.find((m) => m.method === 'turn/completed')!.params as { threadId: string }).threadId;
    assert.ok(turn.id);
    assert.deepEqual(resultOf(await conversation.request('thread/unsubscribe', { threadId })), { status: 'unsubscribed' });
    assert.deepEqual(await page.evaluate((s) => window.harness.unsubscribedThreads(s), index), [threadId]);
    assert.equal(await page.evaluate(([s, t]) => window.harness.unloadThread(s, t), [index, threadId] as const), true);
    const closed = await conversation.notification('thread/closed', 'threadId', threadId);
    assert.deepEqual(closed.params, { threadId });
    await conversation.assertAllValid();
    assert.deepEqual(pageErrors, []);
  } finally {
    await page.close();
  }
});

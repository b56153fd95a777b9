// The wasm engine in real headless Chromium, through the package's browser entry: a turn over the page's
// fetch against the mock Responses server, golden transcripts replayed (host tool calls among them), an
// interrupt and a steer aborting the page's fetch, failing JS thread stores, the scripted model and its
// scripts, a closed connection, a host-driven unload.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { SpindleClient } from '../../ts/src/client/client.ts';
import { Listeners, type Transport } from '../../ts/src/client/transport.ts';
import { cancellationScript, interruptAndSteerMidStream } from '../support/cancellation.ts';
import { plainTurnEvents, startMockResponses } from '../support/mock-responses.ts';
import {
  initializeParams,
  resultOf,
  runTurn,
  session,
  startChromium,
  type Chromium,
  type Harness,
  type TurnShape,
} from '../support/chromium.ts';
import {
  assertMessagesMatch,
  assertRequestsMatch,
  assertSchemaValid,
  replay,
  type OpenConnection,
} from '../support/replay.ts';
import { everyScenario, observedAborts, scenario } from '../support/scenarios.ts';
import { loadTranscript } from '../support/transcript.ts';

let chromium: Chromium;
before(async () => {
  chromium = await startChromium();
});
after(async () => {
  await chromium?.close();
});

type OpenArgs = Parameters<Harness['open']>[0];

/** A connection to an engine in the page, as a Transport; `close` also waits for the page to have closed it. */
interface PageConnection extends Transport {
  close(): Promise<void>;
}

/**
 * A fresh page with the wasm module loaded; `connect` opens an engine in the page whose every message
 * reaches Node as it arrives, so a replay waits exactly as over napi.
 */
async function openPage(): Promise<{ page: Page; pageErrors: string[]; connect(args?: OpenArgs): Promise<PageConnection> }> {
  const { page, pageErrors } = await chromium.openPage();
  const receivers = new Map<number, Listeners<[string]>>();
  await page.exposeFunction('deliverMessage', (index: number, text: string) => receivers.get(index)?.emit(text));
  const connect = async (args?: OpenArgs): Promise<PageConnection> => {
    const index = await page.evaluate((a) => window.harness.open(a), args);
    const listeners = new Listeners<[string]>();
    receivers.set(index, listeners);
    return {
      send(text) {
        // send crosses into the page asynchronously; a throw there comes back as a message no client expects.
        void page.evaluate(([i, t]) => window.harness.send(i, t), [index, text] as const).then((thrown) => {
          if (thrown) listeners.emit(JSON.stringify({ sendFailed: thrown }));
        });
      },
      onMessage: (listener) => listeners.add(listener),
      close: () => page.evaluate((i) => window.harness.close(i), index),
    };
  };
  return { page, pageErrors, connect };
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
    assert.equal(posts[0].headers.origin, chromium.origin);
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
// A representative subset of the transcripts tests/node/transcripts.test.ts replays through napi and the CLI:
// a plain turn, an interrupted one, host tool calls (05, 05b) and a steered one.
for (const name of ['01_plain_turn', '04_interrupt', '05_dynamic_tool', '05b_dynamic_tool_edges', '10_steer_compact']) {
  const replayed = scenario(name);
  const tolerated = { ...everyScenario, ...replayed.tolerated };
  test(`transcript ${name} replayed through the wasm engine matches the capture`, {
    timeout: 60_000,
    todo: replayed.todo,
  }, async () => {
    const transcript = loadTranscript(name);
    const mock = await startMockResponses(replayed.mock);
    const { page, pageErrors, connect } = await openPage();
    const host = { cwd: '/virtual/cwd', codexHome: '/virtual/codex-home' };
    const open: OpenConnection = async (receive) => {
      const options = { model: 'mock-model', modelProvider: 'mock_provider', ...host };
      const connection = await connect({ baseUrl: mock.baseUrl, options });
      connection.onMessage(receive);
      return connection;
    };
    try {
      const result = await replay(transcript, open);
      assertSchemaValid(result);
      assertMessagesMatch(result, transcript, tolerated, host);
      // A page's fetch cannot set user-agent (Chromium drops it and sends its own), so that header is not checked.
      assertRequestsMatch(result, mock.requests, transcript, tolerated, host, { userAgentHeader: false });
      // The page's fetch was aborted through its AbortSignal for each stream an interrupt or steer cut short.
      assert.deepEqual(await observedAborts(replayed, mock), replayed.clientAborts ?? []);
      assert.deepEqual(pageErrors, []);
    } finally {
      await page.close();
      await mock.close();
    }
  });
}

test('turn/interrupt and turn/steer abort the page fetch of the stream they cut short', { timeout: 60_000 }, async () => {
  const mock = await startMockResponses(cancellationScript());
  const { page, pageErrors, connect } = await openPage();
  try {
    await interruptAndSteerMidStream(await connect({ baseUrl: mock.baseUrl }), mock);
    assert.deepEqual(pageErrors, []);
  } finally {
    await page.close();
    await mock.close();
  }
});

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

test('a model script drives a host tool call in Chromium, and a malformed one is refused', { timeout: 30_000 }, async () => {
  const { page, pageErrors, connect } = await openPage();
  try {
    const modelScript = {
      responses: [
        { output: [{ type: 'functionCall', name: 'lookup_ticket', arguments: { id: 'ABC-123' }, callId: 'call_1' }] },
        { output: [{ type: 'message', text: ['Ticket ABC-123 ', 'is open.'] }] },
      ],
    };
    const client = new SpindleClient(await connect({ options: { modelScript } }));
    const calls: unknown[] = [];
    client.onServerRequest((request) => {
      calls.push(request.params);
      return { contentItems: [{ type: 'inputText', text: 'open' }], success: true };
    });
    await client.initialize({ name: 'chromium-test', title: null, version: '1' }, { experimentalApi: true, optOutNotificationMethods: null });
    const tools = [{ type: 'function', name: 'lookup_ticket', description: 'Fetch a ticket', inputSchema: { type: 'object' } }];
    const { thread } = await client.threadStart({ dynamicTools: tools });
    const turn = await client.runTurn(thread.id, 'ABC-123?');
    const { items } = turn;
    assert.equal(turn.status, 'completed', JSON.stringify(turn.error));
    assert.deepEqual(calls, [
      { threadId: thread.id, turnId: turn.id, callId: 'call_1', namespace: null, tool: 'lookup_ticket', arguments: { id: 'ABC-123' } },
    ]);
    const answer = items.at(-1);
    assert.ok(answer?.type === 'agentMessage' && answer.text === 'Ticket ABC-123 is open.', JSON.stringify(items));
    client.close();

    const malformed = { responses: [{ output: [{ type: 'message', text: 'x' }], end: 'done' }] };
    await assert.rejects(
      connect({ options: { modelScript: malformed } }),
      /invalid engine options: modelScript\.responses\[0\]\.end: unknown variant `done`/,
    );
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

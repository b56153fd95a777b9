// The wasm engine in real headless Chromium, through the package's browser entry: a turn over the page's
// fetch against the mock Responses server, golden transcripts replayed (host tool calls among them), an
// interrupt and a steer aborting the page's fetch, failing JS thread stores, the scripted model and its
// scripts, a closed connection, a host-driven unload.
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { SpindleClient } from '../../ts/src/client/client.ts';
import { Listeners, type Transport } from '../../ts/src/client/transport.ts';
import { cancellationScript, interruptAndSteerMidStream } from '../support/cancellation.ts';
import { plainTurnEvents, startMockResponses } from '../support/mock-responses.ts';
import {
  assertMessagesMatch,
  assertRequestsMatch,
  assertSchemaValid,
  replay,
  type OpenConnection,
} from '../support/replay.ts';
import { everyScenario, observedAborts, scenario } from '../support/scenarios.ts';
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

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
// Only the build outputs the page loads, and the page itself, are served.
const servedDirs = ['ts/dist/', 'wasm/pkg-web/', 'tests/browser/'];
const mimeTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

let server: Server;
let origin: string;
let context: BrowserContext;
let userDataDir: string;

/** Serves a file below one of `servedDirs`; everything else is a 404. */
async function serveFile(req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The URL parser already resolves dot segments; `normalize` catches any that decoding revealed.
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', origin).pathname)).replace(/^[/\\]+/, '');
  const type = mimeTypes[extname(path)];
  if (!type || !servedDirs.some((dir) => path.startsWith(dir))) {
    res.writeHead(404).end();
    return;
  }
  const body = await readFile(join(repoRoot, path));
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

before(async () => {
  for (const built of ['ts/dist/browser.js', 'wasm/pkg-web/spindle_wasm_bg.wasm']) {
    await access(join(repoRoot, built)).catch(() => {
      throw new Error(`${built} is missing: run scripts/build-wasm.sh, then npx tsc -p ts/tsconfig.json`);
    });
  }
  server = createServer((req, res) => {
    serveFile(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  userDataDir = await mkdtemp(join(tmpdir(), 'spindle-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    timeout: 30_000,
    // CI runs as root with no display and no network beyond 127.0.0.1.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await context?.close();
  await new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

type OpenArgs = Parameters<Harness['open']>[0];

/** A connection to an engine in the page, as a Transport; `close` also waits for the page to have closed it. */
interface PageConnection extends Transport {
  close(): Promise<void>;
}

/**
 * A fresh page with the wasm module loaded; errors the page throws are collected for `assertNoPageErrors`.
 * `connect` opens an engine in the page whose every message reaches Node as it arrives.
 */
async function openPage(): Promise<{ page: Page; pageErrors: string[]; connect(args?: OpenArgs): Promise<PageConnection> }> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`${message.text()} (${message.location().url})`);
  });
  const receivers = new Map<number, Listeners<[string]>>();
  await page.exposeFunction('deliverMessage', (index: number, text: string) => receivers.get(index)?.emit(text));
  await page.goto(`${origin}/tests/browser/page.html`);
  await page.waitForFunction(() => window.harness !== undefined);
  await page.evaluate(() => window.harness.ready());
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
    assert.equal(posts[0].headers.origin, origin);
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
    const { turn, items } = await client.runTurn(thread.id, 'ABC-123?');
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

// The napi addon through createBindingEngine: the wire, failing JS adapters, turns, cancellation of the model
// request, connection lifetime, and the host's unload API.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  BindingConnection,
  BindingEngine,
  ModelTransportAdapter,
  StoreCallAdapter,
} from '../../ts/src/runtime/binding.ts';
import { createBindingEngine } from '../../ts/src/runtime/node.ts';
import { createMemoryStore, toStoreCall, type StoreAdapter } from '../../ts/src/stores/index.ts';
import { createFetchTransport } from '../../ts/src/transports/fetch.ts';
import { connectInProcess } from '../../ts/src/transports/in-process.ts';
import { cancellationScript, interruptAndSteerMidStream } from '../support/cancellation.ts';
import { startMockResponses } from '../support/mock-responses.ts';
import { assertValidServerMessage } from '../support/schema.ts';
import { createInbox, type Inbox, type Message } from '../support/wait.ts';

const clientName = 'napi-test';
const options = { codexHome: '/virtual/codex-home', platformFamily: 'unix', platformOs: 'linux' };

/** One engine with one connection, and the method of every request sent, to validate the answers. */
interface Session {
  engine: BindingEngine;
  inbox: Inbox;
  connection: BindingConnection;
  /** Sends a request and returns its id (sequential numbers unless `id` is given). */
  request(method: string, params?: unknown, id?: number | string): number | string;
  /** Sends `initialize` and waits for its answer. */
  initialize(): Promise<Message>;
  /** Checks every message received so far against the v2 schema. */
  assertAllValid(): void;
}

function openSession(transport: ModelTransportAdapter | null = null, store: StoreCallAdapter | null = null): Session {
  const engine = createBindingEngine(JSON.stringify(options), transport, store);
  const inbox = createInbox(5_000);
  const connection = engine.connect(inbox.push);
  const methods = new Map<number | string, string>();
  let nextId = 1;
  const request: Session['request'] = (method, params = {}, id = nextId++) => {
    methods.set(id, method);
    connection.send(JSON.stringify({ id, method, params }));
    return id;
  };
  return {
    engine,
    inbox,
    connection,
    request,
    initialize: () =>
      inbox.response(request('initialize', { clientInfo: { name: clientName, title: null, version: '1.2.3' } })),
    assertAllValid: () => {
      for (const message of inbox.messages) {
        const method = 'method' in message ? undefined : methods.get(message.id as number | string);
        assertValidServerMessage(message, method);
      }
    },
  };
}

function textInput(text: string): unknown[] {
  return [{ type: 'text', text, text_elements: [] }];
}

/** Starts a thread and a turn on an initialized session; returns the turn id. */
async function startTurn(session: Session, text: string): Promise<string> {
  const started = await session.inbox.response(session.request('thread/start'));
  assert.ok('result' in started, `thread/start failed: ${JSON.stringify(started)}`);
  const threadId = (started.result as { thread: { id: string } }).thread.id;
  const turn = await session.inbox.response(session.request('turn/start', { threadId, input: textInput(text) }));
  assert.ok('result' in turn, `turn/start failed: ${JSON.stringify(turn)}`);
  return (turn.result as { turn: { id: string } }).turn.id;
}

function turnCompleted(inbox: Inbox, turnId: string): Promise<Message> {
  return inbox.waitFor((m) => m.method === 'turn/completed' && paramsOf(m).turn?.id === turnId);
}

interface TurnShape {
  id: string;
  status: string;
  items: Array<{ type: string; id: string; text?: string }>;
}

function paramsOf(message: Message): { turn?: TurnShape; turnId?: string; itemId?: string; delta?: string } {
  return (message.params ?? {}) as ReturnType<typeof paramsOf>;
}

test('initialize answers with the client name, the codex version and the host options', async () => {
  const session = openSession();
  const response = await session.initialize();
  const result = response.result as Record<string, string>;
  assert.ok(result.userAgent.startsWith(`${clientName}/0.169.0`), result.userAgent);
  assert.equal(result.codexHome, options.codexHome);
  assert.equal(result.platformFamily, options.platformFamily);
  assert.equal(result.platformOs, options.platformOs);
  session.assertAllValid();
});

test('a request before initialize gets Not initialized', async () => {
  const session = openSession();
  const id = session.request('thread/start');
  const response = await session.inbox.response(id);
  assert.deepEqual(response, { error: { code: -32600, message: 'Not initialized' }, id });
});

test('invalid JSON gets no reply and the next request is still answered', async () => {
  const session = openSession();
  session.connection.send('{not json');
  const response = await session.initialize();
  assert.ok('result' in response);
  // Messages are handled in arrival order, so a reply to the bad line would have come first.
  assert.deepEqual(session.inbox.messages, [response]);
});

test('a string request id is echoed', async () => {
  const session = openSession();
  const id = session.request('initialize', { clientInfo: { name: clientName, title: null, version: '1' } }, 'init-α');
  const response = await session.inbox.response(id);
  assert.equal(response.id, 'init-α');
  assert.ok('result' in response);
  session.assertAllValid();
});

/** thread/start over a failing store must answer -32603 and leave the connection working. */
async function assertStoreFailureIsAnError(store: StoreCallAdapter, adapterMessage: string): Promise<void> {
  const session = openSession(null, store);
  await session.initialize();
  const failed = await session.inbox.response(session.request('thread/start'));
  const error = failed.error as { code: number; message: string };
  assert.equal(error.code, -32603);
  assert.ok(error.message.startsWith('failed to create thread:'), error.message);
  assert.ok(error.message.includes(adapterMessage), error.message);
  const next = await session.inbox.response(session.request('thread/loaded/list'));
  assert.ok('result' in next, JSON.stringify(next));
  session.assertAllValid();
}

test('a thread store whose call rejects makes thread/start fail with its message', async () => {
  class RejectingStore implements StoreCallAdapter {
    private readonly reason = 'disk is on fire';
    async call(): Promise<string> {
      throw new Error(this.reason);
    }
  }
  await assertStoreFailureIsAnError(new RejectingStore(), 'disk is on fire');
});

test('a thread store whose call throws synchronously makes thread/start fail with its message', async () => {
  const store = {
    call(): Promise<string> {
      throw new Error('store exploded synchronously');
    },
  };
  await assertStoreFailureIsAnError(store, 'store exploded synchronously');
});

test('a turn with the scripted model completes with one agent message built from its deltas', async () => {
  const session = openSession();
  await session.initialize();
  const turnId = await startTurn(session, 'Say hello.');
  const completed = await turnCompleted(session.inbox, turnId);
  const turn = paramsOf(completed).turn!;
  assert.equal(turn.status, 'completed');
  const agentMessages = turn.items.filter((item) => item.type === 'agentMessage');
  assert.equal(agentMessages.length, 1, JSON.stringify(turn.items));
  const [message] = agentMessages;
  assert.ok(message.text && message.text.length > 0, 'agent message text is empty');
  const deltas = session.inbox.messages
    .filter((m) => m.method === 'item/agentMessage/delta' && paramsOf(m).itemId === message.id)
    .map((m) => paramsOf(m).delta);
  assert.ok(deltas.length > 0, 'no item/agentMessage/delta arrived');
  assert.equal(deltas.join(''), message.text);
  session.assertAllValid();
});

test('a model transport whose post rejects fails the turn with an error notification', async () => {
  const transport: ModelTransportAdapter = {
    post: async () => {
      throw new Error('network unreachable');
    },
    read: async () => null,
    cancel: () => undefined,
  };
  const session = openSession(transport);
  await session.initialize();
  const turnId = await startTurn(session, 'Say hello.');
  const completed = await turnCompleted(session.inbox, turnId);
  assert.equal(paramsOf(completed).turn!.status, 'failed');
  const errors = session.inbox.messages.filter((m) => m.method === 'error' && paramsOf(m).turnId === turnId);
  assert.equal(errors.length, 1, 'expected one error notification for the turn');
  session.assertAllValid();
});

test('turn/interrupt and turn/steer abort the in-flight model request through the fetch transport', async () => {
  const mock = await startMockResponses(cancellationScript());
  try {
    const engine = createBindingEngine(JSON.stringify(options), createFetchTransport({ baseUrl: mock.baseUrl }), null);
    await interruptAndSteerMidStream(connectInProcess(engine), mock);
  } finally {
    await mock.close();
  }
});

test('send after close throws', async () => {
  const session = openSession();
  await session.initialize();
  session.connection.close();
  assert.throws(() => session.connection.send(JSON.stringify({ id: 99, method: 'thread/loaded/list', params: {} })), {
    message: /closed/,
  });
});

test('fork, unsubscribe and a host-driven unload cross the addon with schema-valid messages', async () => {
  const session = openSession();
  await session.initialize();
  const turnId = await startTurn(session, 'Say hello.');
  const completed = await turnCompleted(session.inbox, turnId);
  const threadId = (completed.params as { threadId: string }).threadId;

  const fork = await session.inbox.response(session.request('thread/fork', { threadId }));
  const forked = (fork.result as { thread: { id: string; forkedFromId: string; turns: Array<{ id: string }> } }).thread;
  assert.equal(forked.forkedFromId, threadId);
  assert.deepEqual(forked.turns.map((turn) => turn.id), [turnId]);
  await session.inbox.waitFor((m) => m.method === 'thread/started' && JSON.stringify(m.params).includes(forked.id));

  assert.deepEqual(await session.engine.unsubscribedThreads(), []);
  const unsubscribed = await session.inbox.response(session.request('thread/unsubscribe', { threadId: forked.id }));
  assert.deepEqual(unsubscribed.result, { status: 'unsubscribed' });
  assert.deepEqual(await session.engine.unsubscribedThreads(), [forked.id]);
  assert.equal(await session.engine.unloadThread(forked.id), true);
  assert.equal(await session.engine.unloadThread(forked.id), false);
  const closed = await session.inbox.notification('thread/closed');
  assert.deepEqual(closed.params, { threadId: forked.id });
  session.assertAllValid();
});

/** Runs one turn on a fresh thread; answers the thread id and the completed turn. */
async function completedTurn(session: Session, text: string): Promise<{ threadId: string; turn: TurnShape }> {
  const completed = await turnCompleted(session.inbox, await startTurn(session, text));
  return { threadId: (completed.params as { threadId: string }).threadId, turn: paramsOf(completed).turn! };
}

test('a JS-object store outlives its engine: a fresh engine resumes the thread with its turn', async () => {
  const store = toStoreCall(createMemoryStore());
  const first = openSession(null, store);
  await first.initialize();
  const { threadId, turn } = await completedTurn(first, 'Remember me.');
  first.connection.close();

  const second = openSession(null, store);
  await second.initialize();
  const resumed = await second.inbox.response(second.request('thread/resume', { threadId }));
  const thread = (resumed.result as { thread: { id: string; preview: string; turns: TurnShape[] } }).thread;
  assert.equal(thread.id, threadId);
  assert.equal(thread.preview, 'Remember me.');
  assert.deepEqual(thread.turns.map(({ id, status }) => ({ id, status })), [{ id: turn.id, status: 'completed' }]);
  // The resumed turn holds every item the first engine completed, as it completed them.
  const itemsCompleted = first.inbox.messages
    .filter((m) => m.method === 'item/completed')
    .map((m) => (m.params as { item: unknown }).item);
  assert.deepEqual(thread.turns[0].items, itemsCompleted);
  const listed = await second.inbox.response(second.request('thread/list', {}));
  assert.deepEqual((listed.result as { data: Array<{ id: string }> }).data.map((t) => t.id), [threadId]);
  second.assertAllValid();
});

/** A store call over `adapter` that notes each operation's name. */
function recorded(adapter: StoreAdapter, ops: string[]): StoreCallAdapter {
  const inner = toStoreCall(adapter);
  return { call: (op, argsJson) => (ops.push(op), inner.call(op, argsJson)) };
}

const queuedTurnId = '019a0001-0000-7000-8000-000000000001';

test('thread/delete empties the thread’s queue and deletes it through the one store adapter', async () => {
  const memory = createMemoryStore();
  const ops: string[] = [];
  const session = openSession(null, recorded(memory, ops));
  await session.initialize();
  const { threadId } = await completedTurn(session, 'Say hello.');
  await memory.appendQueuedTurn(queuedTurnId, threadId, { threadId, input: textInput('later') }, 1);

  const deleted = await session.inbox.response(session.request('thread/delete', { threadId }));
  assert.deepEqual(deleted.result, {});
  assert.deepEqual(ops.slice(-2), ['deleteThreadQueue', 'delete']);
  assert.deepEqual(await memory.listQueuedTurns(threadId, 0, 10), { rows: [], more: false });
  assert.equal(await memory.load(threadId, null), null);
  session.assertAllValid();
});

test('a failing queue operation makes thread/delete answer -32603 naming the operation', async () => {
  const memory = createMemoryStore();
  const failing: StoreAdapter = {
    ...memory,
    deleteThreadQueue: async () => {
      throw new Error('queue table is locked');
    },
  };
  const session = openSession(null, toStoreCall(failing));
  await session.initialize();
  const { threadId } = await completedTurn(session, 'Say hello.');
  const failed = await session.inbox.response(session.request('thread/delete', { threadId }));
  assert.deepEqual(failed.error, { code: -32603, message: 'failed to delete thread: queue table is locked' });
  assert.notEqual(await memory.load(threadId, null), null, 'the thread is still stored');
  session.assertAllValid();
});

// The experimental thread queue through the napi addon against the mock Responses server: the seed's
// canonical order for an add on an idle thread, a busy thread's queue edited before it drains, and a
// SQLite store left mid-dispatch by a dead host recovered on resume. Every message is validated against
// the seed queue schema (and the v2 schema for everything else).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { NativeStore } from '../../ts/src/runtime/binding.ts';
import { createBindingEngine, openSqliteStore } from '../../ts/src/runtime/node.ts';
import { createFetchTransport } from '../../ts/src/transports/fetch.ts';
import { createdEvent, plainTurnEvents, startMockResponses, type MockResponsesServer } from '../support/mock-responses.ts';
import { assertValidServerMessage } from '../support/schema.ts';
import { createInbox, type Inbox, type Message } from '../support/wait.ts';

const servers: MockResponsesServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

interface Session {
  inbox: Inbox;
  request(method: string, params?: unknown): number;
  /** Sends a request and resolves with its answer. */
  call(method: string, params?: unknown): Promise<Message>;
  assertAllValid(): void;
}

async function openSession(mock: MockResponsesServer, store: NativeStore | null = null): Promise<Session> {
  const options = { model: 'mock-model', modelProvider: 'mock_provider' };
  const engine = createBindingEngine(JSON.stringify(options), createFetchTransport({ baseUrl: mock.baseUrl }), store);
  const inbox = createInbox(5_000);
  const connection = engine.connect(inbox.push);
  const methods = new Map<number, string>();
  let nextId = 1;
  const request = (method: string, params: unknown = {}): number => {
    const id = nextId++;
    methods.set(id, method);
    connection.send(JSON.stringify({ id, method, params }));
    return id;
  };
  const session: Session = {
    inbox,
    request,
    call: (method, params) => inbox.response(request(method, params)),
    assertAllValid: () => {
      for (const message of inbox.messages) {
        assertValidServerMessage(message, 'method' in message ? undefined : methods.get(message.id as number));
      }
    },
  };
  const clientInfo = { name: 'queue-test', title: null, version: '1.0.0' };
  await session.call('initialize', { clientInfo, capabilities: { experimentalApi: true } });
  return session;
}

async function startThread(session: Session): Promise<string> {
  const started = await session.call('thread/start');
  await session.inbox.notification('thread/started');
  return (started.result as { thread: { id: string } }).thread.id;
}

function turnStartParams(threadId: string, text: string): unknown {
  return { threadId, input: [{ type: 'text', text, text_elements: [] }] };
}

/** The text of the last user message in a Responses request body. */
function lastUserText(body: unknown): string | undefined {
  const input = (body as { input?: Array<{ role?: string; content?: Array<{ text?: string }> }> }).input ?? [];
  return input.filter((item) => item.role === 'user').at(-1)?.content?.[0]?.text;
}

function methodOf(message: Message): string {
  return typeof message.method === 'string' ? message.method : 'response';
}

function queuedIds(message: Message): string[] {
  return (message.params as { queuedTurns: Array<{ id: string }> }).queuedTurns.map((queued) => queued.id);
}

test('thread/queue/add on an idle thread answers, announces and runs the turn in the seed order', async () => {
  const mock = await startMockResponses([{ events: plainTurnEvents('Queued answer.', 'msg_queued') }]);
  servers.push(mock);
  const session = await openSession(mock);
  const threadId = await startThread(session);

  const from = session.inbox.messages.length;
  const params = turnStartParams(threadId, 'from the queue');
  const id = session.request('thread/queue/add', { threadId, turnStartParams: params });
  await session.inbox.waitFor((m) => m.method === 'turn/completed', { from });
  const messages = session.inbox.messages.slice(from);
  assert.deepEqual(messages.map(methodOf), [
    'response',
    'thread/queue/changed',
    'thread/queue/changed',
    'thread/status/changed',
    'turn/started',
    'item/started',
    'item/completed',
    'item/started',
    'item/agentMessage/delta',
    'item/completed',
    'thread/tokenUsage/updated',
    'thread/status/changed',
    'turn/completed',
  ]);
  const queuedTurn = (messages[0].result as { queuedTurn: { id: string } }).queuedTurn;
  assert.equal(messages[0].id, id);
  assert.deepEqual(queuedTurn, { id: queuedTurn.id, turnStartParams: params, status: { type: 'pending' } });
  assert.deepEqual(messages[1].params, { threadId, queuedTurns: [queuedTurn] });
  assert.deepEqual(messages[2].params, { threadId, queuedTurns: [] });
  assert.deepEqual((messages[3].params as { status: unknown }).status, { type: 'active', activeFlags: [] });
  const turn = (messages[12].params as { turn: { status: string; items: Array<{ text?: string }> } }).turn;
  assert.equal(turn.status, 'completed');
  assert.equal(turn.items[0]?.text, 'Queued answer.');

  // The model saw the queued input as the turn's user message.
  assert.equal(mock.requests.length, 1);
  assert.ok(JSON.stringify(mock.requests[0].body).includes('from the queue'));
  const listed = await session.call('thread/queue/list', { threadId });
  assert.deepEqual(listed.result, { data: [], nextCursor: null });
  session.assertAllValid();
});

test('a busy thread queue is listed, edited, reordered and pruned, then drains in order', async () => {
  // Keyed by the request's last user message, not its index: the held request may be aborted before it
  // reaches the mock at all.
  const mock = await startMockResponses((index, body) =>
    lastUserText(body) === 'hold the thread'
      ? { events: [createdEvent('resp_hold')], keepOpen: true }
      : { events: plainTurnEvents(`Answer ${index}.`, `msg_${index}`) },
  );
  servers.push(mock);
  const session = await openSession(mock);
  const threadId = await startThread(session);
  const direct = await session.call('turn/start', turnStartParams(threadId, 'hold the thread'));
  const directTurn = (direct.result as { turn: { id: string } }).turn.id;
  await session.inbox.notification('turn/started');

  const add = async (text: string): Promise<string> => {
    const answer = await session.call('thread/queue/add', { threadId, turnStartParams: turnStartParams(threadId, text) });
    return (answer.result as { queuedTurn: { id: string } }).queuedTurn.id;
  };
  const [first, second, dropped] = [await add('first'), await add('second'), await add('dropped')];
  const page = await session.call('thread/queue/list', { threadId, limit: 2 });
  assert.deepEqual(page.result, {
    data: [first, second].map((id, n) => ({
      id,
      turnStartParams: turnStartParams(threadId, ['first', 'second'][n]),
      status: { type: 'pending' },
    })),
    nextCursor: '2',
  });
  const edited = turnStartParams(threadId, 'second, edited');
  const updated = await session.call('thread/queue/update', { threadId, queuedTurnId: second, turnStartParams: edited });
  assert.deepEqual(updated.result, { queuedTurn: { id: second, turnStartParams: edited, status: { type: 'pending' } } });
  const reordered = await session.call('thread/queue/reorder', { threadId, queuedTurnIds: [second, dropped, first] });
  assert.deepEqual(
    (reordered.result as { queuedTurns: Array<{ id: string }> }).queuedTurns.map((queued) => queued.id),
    [second, dropped, first],
  );
  assert.deepEqual((await session.call('thread/queue/delete', { threadId, queuedTurnId: dropped })).result, {
    deleted: true,
  });
  const busy = await session.call('thread/queue/start', { threadId });
  assert.deepEqual(busy.error, {
    code: -32600,
    message: `cannot start queued turn \`${second}\`: thread ${threadId} already has an active turn \`${directTurn}\``,
  });

  const from = session.inbox.messages.length;
  await session.call('turn/interrupt', { threadId, turnId: directTurn });
  // The interrupted direct turn, then both queued turns, one after the other.
  const completed = () => session.inbox.messages.slice(from).filter((m) => m.method === 'turn/completed').length;
  await session.inbox.waitFor(() => completed() >= 3, { from });
  const changes = session.inbox.messages.slice(from).filter((m) => m.method === 'thread/queue/changed');
  assert.deepEqual(changes.map(queuedIds), [[first], []]);
  const userTexts = session.inbox.messages
    .slice(from)
    .filter((m) => m.method === 'item/started')
    .map((m) => (m.params as { item: { type: string; content?: Array<{ text: string }> } }).item)
    .filter((item) => item.type === 'userMessage')
    .map((item) => item.content?.[0]?.text);
  assert.deepEqual(userTexts, ['second, edited', 'first']);
  session.assertAllValid();
});

test('a SQLite store left mid-dispatch by a dead host: resume shows the row failed and blocking, deleting it drains', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spindle-queue-recovery-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const mock = await startMockResponses([{ events: plainTurnEvents('After recovery.', 'msg_after') }]);
  servers.push(mock);

  // The dead host's last state, written as it would have been: a stored thread whose queue head was
  // claimed (dispatching) before its turn was saved, and a second row behind it.
  const before = await openSession(mock, await openSqliteStore(dir));
  const threadId = await startThread(before);
  const store = await openSqliteStore(dir);
  const call = (op: string, ...args: unknown[]) => store.call(op, JSON.stringify(args));
  const [claimedId, waitingId] = [randomUUID(), randomUUID()];
  await call('appendQueuedTurn', claimedId, threadId, turnStartParams(threadId, 'caught mid-dispatch'), Date.now());
  await call('appendQueuedTurn', waitingId, threadId, turnStartParams(threadId, 'waiting behind'), Date.now());
  const claim = JSON.parse(await call('claimQueueHead', threadId, Date.now())) as { type: string };
  assert.equal(claim.type, 'claimed');

  // The restarted host: a fresh engine on the same directory.
  const restarted = await openSession(mock, await openSqliteStore(dir));
  const resumed = await restarted.call('thread/resume', { threadId });
  assert.ok('result' in resumed, JSON.stringify(resumed));
  const changed = await restarted.inbox.notification('thread/queue/changed');
  const interrupted = {
    message: 'queued turn dispatch was interrupted while app-server restarted',
    codexErrorInfo: null,
    additionalDetails: null,
    misalignment: null,
  };
  const queued = (changed.params as { queuedTurns: Array<{ id: string; status: unknown }> }).queuedTurns;
  assert.deepEqual(
    queued.map((row) => [row.id, row.status]),
    [
      [claimedId, { type: 'failed', error: interrupted }],
      [waitingId, { type: 'pending' }],
    ],
  );
  // The failed head blocks FIFO: nothing started, and the list says the same.
  const listed = await restarted.call('thread/queue/list', { threadId });
  assert.deepEqual(
    (listed.result as { data: Array<{ id: string }> }).data.map((row) => row.id),
    [claimedId, waitingId],
  );
  assert.equal(mock.requests.length, 0, 'a blocked queue starts no turn');
  assert.ok(!restarted.inbox.messages.some((m) => m.method === 'turn/started'));

  const from = restarted.inbox.messages.length;
  const deleted = await restarted.call('thread/queue/delete', { threadId, queuedTurnId: claimedId });
  assert.deepEqual(deleted.result, { deleted: true });
  const completed = await restarted.inbox.waitFor((m) => m.method === 'turn/completed', { from });
  assert.equal((completed.params as { turn: { status: string } }).turn.status, 'completed');
  assert.equal(lastUserText(mock.requests[0]?.body), 'waiting behind');
  restarted.assertAllValid();
});

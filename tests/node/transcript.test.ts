// Golden transcript 01 (plain turn) replayed through the in-process napi engine and the fetch transport.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBindingEngine } from '../../ts/src/runtime/node.js';
import { createFetchTransport } from '../../ts/src/transports/fetch.js';
import type { BindingConnection } from '../../ts/src/runtime/binding.js';
import { plainTurnEvents, startMockResponses, type MockResponsesServer } from '../support/mock-responses.js';
import { assertValidServerMessage } from '../support/schema.js';
import { comparableTranscript, loadTranscript, noiseMethods, withoutNoise, type Json, type JsonObject } from '../support/transcript.js';
import { createInbox, type Message } from '../support/wait.js';

const golden = loadTranscript('01_plain_turn');
// The placeholder the capture gave the thread id; the client's turn/start names it.
const goldenThreadId = (golden.s2c.find((m) => m.id === 2) as { result: { thread: { id: string } } }).result.thread.id;

function replaceString(value: Json, from: string, to: string): Json {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((item) => replaceString(item, from, to));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceString(item, from, to)]));
  }
  return value;
}

interface Run {
  ours: Message[];
  methodsById: Map<unknown, string>;
  threadId: string;
  userAgent: string;
  requests: MockResponsesServer['requests'];
  cwd: string;
  codexHome: string;
}

describe('transcript 01: plain turn through the napi engine', () => {
  let run: Run;
  let mock: MockResponsesServer | undefined;
  let connection: BindingConnection | undefined;
  const cwd = mkdtempSync(join(tmpdir(), 'spindle-cwd-'));
  const codexHome = mkdtempSync(join(tmpdir(), 'spindle-home-'));

  before(async () => {
    mock = await startMockResponses([{ events: plainTurnEvents('Hello! How can I help?') }]);
    const engine = createBindingEngine(
      JSON.stringify({ model: 'mock-model', modelProvider: 'mock_provider', cwd, codexHome }),
      createFetchTransport({ baseUrl: mock.baseUrl }),
      null,
    );
    const inbox = createInbox();
    const open = engine.connect((text) => inbox.push(text));
    connection = open;
    const methodsById = new Map<unknown, string>();
    const send = (message: JsonObject) => {
      if ('id' in message && typeof message.method === 'string') methodsById.set(message.id, message.method);
      open.send(JSON.stringify(message));
    };

    const [initialize, initialized, threadStart, turnStart, ...rest] = golden.c2s;
    assert.deepEqual(rest, [], 'transcript 01 has four client messages');
    send(initialize!);
    const initializeResponse = await inbox.response(1);
    send(initialized!);
    send(threadStart!);
    const threadResponse = (await inbox.response(2)) as { result?: { thread?: { id?: string } } };
    const threadId = threadResponse.result?.thread?.id;
    assert.equal(typeof threadId, 'string', `thread/start answered ${JSON.stringify(threadResponse)}`);
    send(replaceString(turnStart!, goldenThreadId, threadId!) as JsonObject);
    await inbox.notification('turn/completed');
    // Anything sent after turn/completed must show up as a difference from the golden transcript.
    await new Promise((resolve) => setTimeout(resolve, 100));

    run = {
      ours: [...inbox.messages],
      methodsById,
      threadId: threadId!,
      userAgent: String((initializeResponse.result as { userAgent?: unknown } | undefined)?.userAgent),
      requests: mock.requests,
      cwd,
      codexHome,
    };
  });

  after(async () => {
    connection?.close();
    await mock?.close();
    rmSync(cwd, { recursive: true, force: true });
    rmSync(codexHome, { recursive: true, force: true });
  });

  it('sends only messages the v2 schema accepts', () => {
    for (const message of run.ours) assertValidServerMessage(message, run.methodsById.get(message.id));
  });

  it('emits none of the upstream-only noise notifications', () => {
    const noise = run.ours.filter((m) => !('id' in m) && noiseMethods.includes(String(m.method)));
    assert.deepEqual(noise, []);
  });

  it('matches the golden server messages after normalisation', () => {
    assert.deepStrictEqual(
      comparableTranscript(run.ours, { cwd: run.cwd, codexHome: run.codexHome }),
      comparableTranscript(withoutNoise(golden.s2c)),
    );
  });

  it('sends one model request whose body agrees with the capture on the fields Spindle sends', () => {
    assert.equal(run.requests.length, 1);
    const [ours] = run.requests;
    const [captured] = golden.requests as Array<{ method: string; path: string; body: Record<string, Json> }>;
    assert.equal(ours!.method, captured!.method);
    assert.equal(ours!.path, captured!.path);
    const body = ours!.body as Record<string, Json>;
    for (const field of ['model', 'stream', 'tool_choice', 'parallel_tool_calls', 'reasoning', 'store', 'include']) {
      assert.deepStrictEqual(body[field], captured!.body[field], field);
    }
    assert.equal(body.prompt_cache_key, run.threadId);
    assert.equal(captured!.body.prompt_cache_key, goldenThreadId);

    const ourInput = body.input as Array<Record<string, Json>>;
    const capturedInput = captured!.body.input as Array<Record<string, Json>>;
    assert.ok(Array.isArray(ourInput) && ourInput.length >= 2, `input: ${JSON.stringify(body.input)}`);
    const shape = (item: Record<string, Json> | undefined) => ({ type: item?.type, role: item?.role, content: item?.content });
    // Base instructions travel as the first input item, a developer message (PROTOCOL.md §8.2, §8.3).
    assert.deepStrictEqual(shape(ourInput[0]), shape(capturedInput[0]));
    assert.deepStrictEqual(shape(ourInput[0]), {
      type: 'message',
      role: 'developer',
      content: [{ type: 'input_text', text: 'You are a terse test assistant.' }],
    });
    assert.deepStrictEqual(shape(ourInput.at(-1)), shape(capturedInput.at(-1)));
    assert.equal(shape(ourInput.at(-1)).role, 'user');
    for (const item of [ourInput[0], ourInput.at(-1)]) assert.match(String(item?.id), /^msg_[0-9a-f-]{36}$/);
  });

  it('sends the request headers PROTOCOL.md §8.1 names', () => {
    const headers = run.requests[0]!.headers;
    assert.equal(headers.accept, 'text/event-stream');
    assert.match(headers['content-type'] ?? '', /^application\/json/);
    assert.equal(headers.originator, 'golden-capture');
    assert.equal(headers['user-agent'], run.userAgent);
    assert.equal(headers['session-id'], run.threadId);
    assert.equal(headers['thread-id'], run.threadId);
  });
});

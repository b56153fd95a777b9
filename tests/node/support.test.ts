// Tests of the test support itself: the mock Responses server, the transcript normaliser, the replay driver and
// its tolerated differences, the schema validator.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readdirSync } from 'node:fs';
import { plainTurnEvents, sseBytes, startMockResponses } from '../support/mock-responses.js';
import { comparableRequests, replay, type OpenConnection, type Replay } from '../support/replay.js';
import { assertValidServerMessage } from '../support/schema.js';
import { tolerateMessages } from '../support/tolerances.js';
import {
  comparableTranscript,
  loadTranscript,
  normalize,
  withoutNoise,
  type Json,
  type JsonObject,
  type Transcript,
  type TranscriptEntry,
} from '../support/transcript.js';

async function readChunks(response: Response): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

function parseSse(text: string): object[] {
  assert.ok(text.endsWith('\n\n'), 'the stream ends with a complete frame');
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((frame) => {
      const [eventLine, dataLine, ...rest] = frame.split('\n');
      assert.deepEqual(rest, []);
      assert.match(eventLine!, /^event: /);
      assert.match(dataLine!, /^data: /);
      const data = JSON.parse(dataLine!.slice('data: '.length)) as { type: string };
      assert.equal(eventLine!.slice('event: '.length), data.type, 'the event line names data.type');
      return data;
    });
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal });

describe('mock Responses server', () => {
  it('streams events as SSE frames that reassemble byte for byte, split inside UTF-8 characters', async () => {
    const events = [{ type: 'response.output_text.delta', delta: 'héllo 👋 — ok' }, ...plainTurnEvents('ünïcödé')];
    const mock = await startMockResponses([{ events, splitEvery: 3, chunkDelayMs: 2 }]);
    try {
      const response = await post(`${mock.baseUrl}/responses`, { model: 'm' });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/event-stream');
      const chunks = await readChunks(response);
      const bytes = Buffer.concat(chunks);
      assert.deepEqual(bytes, sseBytes(events));
      assert.deepEqual(parseSse(bytes.toString('utf8')), events);
      assert.ok(chunks.length > 1, `expected several chunks, got ${chunks.length}`);
      const strict = new TextDecoder('utf-8', { fatal: true });
      const undecodable = chunks.filter((chunk) => {
        try {
          strict.decode(chunk);
          return false;
        } catch {
          return true;
        }
      });
      assert.ok(undecodable.length > 0, 'some chunk ends or starts inside a multi-byte character');
    } finally {
      await mock.close();
    }
  });

  it('sends one write per event without splitEvery, and the golden plain-turn event sequence', async () => {
    const events = plainTurnEvents('Hello! How can I help?');
    assert.deepEqual(
      events.map((event) => (event as { type: string }).type),
      [
        'response.created',
        'response.output_item.added',
        'response.output_text.delta',
        'response.output_item.done',
        'response.completed',
      ],
    );
    assert.deepEqual(events[1], {
      type: 'response.output_item.added',
      output_index: 0,
      item: { type: 'message', id: 'msg_plain', role: 'assistant', status: 'in_progress', content: [] },
    });
    assert.deepEqual((events[3] as { item: unknown }).item, {
      type: 'message',
      id: 'msg_plain',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'Hello! How can I help?', annotations: [] }],
    });
    assert.deepEqual((events[4] as { response: { usage: unknown } }).response.usage, {
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 15,
    });
    const mock = await startMockResponses([{ events }]);
    try {
      const text = await (await post(`${mock.baseUrl}/responses`, {})).text();
      assert.deepEqual(parseSse(text), events);
    } finally {
      await mock.close();
    }
  });

  it('answers status, headers and body verbatim, then 500 with a JSON error once the script runs out', async () => {
    const mock = await startMockResponses([{ status: 429, headers: { 'retry-after': '7' }, body: '{"error":{"message":"slow down"}}' }]);
    try {
      const first = await post(`${mock.baseUrl}/responses`, {});
      assert.equal(first.status, 429);
      assert.equal(first.headers.get('retry-after'), '7');
      assert.deepEqual(await first.json(), { error: { message: 'slow down' } });
      const extra = await post(`${mock.baseUrl}/responses`, {});
      assert.equal(extra.status, 500);
      const body = (await extra.json()) as { error: { message: string } };
      assert.match(body.error.message, /no scripted response for request 1/);
    } finally {
      await mock.close();
    }
  });

  it('records method, path, headers and parsed body, and passes index and body to a script function', async () => {
    const seen: Array<[number, unknown]> = [];
    const mock = await startMockResponses((index, body) => {
      seen.push([index, body]);
      return { status: 200, body: JSON.stringify({ index }) };
    });
    try {
      assert.match(mock.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      await post(`${mock.baseUrl}/responses`, { model: 'a', input: [] }, { authorization: 'Bearer k' });
      const second = await post(`${mock.baseUrl}/responses`, { model: 'b' });
      assert.deepEqual(await second.json(), { index: 1 });
      assert.deepEqual(seen, [
        [0, { model: 'a', input: [] }],
        [1, { model: 'b' }],
      ]);
      assert.equal(mock.requests.length, 2);
      const [request] = mock.requests;
      assert.equal(request!.method, 'POST');
      assert.equal(request!.path, '/v1/responses');
      assert.equal(request!.headers.authorization, 'Bearer k');
      assert.equal(request!.headers['content-type'], 'application/json');
      assert.deepEqual(request!.body, { model: 'a', input: [] });
    } finally {
      await mock.close();
    }
  });

  it('answers a CORS preflight with 204 and open headers, without recording it', async () => {
    const mock = await startMockResponses([{ events: plainTurnEvents('x') }]);
    try {
      const preflight = await fetch(`${mock.baseUrl}/responses`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://127.0.0.1:9',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization, x-custom',
        },
      });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
      assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
      assert.equal(preflight.headers.get('access-control-allow-headers'), '*');
      const streamed = await post(`${mock.baseUrl}/responses`, {}, { origin: 'http://127.0.0.1:9' });
      assert.equal(streamed.headers.get('access-control-allow-origin'), '*');
      await streamed.text();
      assert.deepEqual(
        mock.requests.map((r) => r.method),
        ['POST'],
      );
    } finally {
      await mock.close();
    }
  });

  it('close() ends a stream that is still open', async () => {
    const mock = await startMockResponses([{ events: plainTurnEvents('x').slice(0, 2), keepOpen: true }]);
    const response = await post(`${mock.baseUrl}/responses`, {});
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.equal(first.done, false);
    await mock.close();
    const drained = (async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })().catch(() => 'ended');
    assert.equal(await drained, 'ended');
  });

  it('records a stream the client aborts, and neither one sent whole nor one close() ended', async () => {
    const mock = await startMockResponses([
      { events: plainTurnEvents('whole') },
      { events: plainTurnEvents('stalled').slice(0, 2), keepOpen: true },
      { events: plainTurnEvents('left open').slice(0, 2), keepOpen: true },
    ]);
    try {
      await (await post(`${mock.baseUrl}/responses`, {})).text();
      const controller = new AbortController();
      const stalled = await post(`${mock.baseUrl}/responses`, {}, {}, controller.signal);
      const reader = stalled.body!.getReader();
      assert.equal((await reader.read()).done, false);
      const leftOpen = await post(`${mock.baseUrl}/responses`, {});
      assert.equal((await leftOpen.body!.getReader().read()).done, false);
      assert.deepEqual(mock.abortedIndexes(), []);
      await assert.rejects(mock.abortOf(1, 50), /did not abort the answer to request 1 within 50 ms/);
      controller.abort();
      await mock.abortOf(1);
      assert.equal(mock.requests[1]!.abortedByClient, true);
      await assert.rejects(mock.abortOf(0, 50), /request 0/);
    } finally {
      await mock.close();
    }
    assert.deepEqual(mock.abortedIndexes(), [1], 'close() ending request 2 is not a client abort');
  });
});

describe('transcript normalisation', () => {
  const a = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
  const b = '0190a1b2-c3d4-7e5f-8a9b-ffffffffffff';

  it('numbers UUIDs by first appearance, inside strings too, and keeps N for the uppercase spelling', () => {
    const out = normalize([
      { id: 1, result: { thread: { id: a, sessionId: a } } },
      { method: 'x', params: { itemId: `msg_${b}`, threadId: a.toUpperCase(), other: b }, emittedAtMs: 1 },
    ]);
    assert.deepEqual(out, [
      { id: 1, result: { thread: { id: '<uuid:1>', sessionId: '<uuid:1>' } } },
      { method: 'x', params: { itemId: 'msg_<uuid:2>', threadId: '<UUID:1>', other: '<uuid:2>' }, emittedAtMs: '<ts_ms>' },
    ]);
  });

  it('replaces numeric timestamps, durations and the user agent, and leaves nulls and other numbers', () => {
    const [out] = normalize([
      {
        id: 2,
        result: {
          userAgent: 'x/0.169.0 (spindle)',
          turn: { startedAt: 1700000000, completedAt: null, durationMs: 12, items: [{ startedAtMs: 1, completedAtMs: null }] },
          tokenUsage: { totalTokens: 15 },
          nextCursor: '2026-11-20T10:00:00Z|abc',
        },
      },
    ]);
    assert.deepEqual(out, {
      id: 2,
      result: {
        userAgent: '<user_agent>',
        turn: { startedAt: '<ts>', completedAt: null, durationMs: '<duration_ms>', items: [{ startedAtMs: '<ts_ms>', completedAtMs: null }] },
        tokenUsage: { totalTokens: 15 },
        nextCursor: '<iso_ts>|abc',
      },
    });
  });

  it('drops upstream noise and leaves golden messages unchanged otherwise', () => {
    const golden = loadTranscript('01_plain_turn').s2c;
    const methods = (ms: object[]) => ms.map((m) => (m as { method?: string }).method);
    assert.ok(methods(golden).includes('warning'));
    const clean = withoutNoise(golden);
    for (const noise of ['configWarning', 'remoteControl/status/changed', 'warning', 'account/rateLimits/updated', 'thread/readState/changed']) {
      assert.ok(!methods(clean).includes(noise), noise);
    }
    assert.equal(clean.length, golden.length - 5);
    assert.deepEqual(normalize(golden), clean);
  });

  it('compares regardless of key order and of where UUID numbering started, and still sees real differences', () => {
    const ours = [{ id: 2, result: { thread: { historyMode: 'paginated', sessionId: a, id: a, path: null, cliVersion: '0.1.0', cwd: '/tmp/w', modelProvider: 'p' } } }];
    const golden = [{ id: 2, result: { thread: { id: '<uuid:7>', sessionId: '<uuid:7>', historyMode: 'paginated', path: '<codex_home>/sessions/rollout-<uuid:7>.jsonl', cliVersion: '0.169.0', cwd: '<cwd>', modelProvider: 'mock_provider' } } }];
    assert.deepEqual(comparableTranscript(ours, { cwd: '/tmp/w' }), comparableTranscript(golden));
    const changed = structuredClone(ours);
    changed[0]!.result.thread.historyMode = 'legacy';
    assert.notDeepEqual(comparableTranscript(changed, { cwd: '/tmp/w' }), comparableTranscript(golden));
    const otherId = structuredClone(ours);
    otherId[0]!.result.thread.sessionId = b;
    assert.notDeepEqual(comparableTranscript(otherId, { cwd: '/tmp/w' }), comparableTranscript(golden));
  });
});

/** A transcript from entries written inline. */
function inlineTranscript(entries: TranscriptEntry[], requests: JsonObject[] = []): Transcript {
  const messages = (dir: 'c2s' | 's2c') => entries.filter((e) => e.dir === dir && e.msg).map((e) => e.msg!);
  return { c2s: messages('c2s'), s2c: messages('s2c'), requests, entries };
}

/**
 * A server played by the test: `answer` gets each parsed client message (or raw text) and the server's own
 * `emit`; every server opened and every line it received is recorded.
 */
function fakeServer(answer: (message: JsonObject | string, emit: (message: object) => void, server: number) => void) {
  const received: Array<[server: number, message: JsonObject | string]> = [];
  let servers = 0;
  const open: OpenConnection = async (receive) => {
    const server = ++servers;
    const emit = (message: object) => setTimeout(() => receive(JSON.stringify(message)), 5);
    return {
      send(text) {
        let message: JsonObject | string = text;
        try {
          message = JSON.parse(text) as JsonObject;
        } catch {
          // a raw line
        }
        received.push([server, message]);
        answer(message, emit, server);
      },
      close: async () => {},
    };
  };
  return { open, received, servers: () => servers };
}

describe('transcript replay driver', () => {
  const ourThread = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

  it('rewrites placeholders into learned ids, keeps the uppercase spelling, and invents ids the capture made up', async () => {
    const transcript = inlineTranscript([
      { dir: 'c2s', msg: { id: 1, method: 'thread/start', params: {} } },
      { dir: 's2c', msg: { id: 1, result: { thread: { id: '<uuid:2>' }, nextCursor: '<iso_ts>|<uuid:2>' } } },
      { dir: 'c2s', raw: '{not json' },
      { dir: 'c2s', msg: { id: 2, method: 'thread/read', params: { threadId: '<UUID:2>', other: '<uuid:9>', again: 'x-<uuid:9>' } } },
      { dir: 's2c', msg: { id: 2, result: {} } },
      { dir: 'c2s', msg: { id: 3, method: 'thread/list', params: { cursor: '<iso_ts>|<uuid:2>' } } },
      { dir: 's2c', msg: { id: 3, result: {} } },
    ]);
    const server = fakeServer((message, emit) => {
      if (typeof message === 'string') return;
      const result = message.id === 1 ? { thread: { id: ourThread }, nextCursor: 'our-cursor' } : {};
      emit({ id: message.id, result });
    });
    const result = await replay(transcript, server.open, { settleMs: 0 });
    const sent = server.received.map(([, message]) => message);
    assert.equal(sent[1], '{not json');
    const read = (sent[2] as { params: Record<string, string> }).params;
    assert.equal(read.threadId, ourThread.toUpperCase());
    assert.match(read.other!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.notEqual(read.other, ourThread);
    assert.equal(read.again, `x-${read.other}`);
    assert.deepEqual((sent[3] as { params: unknown }).params, { cursor: 'our-cursor' });
    assert.deepEqual(result.missed, []);
    assert.deepEqual(
      result.ours.map((m) => m.requestMethod),
      ['thread/start', 'thread/read', 'thread/list'],
    );
  });

  it('sends the next client message only after the messages the capture saw before it, and restarts on a meta marker', async () => {
    const transcript = inlineTranscript([
      { dir: 'c2s', msg: { id: 1, method: 'turn/start', params: {} } },
      { dir: 's2c', msg: { id: 1, result: {} } },
      { dir: 's2c', msg: { method: 'warning', params: {} } },
      { dir: 's2c', msg: { method: 'item/agentMessage/delta', params: {} } },
      { dir: 'c2s', msg: { id: 2, method: 'turn/interrupt', params: {} } },
      { dir: 's2c', msg: { id: 2, result: {} } },
      { dir: 'meta', msg: { note: 'app-server restarted on the same CODEX_HOME' } },
      { dir: 'c2s', msg: { id: 1, method: 'thread/read', params: {} } },
      { dir: 's2c', msg: { id: 1, result: {} } },
    ]);
    const log: string[] = [];
    const server = fakeServer((message, emit, n) => {
      const { id, method } = message as JsonObject;
      log.push(`server ${n} got ${String(method)}`);
      emit({ id, result: {} });
      // The delta the interrupt waits for comes well after the response.
      if (method === 'turn/start') setTimeout(() => (log.push('delta'), emit({ method: 'item/agentMessage/delta', params: {} })), 50);
    });
    const result = await replay(transcript, server.open, { settleMs: 0 });
    assert.deepEqual(log, ['server 1 got turn/start', 'delta', 'server 1 got turn/interrupt', 'server 2 got thread/read']);
    assert.equal(server.servers(), 2);
    assert.deepEqual(result.missed, [], 'the noise notification (warning) is not waited for');
    assert.equal(result.ours.at(-1)?.requestMethod, 'thread/read');
  });

  it('goes on without a message that never comes, and says which', async () => {
    const transcript = inlineTranscript([
      { dir: 'c2s', msg: { id: 1, method: 'turn/start', params: {} } },
      { dir: 's2c', msg: { id: 1, result: {} } },
      { dir: 's2c', msg: { method: 'item/started', params: {} } },
      { dir: 'c2s', msg: { id: 2, method: 'thread/read', params: {} } },
      { dir: 's2c', msg: { id: 2, result: {} } },
    ]);
    const server = fakeServer((message, emit) => emit({ id: (message as JsonObject).id, result: {} }));
    const result: Replay = await replay(transcript, server.open, { quietMs: 50, settleMs: 0 });
    assert.deepEqual(result.missed, ['after turn/start (id 1): notification item/started']);
    assert.equal(server.received.length, 2);
  });

  it("answers a server request once it arrives, under our request's id, and says when one never came", async () => {
    const transcript = inlineTranscript([
      { dir: 'c2s', msg: { id: 1, method: 'turn/start', params: {} } },
      { dir: 's2c', msg: { id: 1, result: {} } },
      { dir: 's2c', msg: { id: 0, method: 'item/tool/call', params: {} } },
      { dir: 'c2s', msg: { id: 0, result: { success: true } } },
      { dir: 's2c', msg: { method: 'item/completed', params: {} } },
      { dir: 'c2s', msg: { id: 9, error: { code: -32000, message: 'never asked' } } },
    ]);
    const log: string[] = [];
    const server = fakeServer((message, emit) => {
      const { id, method } = message as JsonObject;
      if (method === undefined) {
        log.push(`answer to ${String(id)}`);
        if (id === 7) emit({ method: 'item/completed', params: {} });
        return;
      }
      emit({ id, result: {} });
      // Our request comes well after the quiet period and under another id than the capture's.
      setTimeout(() => (log.push('request 7'), emit({ id: 7, method: 'item/tool/call', params: {} })), 100);
    });
    const result = await replay(transcript, server.open, { quietMs: 20, settleMs: 0 });
    assert.deepEqual(log, ['request 7', 'answer to 7', 'answer to 9']);
    assert.deepEqual((server.received[1]![1] as JsonObject).result, { success: true });
    assert.deepEqual(result.missed, ['before client response 9: the server request it answers']);
  });
});

describe('tolerated differences', () => {
  const tokenUsage = (threadId: string, total: number) => ({
    message: { method: 'thread/tokenUsage/updated', params: { threadId, tokenUsage: { total } } } as JsonObject,
  });

  it('readStateNull rewrites only thread/read results', () => {
    const messages = [
      { message: { id: 1, result: { readState: null } } as JsonObject, requestMethod: 'thread/read' },
      { message: { id: 2, result: { readState: null } } as JsonObject, requestMethod: 'thread/list' },
    ];
    const out = tolerateMessages(messages, { readStateNull: 'why' }).map((m) => m.message);
    assert.deepEqual(out, [{ id: 1, result: { readState: '<readState>' } }, { id: 2, result: { readState: null } }]);
  });

  it('opaqueCursors hides cursor values but not whether there is one', () => {
    const out = tolerateMessages(
      [{ message: { id: 1, result: { nextCursor: 'abc', backwardsCursor: null, data: [] } }, requestMethod: 'thread/list' }],
      { opaqueCursors: 'why' },
    );
    assert.deepEqual(out[0]!.message, { id: 1, result: { nextCursor: '<cursor>', backwardsCursor: null, data: [] } });
  });

  it('tokenUsageResent drops only a repeat of the same thread\'s previous snapshot', () => {
    const out = tolerateMessages([tokenUsage('a', 1), tokenUsage('b', 1), tokenUsage('a', 1), tokenUsage('a', 2)], {
      tokenUsageResent: 'why',
    });
    assert.deepEqual(
      out.map((m) => (m.message.params as { threadId: string; tokenUsage: { total: number } })),
      [{ threadId: 'a', tokenUsage: { total: 1 } }, { threadId: 'b', tokenUsage: { total: 1 } }, { threadId: 'a', tokenUsage: { total: 2 } }],
    );
  });

  it('unknownMethodList cuts the method list only', () => {
    const error = (message: string) => ({ message: { id: 1, error: { code: -32600, message } } as JsonObject });
    const out = tolerateMessages([error('Invalid request: unknown variant `x`, expected one of `a`, `b`'), error('Invalid request: missing field `params`')], {
      unknownMethodList: 'why',
    });
    assert.deepEqual(
      out.map((m) => (m.message.error as { message: string }).message),
      ['Invalid request: unknown variant `x`, expected one of <methods>', 'Invalid request: missing field `params`'],
    );
  });

  it('refuses a name it does not know', () => {
    assert.throws(() => tolerateMessages([], { noSuchThing: 'why' } as never), /unknown tolerated difference: noSuchThing/);
  });

  it('requests compare learned ids by the capture\'s numbers and other ids by first appearance', () => {
    const thread = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    const [m1, m2] = ['0190a1b2-c3d4-7e5f-8a9b-000000000001', '0190a1b2-c3d4-7e5f-8a9b-000000000002'];
    const request = (threadId: string, ids: string[]) => ({
      method: 'POST',
      path: '/v1/responses',
      headers: { 'session-id': threadId, 'x-other': 'dropped' },
      body: { prompt_cache_key: threadId, input: ids.map((id) => ({ type: 'message', id: `msg_${id}` })), client_metadata: {} },
      abortedByClient: false,
    });
    const learned = { ours: [], notJson: [], missed: [], learned: { uuids: new Map([['2', thread]]), strings: new Map() } };
    const golden = inlineTranscript([], [request('<uuid:2>', ['<uuid:7>', '<uuid:9>']), request('<uuid:2>', ['<uuid:7>'])] as unknown as JsonObject[]);
    const host = { cwd: '/nowhere/cwd', codexHome: '/nowhere/home' };
    const same = comparableRequests(learned, [request(thread, [m1, m2]), request(thread, [m1])], golden, {}, host);
    assert.deepEqual(same.ours, same.golden);
    assert.deepEqual((same.ours as Array<{ headers: unknown }>)[0]!.headers, { 'session-id': '<uuid:2>' });
    const reordered = comparableRequests(learned, [request(thread, [m1, m2]), request(thread, [m2])], golden, {}, host);
    assert.notDeepEqual(reordered.ours, reordered.golden);
  });
});

// Golden messages carry placeholders where the wire had numbers.
function withNumbers(value: Json): Json {
  if (value === '<ts>') return 1_700_000_000;
  if (value === '<ts_ms>') return 1_700_000_000_000;
  if (value === '<duration_ms>') return 1234;
  if (Array.isArray(value)) return value.map(withNumbers);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withNumbers(item)]));
  }
  return value;
}

/** Validates every s2c message of a transcript, pairing responses with their request's method; returns failures. */
function validateTranscript(name: string): string[] {
  const methods = new Map<Json, string>();
  const failures: string[] = [];
  for (const entry of loadTranscript(name).entries) {
    if (entry.dir === 'c2s' && entry.msg && 'id' in entry.msg && typeof entry.msg.method === 'string') {
      methods.set(entry.msg.id as Json, entry.msg.method);
    }
    if (entry.dir !== 's2c' || !entry.msg) continue;
    try {
      assertValidServerMessage(withNumbers(entry.msg) as JsonObject, methods.get(entry.msg.id as Json));
    } catch (error) {
      failures.push(String(error).split('\n')[0]!);
    }
  }
  return failures;
}

describe('schema validation', () => {
  const golden = loadTranscript('01_plain_turn').s2c.map((m) => withNumbers(m) as JsonObject);
  const turnCompleted = golden.find((m) => m.method === 'turn/completed')!;

  it('accepts every server message of golden transcript 01', () => {
    assert.deepEqual(validateTranscript('01_plain_turn'), []);
  });

  it('accepts the other golden transcripts, and judges 0.169 queue shapes by the seed queue schema', () => {
    const names = readdirSync(new URL('../../../shared/protocol/transcripts/', import.meta.url))
      .filter((file) => /^\d\w*\.jsonl$/.test(file) && !file.includes('.requests.'))
      .map((file) => file.replace(/\.jsonl$/, ''));
    assert.ok(names.length >= 13);
    for (const name of names.filter((n) => !n.startsWith('11_'))) assert.deepEqual(validateTranscript(name), [], name);
    const queueFailures = validateTranscript('11_upstream_queue_0169');
    assert.ok(queueFailures.length > 0);
    for (const failure of queueFailures) assert.match(failure, /seed_thread_queue\.schema\.json/);
  });

  it('rejects a turn/completed without turn.status', () => {
    const broken = structuredClone(turnCompleted) as { params: { turn: Record<string, unknown> } };
    delete broken.params.turn.status;
    assert.throws(() => assertValidServerMessage(broken), /"missingProperty": "status"/);
  });

  it('rejects a notification without a numeric emittedAtMs, or with a jsonrpc member', () => {
    const { emittedAtMs: _, ...bare } = turnCompleted;
    assert.throws(() => assertValidServerMessage(bare), /emittedAtMs must be a number/);
    assert.throws(() => assertValidServerMessage({ ...turnCompleted, emittedAtMs: '1' }), /emittedAtMs must be a number/);
    assert.throws(() => assertValidServerMessage({ jsonrpc: '2.0', ...turnCompleted }), /unexpected top-level member\(s\) jsonrpc/);
  });

  it('rejects unknown notifications and results that do not fit their method', () => {
    assert.throws(() => assertValidServerMessage({ method: 'no/such', params: {}, emittedAtMs: 1 }), /unknown notification/);
    const threadStart = golden.find((m) => m.id === 2)!;
    assert.doesNotThrow(() => assertValidServerMessage(threadStart, 'thread/start'));
    assert.throws(() => assertValidServerMessage(threadStart, 'turn/start'), /TurnStartResponse/);
    assert.throws(() => assertValidServerMessage(threadStart), /method of its request/);
    assert.throws(() => assertValidServerMessage({ id: 1, result: { userAgent: 'x' } }, 'initialize'), /InitializeResponse/);
  });

  it('checks error responses and server requests', () => {
    assert.doesNotThrow(() => assertValidServerMessage({ id: 'a', error: { code: -32600, message: 'Not initialized' } }));
    assert.throws(() => assertValidServerMessage({ id: 1, error: { code: '-32600', message: 'x' } }), /error object/);
    assert.throws(() => assertValidServerMessage({ id: 1, error: { code: 1.5, message: 'x' } }), /error object/);
    const call = { id: 0, method: 'item/tool/call', params: { threadId: 't', turnId: 'u', callId: 'c', namespace: null, tool: 'lookup', arguments: { id: 1 } } };
    assert.doesNotThrow(() => assertValidServerMessage(call));
    const { callId: _, ...withoutCallId } = call.params;
    assert.throws(() => assertValidServerMessage({ ...call, params: withoutCallId }), /"missingProperty": "callId"/);
  });
});

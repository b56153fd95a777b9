// A mock OpenAI Responses API on 127.0.0.1: answers `POST /v1/responses` from a script, records every request.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer. With `events` the mock streams SSE; otherwise it answers `status`/`body` verbatim. */
export interface MockResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Responses API stream events, each sent as `event: <type>\ndata: <json>\n\n`. */
  events?: object[];
  /** Pause between two writes of the stream. */
  chunkDelayMs?: number;
  /** Cut the whole stream into writes of this many bytes (may split a UTF-8 character or an event). */
  splitEvery?: number;
  /** Leave the stream open after the last event until the client aborts or the mock closes. */
  keepOpen?: boolean;
}

/** A request as the mock received it; `body` is parsed JSON (the raw text when it does not parse). */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** Set once the client closed the connection while the mock was still streaming this answer (an aborted fetch). */
  abortedByClient: boolean;
}

export type MockScript = MockResponse[] | ((index: number, body: unknown) => MockResponse);

export interface MockResponsesServer {
  /** `http://127.0.0.1:<port>/v1`; the endpoint is `${baseUrl}/responses`. */
  baseUrl: string;
  /** Every request except CORS preflights, in arrival order. */
  requests: RecordedRequest[];
  /**
   * Resolves once the client has aborted the streamed answer to `requests[index]`; rejects after `timeoutMs`
   * if it has not (the answer was sent whole, or is still streaming).
   */
  abortOf(index: number, timeoutMs?: number): Promise<void>;
  /** The indexes into `requests` of the answers the client aborted mid-stream so far, ascending. */
  abortedIndexes(): number[];
  /** Ends open streams and stops the server. */
  close(): Promise<void>;
}

// Fully open, so a page served from another 127.0.0.1 port can fetch the mock.
const corsHeaders: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  'access-control-allow-headers': '*',
  'access-control-expose-headers': '*',
  'access-control-max-age': '600',
};

/** Encodes events exactly as the mock writes them. */
export function sseBytes(events: object[]): Buffer {
  return Buffer.from(events.map(sseFrame).join(''), 'utf8');
}

function sseFrame(event: object): string {
  const type = (event as { type?: unknown }).type;
  return `event: ${String(type)}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Starts the mock on a free loopback port. */
export async function startMockResponses(script: MockScript): Promise<MockResponsesServer> {
  const requests: RecordedRequest[] = [];
  const openResponses = new Set<ServerResponse>();
  const abortListeners = new Set<() => void>();
  let modelCalls = 0;
  let closed = false;

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, jsonError(`mock failed: ${String(error)}`));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, corsHeaders).end();
      return;
    }
    const text = await readBody(req);
    const body = parseBody(text);
    const path = req.url ?? '/';
    const record: RecordedRequest = { method: req.method ?? '', path, headers: flattenHeaders(req), body, abortedByClient: false };
    requests.push(record);

    if (req.method !== 'POST' || path.split('?')[0] !== '/v1/responses') {
      reply(res, 404, jsonError(`mock: no route for ${req.method} ${path}`));
      return;
    }
    const index = modelCalls++;
    const answer = pick(script, index, body);
    if (answer === undefined) {
      reply(res, 500, jsonError(`mock: no scripted response for request ${index}`));
    } else if (answer.events !== undefined) {
      await stream(res, answer, record);
    } else {
      reply(res, answer.status ?? 200, answer.body ?? '', answer.headers);
    }
  }

  async function stream(res: ServerResponse, answer: MockResponse, record: RecordedRequest): Promise<void> {
    openResponses.add(res);
    res.on('close', () => {
      openResponses.delete(res);
      // Closed before the mock ended the answer and not by close(): the client went away mid-stream.
      if (!res.writableEnded && !closed) {
        record.abortedByClient = true;
        for (const listener of [...abortListeners]) listener();
      }
    });
    res.writeHead(answer.status ?? 200, {
      ...corsHeaders,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      ...answer.headers,
    });
    res.flushHeaders();
    const events = answer.events ?? [];
    const chunks = answer.splitEvery !== undefined
      ? splitBytes(sseBytes(events), answer.splitEvery)
      : events.map((event) => Buffer.from(sseFrame(event), 'utf8'));
    for (const [i, chunk] of chunks.entries()) {
      if (i > 0 && answer.chunkDelayMs) await sleep(answer.chunkDelayMs);
      if (closed || res.destroyed || res.writableEnded) return;
      res.write(chunk);
    }
    if (!answer.keepOpen && !res.writableEnded) res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    abortOf(index, timeoutMs = 5_000) {
      return new Promise<void>((resolve, reject) => {
        const check = (): boolean => {
          if (!requests[index]?.abortedByClient) return false;
          abortListeners.delete(check);
          clearTimeout(timer);
          resolve();
          return true;
        };
        const timer = setTimeout(() => {
          abortListeners.delete(check);
          reject(new Error(`the client did not abort the answer to request ${index} within ${timeoutMs} ms`));
        }, timeoutMs);
        abortListeners.add(check);
        check();
      });
    },
    abortedIndexes: () => requests.flatMap((request, index) => (request.abortedByClient ? [index] : [])),
    async close() {
      if (closed) return;
      closed = true;
      for (const res of openResponses) res.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function pick(script: MockScript, index: number, body: unknown): MockResponse | undefined {
  return typeof script === 'function' ? script(index, body) : script[index];
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...corsHeaders, 'content-type': 'application/json', ...headers }).end(body);
}

function jsonError(message: string): string {
  return JSON.stringify({ error: { message, type: 'server_error', code: null } });
}

function splitBytes(bytes: Buffer, size: number): Buffer[] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`splitEvery must be a positive integer, got ${size}`);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Token counts of `response.completed`, in Responses API names. */
export interface MockUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cached_tokens?: number;
  reasoning_tokens?: number;
}

const defaultUsage: MockUsage = { input_tokens: 10, output_tokens: 5, total_tokens: 15 };

/** The stream the golden transcripts' mock sent for one assistant message (transcript 01 with the defaults). */
export function plainTurnEvents(text: string, itemId = 'msg_plain', usage: MockUsage = defaultUsage): object[] {
  return messageTurnEvents([text], itemId, usage);
}

/** Like `plainTurnEvents`, with the message text sent as several `response.output_text.delta` events. */
export function messageTurnEvents(deltas: string[], itemId = 'msg_plain', usage: MockUsage = defaultUsage): object[] {
  const responseId = `resp_${itemId.replace(/^msg_/, '')}`;
  return [createdEvent(responseId), ...messageItemEvents(deltas, itemId), completedEvent(responseId, usage)];
}

/** `response.created`. */
export function createdEvent(responseId: string): object {
  return { type: 'response.created', response: { id: responseId } };
}

/** One assistant message output item: added, one `response.output_text.delta` per entry of `deltas`, done. */
export function messageItemEvents(deltas: string[], itemId: string, outputIndex = 0): object[] {
  return [
    messageAddedEvent(itemId, outputIndex),
    ...deltas.map((delta) => ({
      type: 'response.output_text.delta',
      item_id: itemId,
      output_index: outputIndex,
      content_index: 0,
      delta,
    })),
    {
      type: 'response.output_item.done',
      output_index: outputIndex,
      item: {
        type: 'message',
        id: itemId,
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: deltas.join(''), annotations: [] }],
      },
    },
  ];
}

/** `response.output_item.added` of an assistant message, before any text. */
export function messageAddedEvent(itemId: string, outputIndex = 0): object {
  return {
    type: 'response.output_item.added',
    output_index: outputIndex,
    item: { type: 'message', id: itemId, role: 'assistant', status: 'in_progress', content: [] },
  };
}

/**
 * One reasoning output item whose summary is `summaryParts`, each part announced and sent as one
 * `response.reasoning_summary_text.delta`, then done with `encrypted_content`.
 */
export function reasoningItemEvents(summaryParts: string[], itemId: string, outputIndex = 0): object[] {
  return [
    {
      type: 'response.output_item.added',
      output_index: outputIndex,
      item: { type: 'reasoning', id: itemId, summary: [] },
    },
    ...summaryParts.flatMap((text, summaryIndex) => [
      {
        type: 'response.reasoning_summary_part.added',
        item_id: itemId,
        output_index: outputIndex,
        summary_index: summaryIndex,
        part: { type: 'summary_text', text: '' },
      },
      {
        type: 'response.reasoning_summary_text.delta',
        item_id: itemId,
        output_index: outputIndex,
        summary_index: summaryIndex,
        delta: text,
      },
      {
        type: 'response.reasoning_summary_text.done',
        item_id: itemId,
        output_index: outputIndex,
        summary_index: summaryIndex,
        text,
      },
    ]),
    {
      type: 'response.output_item.done',
      output_index: outputIndex,
      item: {
        type: 'reasoning',
        id: itemId,
        summary: summaryParts.map((text) => ({ type: 'summary_text', text })),
        encrypted_content: `encrypted:${itemId}`,
      },
    },
  ];
}

/** `response.completed` carrying `usage`. */
export function completedEvent(responseId: string, usage: MockUsage = defaultUsage): object {
  return {
    type: 'response.completed',
    response: {
      id: responseId,
      usage: {
        input_tokens: usage.input_tokens,
        input_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
        output_tokens: usage.output_tokens,
        output_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0 },
        total_tokens: usage.total_tokens,
      },
    },
  };
}

/** A model's call of a host tool, as a `function_call` output item names it. */
export interface MockFunctionCall {
  /** The Responses item id (`fc_…`). */
  itemId: string;
  /** The model's `call_id`. */
  callId: string;
  name: string;
  /** Present for a tool inside a namespace. */
  namespace?: string;
  /** The arguments as a JSON text, exactly as the model wrote them. */
  arguments: string;
}

/** One `function_call` output item: added with empty arguments, the arguments as one delta, done. */
export function functionCallItemEvents(call: MockFunctionCall, outputIndex = 0): object[] {
  const item = (status: string, args: string) => ({
    type: 'function_call',
    id: call.itemId,
    call_id: call.callId,
    name: call.name,
    ...(call.namespace === undefined ? {} : { namespace: call.namespace }),
    arguments: args,
    status,
  });
  return [
    { type: 'response.output_item.added', output_index: outputIndex, item: item('in_progress', '') },
    { type: 'response.function_call_arguments.delta', item_id: call.itemId, output_index: outputIndex, delta: call.arguments },
    { type: 'response.function_call_arguments.done', item_id: call.itemId, output_index: outputIndex, arguments: call.arguments },
    { type: 'response.output_item.done', output_index: outputIndex, item: item('completed', call.arguments) },
  ];
}

/** `response.failed` whose error says `message`. */
export function failedEvent(responseId: string, message: string, code = 'server_error'): object {
  return { type: 'response.failed', response: { id: responseId, status: 'failed', error: { code, message } } };
}

/** A non-streamed HTTP error answer with an OpenAI-style JSON error body. */
export function httpErrorResponse(status: number, message: string, type: string, headers?: Record<string, string>): MockResponse {
  return { status, body: JSON.stringify({ error: { message, type, param: null, code: null } }), ...(headers ? { headers } : {}) };
}

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
  /** Every request except CORS preflights, in arrival order (none with `record: false`). */
  requests: RecordedRequest[];
  /** How many model requests (`POST /v1/responses`) were answered. */
  readonly modelCalls: number;
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

/** Starts the mock on a free loopback port. `record: false` keeps no requests (for load tests). */
export async function startMockResponses(script: MockScript, options: { record?: boolean } = {}): Promise<MockResponsesServer> {
  const keepRequests = options.record ?? true;
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
    if (keepRequests) requests.push(record);

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
    get modelCalls() {
      return modelCalls;
    },
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

// The event builders live apart so browser code can import them; re-exported for existing importers.
export * from './responses-events.ts';

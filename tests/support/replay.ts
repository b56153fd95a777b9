// Replays a golden transcript against a Spindle server over any transport, and makes both sides comparable:
// the transcript's client messages are sent in order (placeholder ids rewritten into ours), each step waits for
// the server messages the capture saw before the next client message, the client's answers to server requests
// go to the request of ours that stands where the capture's was, and `meta` restarts reopen the server.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RecordedRequest } from './mock-responses.js';
import { assertValidServerMessage } from './schema.js';
import { comparableTranscript, noiseMethods, type Json, type JsonObject, type Transcript } from './transcript.js';
import {
  tolerateMessages,
  tolerateRequests,
  type Annotated,
  type ProjectedRequest,
  type Tolerated,
} from './tolerances.js';

/** One open connection to a server: text in, texts out through the `receive` given to `OpenConnection`. */
export interface ReplayConnection {
  send(text: string): void;
  /** Ends the connection and, for a server process, waits for it to exit. */
  close(): Promise<void>;
}

/**
 * Opens a connection to a server on the scenario's state. Each call starts a server (an engine, a process)
 * on the same store, so a second call after `close` is a restart.
 */
export type OpenConnection = (receive: (text: string) => void) => Promise<ReplayConnection>;

export interface ReplayOptions {
  /** How long a step waits for a response or `turn/completed` the capture saw (default 10 s). */
  timeoutMs?: number;
  /**
   * How long a step waits for any other message once nothing has arrived for that long (default 3 s:
   * only a step still missing a message waits it out, and a loaded machine can take over 500 ms to
   * make the model request whose stream brings the next item).
   */
  quietMs?: number;
  /** The last wait, so that anything we send after the capture's last message shows up (default 100 ms). */
  settleMs?: number;
}

export interface Replay {
  /** Every message we received, in arrival order, with the request method of each response. */
  ours: Annotated[];
  /** Texts we received that are not JSON objects. */
  notJson: string[];
  /** Golden placeholders (`<uuid:N>` by number, other strings whole) → our values, learned from responses. */
  learned: Learned;
  /** Steps that went on without a message the capture had there; they explain a failed comparison. */
  missed: string[];
}

export interface Learned {
  uuids: Map<string, string>;
  strings: Map<string, string>;
}

type Step =
  | { kind: 'send'; text: string; message?: JsonObject; expected: JsonObject[] }
  | { kind: 'restart'; expected: JsonObject[] };

const placeholderPattern = /<(uuid|UUID):(\d+)>/g;

/** Replays `transcript` through `open` and returns what we sent back. Throws only when a connection cannot open. */
export async function replay(transcript: Transcript, open: OpenConnection, options: ReplayOptions = {}): Promise<Replay> {
  const { timeoutMs = 10_000, quietMs = 3_000, settleMs = 100 } = options;
  const ours: Annotated[] = [];
  const notJson: string[] = [];
  const learned: Learned = { uuids: new Map(), strings: new Map() };
  const missed: string[] = [];
  // Golden server request id → the id of our server request claimed in its place, on this connection.
  let serverRequests = new Map<string, Json>();

  // Our messages that no step has claimed yet; a message may arrive a step later than in the capture.
  let pool: Annotated[] = [];
  let sentMethods = new Map<string, string>();
  let arrived: () => void = () => {};
  let lastArrival = Date.now();

  const receive = (text: string): void => {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      message = undefined;
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      notJson.push(text);
      return;
    }
    const annotated: Annotated = { message: message as JsonObject };
    if (isResponse(annotated.message)) annotated.requestMethod = sentMethods.get(idKey(annotated.message.id));
    ours.push(annotated);
    pool.push(annotated);
    lastArrival = Date.now();
    arrived();
  };

  const nextArrival = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(ms, 0));
      arrived = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  // Claims from the pool a message like each expected one, in order; waits for the missing ones.
  const awaitExpected = async (expected: JsonObject[], what: string): Promise<void> => {
    const remaining = [...expected];
    const started = Date.now();
    lastArrival = started;
    for (;;) {
      for (let i = 0; i < remaining.length; ) {
        const golden = remaining[i]!;
        const index = pool.findIndex((candidate) => signature(candidate.message) === signature(golden));
        if (index === -1) {
          i++;
          continue;
        }
        const [claimed] = pool.splice(index, 1);
        remaining.splice(i, 1);
        if (isServerRequest(golden)) serverRequests.set(idKey(golden.id), claimed!.message.id ?? null);
        if (isResponse(golden)) {
          learn(golden, claimed!.message, learned);
          // An error where the capture had a result (or the reverse): what the capture saw next will not come.
          if (('error' in golden) !== ('error' in claimed!.message)) {
            if (remaining.length > 0) missed.push(`after ${what} (answered differently): ${remaining.map(signature).join(', ')}`);
            return;
          }
        }
      }
      if (remaining.length === 0) return;
      const now = Date.now();
      const waitingForAnEnd = remaining.some(isEndOfStep);
      const deadline = waitingForAnEnd ? started + timeoutMs : Math.min(started + timeoutMs, lastArrival + quietMs);
      if (now >= deadline) {
        missed.push(`after ${what}: ${remaining.map(signature).join(', ')}`);
        return;
      }
      await nextArrival(deadline - now);
    }
  };

  let connection = await open(receive);
  try {
    for (const step of steps(transcript)) {
      if (step.kind === 'restart') {
        await connection.close();
        pool = [];
        sentMethods = new Map();
        serverRequests = new Map();
        connection = await open(receive);
        await awaitExpected(step.expected, 'the restart');
        continue;
      }
      let text = step.text;
      if (step.message) {
        const message = rewrite(step.message, learned) as JsonObject;
        if (typeof message.method === 'string' && 'id' in message) sentMethods.set(idKey(message.id), message.method);
        if (isResponse(message)) {
          // The capture's client answered a server request it had seen: ours answers the one in its place.
          const ours = serverRequests.get(idKey(message.id));
          if (ours === undefined) missed.push(`before ${describeStep(step)}: the server request it answers`);
          else message.id = ours;
        }
        text = JSON.stringify(message);
      }
      connection.send(text);
      await awaitExpected(step.expected, describeStep(step));
    }
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  } finally {
    await connection.close();
  }
  return { ours, notJson, learned, missed };
}

/** The transcript as steps: each client line or restart with the non-noise server messages that followed it. */
function steps(transcript: Transcript): Step[] {
  const out: Step[] = [];
  for (const entry of transcript.entries) {
    const current = out.at(-1);
    if (entry.dir === 's2c' && entry.msg) {
      if (!isNoise(entry.msg)) current?.expected.push(entry.msg);
    } else if (entry.dir === 'c2s' && entry.raw !== undefined) {
      out.push({ kind: 'send', text: entry.raw, expected: [] });
    } else if (entry.dir === 'c2s' && entry.msg) {
      out.push({ kind: 'send', text: '', message: entry.msg, expected: [] });
    } else if (entry.dir === 'meta' && /restart/i.test(String(entry.msg?.note ?? ''))) {
      out.push({ kind: 'restart', expected: [] });
    }
  }
  return out;
}

function describeStep(step: Step & { kind: 'send' }): string {
  if (!step.message) return `raw line ${JSON.stringify(step.text)}`;
  const { id, method } = step.message;
  return method === undefined ? `client response ${JSON.stringify(id)}` : `${String(method)} (id ${JSON.stringify(id ?? null)})`;
}

function isResponse(message: JsonObject): boolean {
  return 'id' in message && !('method' in message);
}

function isServerRequest(message: JsonObject): boolean {
  return 'id' in message && typeof message.method === 'string';
}

function isNoise(message: JsonObject): boolean {
  return !('id' in message) && typeof message.method === 'string' && noiseMethods.includes(message.method);
}

/**
 * A step ends with its response, with `turn/completed` where the capture waited for one, and with a server
 * request, which the capture's client answered next.
 */
function isEndOfStep(message: JsonObject): boolean {
  return isResponse(message) || isServerRequest(message) || message.method === 'turn/completed';
}

function idKey(id: Json | undefined): string {
  return JSON.stringify(id ?? null);
}

/** What a step waits for: a response by id, a notification or server request by method. */
function signature(message: JsonObject): string {
  if (isResponse(message)) return `response ${idKey(message.id)}`;
  return `${'id' in message ? 'server request' : 'notification'} ${String(message.method)}`;
}

/** Records which of our values stand where the golden response has a placeholder. */
function learn(golden: Json, ours: Json | undefined, learned: Learned): void {
  if (typeof golden === 'string') {
    if (typeof ours !== 'string' || !golden.includes('<')) return;
    const single = /^<uuid:(\d+)>$/.exec(golden);
    if (single) {
      if (!learned.uuids.has(single[1]!)) learned.uuids.set(single[1]!, ours.toLowerCase());
    } else if (golden.match(placeholderPattern) || golden.includes('<iso_ts>')) {
      if (!learned.strings.has(golden)) learned.strings.set(golden, ours);
    }
    return;
  }
  if (Array.isArray(golden)) {
    if (Array.isArray(ours)) golden.forEach((item, i) => learn(item, ours[i], learned));
    return;
  }
  if (golden !== null && typeof golden === 'object' && ours !== null && typeof ours === 'object' && !Array.isArray(ours)) {
    for (const [key, item] of Object.entries(golden)) learn(item, ours[key], learned);
  }
}

/**
 * A golden client message with our values: whole strings learned from responses (cursors), then `<uuid:N>` /
 * `<UUID:N>` placeholders; a placeholder no response taught (an id the capture made up) becomes a fresh UUID.
 */
function rewrite(value: Json, learned: Learned): Json {
  if (typeof value === 'string') {
    const whole = learned.strings.get(value);
    if (whole !== undefined) return whole;
    return value.replace(placeholderPattern, (_, spelling: string, n: string) => {
      let uuid = learned.uuids.get(n);
      if (uuid === undefined) {
        uuid = randomUUID();
        learned.uuids.set(n, uuid);
      }
      return spelling === 'UUID' ? uuid.toUpperCase() : uuid;
    });
  }
  if (Array.isArray(value)) return value.map((item) => rewrite(item, learned));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, rewrite(item, learned)]));
  }
  return value;
}

/** The golden server messages, each response with the method of the request it answers (ids restart with 08's server). */
export function annotatedGolden(transcript: Transcript): Annotated[] {
  let methods = new Map<string, string>();
  const out: Annotated[] = [];
  for (const entry of transcript.entries) {
    if (entry.dir === 'meta' && /restart/i.test(String(entry.msg?.note ?? ''))) methods = new Map();
    if (!entry.msg) continue;
    if (entry.dir === 'c2s' && typeof entry.msg.method === 'string' && 'id' in entry.msg) {
      methods.set(idKey(entry.msg.id), entry.msg.method);
    } else if (entry.dir === 's2c') {
      const annotated: Annotated = { message: entry.msg };
      if (isResponse(entry.msg)) annotated.requestMethod = methods.get(idKey(entry.msg.id));
      out.push(annotated);
    }
  }
  return out;
}

/** Throws unless every message we sent is JSON the v2 schema accepts (responses judged by their request's method). */
export function assertSchemaValid(result: Replay): void {
  if (result.notJson.length > 0) throw new Error(`the server sent text that is not a JSON object: ${result.notJson[0]}`);
  for (const { message, requestMethod } of result.ours) assertValidServerMessage(message, requestMethod);
}

/** Host values the capture replaced by `<cwd>` / `<codex_home>`. */
export interface HostPaths {
  cwd: string;
  codexHome: string;
}

/** Both sides' server messages, tolerances applied, normalised for `deepStrictEqual`. */
export function comparableMessages(
  result: Replay,
  transcript: Transcript,
  tolerated: Tolerated,
  host: HostPaths,
): { ours: JsonObject[]; golden: JsonObject[] } {
  const messages = (list: Annotated[]) => tolerateMessages(list, tolerated).map((annotated) => annotated.message);
  return {
    ours: comparableTranscript(messages(result.ours), host),
    golden: comparableTranscript(messages(annotatedGolden(transcript))),
  };
}

/** Request headers Spindle sends (PROTOCOL.md §8.1); the capture had no `authorization`. */
const sentHeaders = ['accept', 'content-type', 'originator', 'user-agent', 'session-id', 'thread-id', 'x-client-request-id'];
/** Body fields Spindle sends (PROTOCOL.md §8.2). */
const sentBodyFields = [
  'model',
  'stream',
  'input',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning',
  'store',
  'include',
  'prompt_cache_key',
];

/** A request reduced to the headers and body fields Spindle sends; the user agent becomes `<user_agent>`. */
export function projectRequest(request: { method: string; path: string; headers: Record<string, Json>; body: unknown }): ProjectedRequest {
  const headers: Record<string, string> = {};
  for (const name of sentHeaders) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = name === 'user-agent' ? '<user_agent>' : String(value);
  }
  const body: JsonObject = {};
  const raw = (request.body ?? {}) as JsonObject;
  for (const field of sentBodyFields) if (field in raw) body[field] = raw[field]!;
  const input = Array.isArray(raw.input) ? (raw.input as JsonObject[]) : [];
  return { method: request.method, path: request.path.split('?')[0]!, headers, body: { ...body, input } };
}

/**
 * Both sides' model requests, projected and tolerated, with ids made comparable: a UUID the replay learned
 * (thread and turn ids) becomes the capture's `<uuid:N>`; any other UUID (message ids) becomes `<id:K>`,
 * numbered by first appearance on each side, so a replayed history must reuse the ids it first sent.
 */
export function comparableRequests(
  result: Replay,
  ourRequests: RecordedRequest[],
  transcript: Transcript,
  tolerated: Tolerated,
  host: HostPaths,
): { ours: Json; golden: Json } {
  const known = new Map([...result.learned.uuids].map(([n, uuid]) => [uuid, n]));
  const project = (requests: Array<Parameters<typeof projectRequest>[0]>) =>
    tolerateRequests(requests.map(projectRequest), tolerated) as unknown as Json;
  const ours = withHostPaths(project(ourRequests as Array<Parameters<typeof projectRequest>[0]>), host);
  const golden = project(transcript.requests as unknown as Array<Parameters<typeof projectRequest>[0]>);

  const ourNumbers = new Map<string, number>();
  const oursNumbered = mapStrings(ours, (text) =>
    text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, (uuid) => {
      const n = known.get(uuid.toLowerCase());
      return n !== undefined ? `<uuid:${n}>` : `<id:${numberFor(ourNumbers, uuid.toLowerCase())}>`;
    }),
  );
  const goldenNumbers = new Map<string, number>();
  const goldenNumbered = mapStrings(golden, (text) =>
    text.replace(/<uuid:(\d+)>/g, (placeholder, n: string) =>
      result.learned.uuids.has(n) ? placeholder : `<id:${numberFor(goldenNumbers, n)}>`,
    ),
  );
  return { ours: oursNumbered, golden: goldenNumbered };
}

function numberFor(numbers: Map<string, number>, key: string): number {
  let n = numbers.get(key);
  if (n === undefined) {
    n = numbers.size + 1;
    numbers.set(key, n);
  }
  return n;
}

function mapStrings(value: Json, f: (text: string) => string): Json {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, f));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, f)]));
  }
  return value;
}

function withHostPaths(value: Json, host: HostPaths): Json {
  return mapStrings(value, (text) => text.split(host.codexHome).join('<codex_home>').split(host.cwd).join('<cwd>'));
}

/** Why a comparison may have failed: the steps that went on without a message the capture had. */
function missedNote(result: Replay): string {
  if (result.missed.length === 0) return '';
  return `steps that went on without a message the capture had:\n  ${result.missed.join('\n  ')}`;
}

/** Asserts that our server messages equal the golden ones once both are normalised and tolerated. */
export function assertMessagesMatch(result: Replay, transcript: Transcript, tolerated: Tolerated, host: HostPaths): void {
  const { ours, golden } = comparableMessages(result, transcript, tolerated, host);
  assert.deepStrictEqual(ours, golden, missedNote(result));
}

/**
 * Asserts that our model requests equal the captured ones on what Spindle sends, that we send no body field
 * 0.169 did not, and (where the transport can set it) that each request's user agent is `initialize`'s.
 */
export function assertRequestsMatch(
  result: Replay,
  requests: RecordedRequest[],
  transcript: Transcript,
  tolerated: Tolerated,
  host: HostPaths,
  { userAgentHeader = true }: { userAgentHeader?: boolean } = {},
): void {
  const { ours, golden } = comparableRequests(result, requests, transcript, tolerated, host);
  assert.deepStrictEqual(ours, golden, missedNote(result));
  const captured = transcript.requests as Array<{ body: Record<string, Json> }>;
  for (const [i, request] of requests.entries()) {
    const extra = Object.keys(request.body as object).filter((field) => !(field in (captured[i]?.body ?? {})));
    assert.deepEqual(extra, [], `request ${i + 1} sends body fields 0.169 does not`);
  }
  if (!userAgentHeader) return;
  const initialized = result.ours.find((m) => m.requestMethod === 'initialize' && 'result' in m.message);
  const userAgent = (initialized?.message.result as { userAgent?: string } | undefined)?.userAgent;
  for (const request of requests) assert.equal(request.headers['user-agent'], userAgent, 'user-agent (PROTOCOL.md §8.1)');
}

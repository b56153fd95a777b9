// Named normalisations for the places where Spindle deliberately differs from 0.169. A scenario lists the
// ones it needs by name, each with a one-line reason; the replay applies exactly those, to both sides.
import type { Json, JsonObject } from './transcript.js';

/** A server message and, for a response, the method of the request it answers. */
export interface Annotated {
  message: JsonObject;
  requestMethod?: string;
}

/** A model request reduced to what Spindle sends (see `projectRequest` in replay.ts). */
export interface ProjectedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: JsonObject & { input: JsonObject[] };
}

/** One tolerated difference: what it rewrites, on both sides alike. */
export interface Normalisation {
  messages?: (messages: Annotated[]) => Annotated[];
  requests?: (requests: ProjectedRequest[]) => ProjectedRequest[];
}

function mapResults(method: string, rewrite: (result: JsonObject) => JsonObject) {
  return (messages: Annotated[]): Annotated[] =>
    messages.map((annotated) => {
      const result = annotated.message.result;
      if (annotated.requestMethod !== method || result === null || typeof result !== 'object' || Array.isArray(result)) {
        return annotated;
      }
      return { ...annotated, message: { ...annotated.message, result: rewrite(result) } };
    });
}

/** `value` with `fields` replaced by `placeholder` where they are non-null (a null stays null: its presence counts). */
function opaque(value: JsonObject, fields: string[], placeholder: string): JsonObject {
  const out: JsonObject = { ...value };
  for (const field of fields) if (field in out && out[field] !== null) out[field] = placeholder;
  return out;
}

function contentText(item: JsonObject): string | undefined {
  const content = item.content;
  if (!Array.isArray(content) || content.length !== 1) return undefined;
  const part = content[0] as JsonObject | undefined;
  return typeof part?.text === 'string' ? part.text : undefined;
}

function withText(item: JsonObject, text: string): JsonObject {
  return { ...item, content: [{ ...((item.content as Json[])[0] as JsonObject), text }] };
}

/** The summary of a compacted history's summary message: the text after 0.169's (elided) or Spindle's preface. */
function summaryAfterPreface(text: string): string | undefined {
  const upstream = '<elided: built-in summary preface>\n';
  const spindleEnd = '</conversation_summary>\n';
  if (text.startsWith(upstream)) return text.slice(upstream.length);
  if (text.startsWith('<conversation_summary>') && text.includes(spindleEnd)) {
    return text.slice(text.indexOf(spindleEnd) + spindleEnd.length);
  }
  return undefined;
}

const cursorPlaceholder = '<cursor>';

export const normalisations = {
  /** `thread/read.readState`: 0.169's unread bookkeeping; the core answers `null`. */
  readStateNull: {
    messages: mapResults('thread/read', (result) => ({ ...result, readState: '<readState>' })),
  },
  /** `thread/list.readStates`: the same bookkeeping per listed thread. */
  listReadStates: {
    messages: mapResults('thread/list', (result) => ({ ...result, readStates: '<readStates>' })),
  },
  /** List cursors are opaque strings whose format is the server's own. */
  opaqueCursors: {
    messages: (messages) =>
      [
        mapResults('thread/list', (result) => opaque(result, ['nextCursor', 'backwardsCursor'], cursorPlaceholder)),
        mapResults('thread/turns/list', (result) => opaque(result, ['nextCursor', 'backwardsCursor'], cursorPlaceholder)),
        mapResults('thread/resume', (result) =>
          opaque(result, ['turnsBackwardsCursor', 'itemsBackwardsCursor'], cursorPlaceholder),
        ),
      ].reduce((list, rewrite) => rewrite(list), messages),
  },
  /** `thread/resume.itemsBackwardsCursor`: Spindle has no `thread/items/list`, so it offers no items cursor. */
  noItemsCursor: {
    messages: mapResults('thread/resume', (result) => ({ ...result, itemsBackwardsCursor: '<items cursor>' })),
  },
  /** The `expected one of …` tail of an unknown-method error lists the server's own methods. */
  unknownMethodList: {
    messages: (messages) =>
      messages.map((annotated) => {
        const error = annotated.message.error as JsonObject | undefined;
        const text = error?.message;
        if (typeof text !== 'string' || !/^Invalid request: unknown variant `[^`]*`, expected one of /.test(text)) {
          return annotated;
        }
        const cut = text.replace(/(, expected one of ).*$/s, '$1<methods>');
        return { ...annotated, message: { ...annotated.message, error: { ...error, message: cut } } };
      }),
  },
  /** A `thread/tokenUsage/updated` that repeats the thread's previous snapshot unchanged is dropped. */
  tokenUsageResent: {
    messages: (messages) => {
      const last = new Map<string, string>();
      return messages.filter(({ message }) => {
        if (message.method !== 'thread/tokenUsage/updated' || 'id' in message) return true;
        const params = message.params as JsonObject;
        const key = String(params.threadId);
        const snapshot = JSON.stringify(params.tokenUsage);
        const repeated = last.get(key) === snapshot;
        last.set(key, snapshot);
        return !repeated;
      });
    },
  },
  /** After a compaction `last.totalTokens` is the server's estimate of the new context, measured over its own history. */
  compactionEstimate: {
    messages: (messages) =>
      messages.map((annotated) => {
        const { message } = annotated;
        if (message.method !== 'thread/tokenUsage/updated') return annotated;
        const params = message.params as JsonObject;
        const usage = params.tokenUsage as JsonObject;
        const last = usage.last as JsonObject;
        if (last.inputTokens !== 0 || last.outputTokens !== 0 || last.totalTokens === 0) return annotated;
        const estimated = { ...usage, last: { ...last, totalTokens: '<estimate>' } };
        return { ...annotated, message: { ...message, params: { ...params, tokenUsage: estimated } } };
      }),
  },
  /** The compaction prompt and the summary preface are each server's own words (PROTOCOL.md §8.6). */
  compactionWording: {
    requests: (requests) =>
      requests.map((request) => ({
        ...request,
        body: {
          ...request.body,
          input: request.body.input.map((item) => {
            const text = contentText(item);
            if (text === undefined || item.role !== 'user') return item;
            // The prompt is the only input message without an id, in 0.169 and in Spindle.
            if (!('id' in item)) return withText(item, '<compaction prompt>');
            const summary = summaryAfterPreface(text);
            return summary === undefined ? item : withText(item, `<summary preface>\n${summary}`);
          }),
        },
      })),
  },
  /** 0.169's permissions/sandbox developer message (PROTOCOL.md §8.3). */
  permissionsMessage: {
    requests: (requests) =>
      requests.map((request) => ({
        ...request,
        body: {
          ...request.body,
          input: request.body.input.filter(
            (item) => !(item.role === 'developer' && contentText(item) === '<elided: permissions instructions block>'),
          ),
        },
      })),
  },
  /** 0.169's `<environment_context>` user message (PROTOCOL.md §8.3). */
  environmentContext: {
    requests: (requests) =>
      requests.map((request) => ({
        ...request,
        body: {
          ...request.body,
          input: request.body.input.filter(
            (item) => !(item.role === 'user' && contentText(item)?.startsWith('<environment_context>')),
          ),
        },
      })),
  },
  /** 0.169's built-in tools (`request_user_input`), elided in the captures (PROTOCOL.md §8.4). */
  builtInTools: {
    requests: (requests) =>
      requests.map((request) => {
        const tools = request.body.tools;
        if (!Array.isArray(tools)) return request;
        const own = tools.filter(
          (tool) => (tool as JsonObject | null)?.description !== '<elided: built-in tool definition>',
        );
        return { ...request, body: { ...request.body, tools: own } };
      }),
  },
  /** The text of the `<turn_aborted>` history marker (PROTOCOL.md §7.4): each server words it its own way. */
  turnAbortedText: {
    requests: (requests) =>
      requests.map((request) => ({
        ...request,
        body: {
          ...request.body,
          input: request.body.input.map((item) =>
            contentText(item)?.startsWith('<turn_aborted>') ? withText(item, '<turn_aborted>') : item,
          ),
        },
      })),
  },
} satisfies Record<string, Normalisation>;

export type NormalisationName = keyof typeof normalisations;

/** Name → one-line reason, as a scenario declares what it tolerates. */
export type Tolerated = Partial<Record<NormalisationName, string>>;

/** Applies the named normalisations, in declaration order, to server messages. */
export function tolerateMessages(messages: Annotated[], tolerated: Tolerated): Annotated[] {
  return names(tolerated).reduce((list, name) => (normalisations[name] as Normalisation).messages?.(list) ?? list, messages);
}

/** Applies the named normalisations, in declaration order, to projected model requests. */
export function tolerateRequests(requests: ProjectedRequest[], tolerated: Tolerated): ProjectedRequest[] {
  return names(tolerated).reduce((list, name) => (normalisations[name] as Normalisation).requests?.(list) ?? list, requests);
}

function names(tolerated: Tolerated): NormalisationName[] {
  return Object.keys(tolerated).filter((name): name is NormalisationName => {
    if (!(name in normalisations)) throw new Error(`unknown tolerated difference: ${name}`);
    return true;
  });
}

// Responses API stream events and answers the mock sends, as plain data. No Node imports: the shared
// SDK test cases build their scripts from these in Node and in Chromium alike.
import type { MockResponse } from './mock-responses.ts';

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

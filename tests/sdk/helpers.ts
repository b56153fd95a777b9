// Helpers of the shared SDK cases: mock scripts for tool calls and hanging streams, readers of the
// model requests the mock recorded, and small waits. Node-free, like the cases.

import type { Notification, Thread, ThreadItem, TurnEvent } from '../../ts/src/index.ts';
import type { MockResponse, RecordedRequest } from '../support/mock-responses.ts';
import {
  completedEvent,
  createdEvent,
  functionCallItemEvents,
  messageAddedEvent,
  messageItemEvents,
  type MockFunctionCall,
} from '../support/responses-events.ts';
import * as assert from './assert.ts';

/** A response that calls `call` and completes; the turn then asks the model again. */
export function toolCallResponse(call: MockFunctionCall): MockResponse {
  const responseId = `resp_${call.itemId}`;
  return { events: [createdEvent(responseId), ...functionCallItemEvents(call), completedEvent(responseId)] };
}

/** A message whose stream stays open after `deltas`: the turn runs until interrupted or steered. */
export function hangingMessage(deltas: string[], itemId = 'msg_hang'): MockResponse {
  return {
    events: [createdEvent(`resp_${itemId}`), messageAddedEvent(itemId), ...deltaEvents(deltas, itemId)],
    keepOpen: true,
  };
}

function deltaEvents(deltas: string[], itemId: string): object[] {
  return messageItemEvents(deltas, itemId).slice(1, 1 + deltas.length);
}

export function call(name: string, args: object, n = 1): MockFunctionCall {
  return { itemId: `fc_${n}`, callId: `call_${n}`, name, arguments: JSON.stringify(args) };
}

interface InputItem {
  type?: string;
  role?: string;
  call_id?: string;
  output?: unknown;
  content?: Array<{ type?: string; text?: string }>;
}

export function inputOf(request: RecordedRequest | undefined): InputItem[] {
  assert.ok(request, 'the model request is missing');
  return (request.body as { input: InputItem[] }).input;
}

export function textsOf(request: RecordedRequest | undefined, role: string): string[] {
  return inputOf(request)
    .filter((item) => item.role === role)
    .flatMap((item) => (item.content ?? []).map((part) => part.text ?? ''));
}

export function toolOutputOf(request: RecordedRequest | undefined, callId: string): unknown {
  const output = inputOf(request).find((item) => item.type === 'function_call_output' && item.call_id === callId);
  assert.ok(output, `no function_call_output for ${callId} in ${JSON.stringify(inputOf(request))}`);
  return output.output;
}

export function waitForNotification(thread: Thread, matches: (n: Notification) => boolean): Promise<Notification> {
  return new Promise((resolve) => {
    const off = thread.onNotification((notification) => {
      if (!matches(notification)) return;
      off();
      resolve(notification);
    });
  });
}

export const isDelta = (n: Notification) => n.method === 'item/agentMessage/delta';

export async function collect(stream: AsyncIterable<TurnEvent>): Promise<TurnEvent[]> {
  const events: TurnEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

export function types(items: ThreadItem[]): string[] {
  return items.map((item) => item.type);
}

export function itemOfType<T extends ThreadItem['type']>(items: ThreadItem[], type: T): Extract<ThreadItem, { type: T }> {
  const found = items.find((item) => item.type === type);
  assert.ok(found, `no ${type} item among ${JSON.stringify(types(items))}`);
  return found as Extract<ThreadItem, { type: T }>;
}

export const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
};

// One interrupted and one steered turn, each cut mid-stream, over any Transport (napi, stdio, a Chromium page)
// against the mock Responses server: the engine must abort both HTTP requests through its model transport, and
// nothing the aborted streams sent may reach a later model request or thread/read.
import assert from 'node:assert/strict';
import { SpindleClient } from '../../ts/src/client/client.js';
import type { Notification } from '../../ts/src/client/methods.js';
import type { Transport } from '../../ts/src/client/transport.js';
import {
  createdEvent,
  messageAddedEvent,
  plainTurnEvents,
  type MockResponse,
  type MockResponsesServer,
} from './mock-responses.js';
import { assertValidServerMessage } from './schema.js';
import { withTimeout } from './wait.js';

/** Text only the aborted streams carry, so any trace of them is easy to find. */
const interruptedDelta = 'PARTIAL-FROM-THE-INTERRUPTED-STREAM ';
const steeredDelta = 'PARTIAL-FROM-THE-STEERED-STREAM ';
const steerText = 'Also answer this.';
const finalAnswer = 'Answered after the steer.';

/** A message whose stream stops after one delta and stays open until the client goes away. */
function stalled(itemId: string, delta: string): MockResponse {
  const events = [createdEvent(`resp_${itemId}`), messageAddedEvent(itemId)];
  events.push({ type: 'response.output_text.delta', item_id: itemId, output_index: 0, content_index: 0, delta });
  return { events, keepOpen: true };
}

/** What the mock serves: the stream the interrupt cuts, the one the steer cuts, the steered turn's answer. */
export function cancellationScript(): MockResponse[] {
  return [
    stalled('msg_interrupted', interruptedDelta),
    stalled('msg_steered', steeredDelta),
    { events: plainTurnEvents(finalAnswer, 'msg_after_steer') },
  ];
}

/** Every message the server sent, and the method of each request the client sent, to schema-check them. */
function recording(transport: Transport): { transport: Transport; assertAllValid(): void } {
  const received: Array<Record<string, unknown>> = [];
  const methods = new Map<string, string>();
  const offReceived = transport.onMessage((text) => received.push(JSON.parse(text) as Record<string, unknown>));
  return {
    transport: {
      send(text) {
        const message = JSON.parse(text) as { id?: unknown; method?: unknown };
        if (message.id !== undefined && typeof message.method === 'string') methods.set(JSON.stringify(message.id), message.method);
        transport.send(text);
      },
      onMessage: (listener) => transport.onMessage(listener),
      onClose: transport.onClose ? (listener) => transport.onClose!(listener) : undefined,
      close() {
        offReceived();
        transport.close();
      },
    },
    assertAllValid() {
      for (const message of received) {
        const isResponse = 'id' in message && !('method' in message);
        assertValidServerMessage(message, isResponse ? methods.get(JSON.stringify(message.id)) : undefined);
      }
    },
  };
}

/** Resolves with the first notification (already received or still to come) that matches. */
function notificationWaiter(client: SpindleClient) {
  const seen: Notification[] = [];
  const waiters = new Set<() => void>();
  client.onNotification((notification) => {
    seen.push(notification);
    for (const waiter of [...waiters]) waiter();
  });
  return (what: string, matches: (notification: Notification) => boolean): Promise<Notification> =>
    withTimeout(
      new Promise<Notification>((resolve) => {
        const check = () => {
          const found = seen.find(matches);
          if (found === undefined) return;
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        check();
      }),
      10_000,
      `waiting for ${what}; notifications so far: ${JSON.stringify(seen.map((n) => n.method))}`,
    );
}

/**
 * Interrupts one turn and steers the next, each after its stream's first delta, then checks the mock saw
 * exactly those two requests aborted by the client and no partial text anywhere after. The mock must serve
 * `cancellationScript()`; closes `transport` at the end.
 */
export async function interruptAndSteerMidStream(transport: Transport, mock: MockResponsesServer): Promise<void> {
  const recorded = recording(transport);
  const client = new SpindleClient(recorded.transport);
  const waitFor = notificationWaiter(client);
  const deltaOf = (turnId: string, delta: string) => (n: Notification) =>
    n.method === 'item/agentMessage/delta' && n.params.turnId === turnId && n.params.delta === delta;
  const completedTurn = async (turnId: string) => {
    const completed = await waitFor(`turn/completed of ${turnId}`, (n) => n.method === 'turn/completed' && n.params.turn.id === turnId);
    assert.ok(completed.method === 'turn/completed');
    return completed.params.turn;
  };
  try {
    await client.initialize({ name: 'cancellation-test', title: null, version: '1.0.0' }, { experimentalApi: true, optOutNotificationMethods: null });
    const { thread } = await client.threadStart({});
    const text = (value: string) => [{ type: 'text' as const, text: value, text_elements: [] }];

    const interrupted = (await client.turnStart({ threadId: thread.id, input: text('Count slowly to six.') })).turn.id;
    await waitFor('the interrupted stream’s delta', deltaOf(interrupted, interruptedDelta));
    assert.deepEqual(await client.request('turn/interrupt', { threadId: thread.id, turnId: interrupted }), {});
    assert.equal((await completedTurn(interrupted)).status, 'interrupted');
    await mock.abortOf(0);

    const steered = (await client.turnStart({ threadId: thread.id, input: text('Tell me more.') })).turn.id;
    await waitFor('the steered stream’s delta', deltaOf(steered, steeredDelta));
    const steer = await client.request('turn/steer', { threadId: thread.id, input: text(steerText), expectedTurnId: steered });
    assert.deepEqual(steer, { turnId: steered });
    const steeredTurn = await completedTurn(steered);
    assert.equal(steeredTurn.status, 'completed', JSON.stringify(steeredTurn.error));
    await mock.abortOf(1);

    assert.equal(mock.requests.length, 3, 'one model request per stream, and one for the steered turn');
    assert.deepEqual(mock.abortedIndexes(), [0, 1], 'the client aborted both cut streams and nothing else');
    const inputOf = (index: number) => JSON.stringify((mock.requests[index]!.body as { input?: unknown }).input);
    assert.ok(!inputOf(1).includes(interruptedDelta.trim()), `the interrupted stream leaked into the next request: ${inputOf(1)}`);
    assert.ok(inputOf(2).includes(steerText), 'the request after the steer carries the steer input');
    for (const delta of [interruptedDelta, steeredDelta]) {
      assert.ok(!inputOf(2).includes(delta.trim()), `an aborted stream leaked into the steered request: ${inputOf(2)}`);
    }

    const read = JSON.stringify(await client.request('thread/read', { threadId: thread.id, includeTurns: true }));
    assert.ok(read.includes(finalAnswer), `thread/read lacks the steered turn's answer: ${read}`);
    for (const delta of [interruptedDelta, steeredDelta]) {
      assert.ok(!read.includes(delta.trim()), `an aborted stream leaked into thread/read: ${read}`);
    }
    recorded.assertAllValid();
  } finally {
    client.close();
  }
}

// InFlight, the in-process transport's idleness tracker: which server messages end the wait for a
// request or a turn, including the fast paths that skip parsing notifications and plain results.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { InFlight } from '../../ts/src/transports/in-flight.ts';

function tracker(): { inFlight: InFlight; changes: boolean[] } {
  const changes: boolean[] = [];
  return { inFlight: new InFlight((idle) => changes.push(idle)), changes };
}

const turn = (id: string, status: string) => ({ id, items: [], status, error: null, startedAt: 1, completedAt: null, durationMs: null });

test('a request is in flight until its result or error arrives, whatever its id type', () => {
  const { inFlight } = tracker();
  inFlight.sent(JSON.stringify({ id: 1, method: 'thread/start', params: {} }));
  inFlight.sent(JSON.stringify({ id: 'a', method: 'thread/list', params: {} }));
  inFlight.sent(JSON.stringify({ id: -2, method: 'model/list', params: {} }));
  assert.equal(inFlight.idle, false);
  inFlight.received('{"id":1,"result":{"thread":{"id":"t","turns":[]}}}');
  inFlight.received('{"id":"a","result":{"data":[],"nextCursor":null}}');
  assert.equal(inFlight.idle, false);
  inFlight.received('{"error":{"code":-32600,"message":"no"},"id":-2}');
  assert.equal(inFlight.idle, true);
});

test('notifications other than turn/started and turn/completed change nothing', () => {
  const { inFlight, changes } = tracker();
  inFlight.received('{"method":"item/agentMessage/delta","params":{"threadId":"t","turnId":"u","itemId":"i","delta":"x"},"emittedAtMs":1}');
  inFlight.received('{"method":"thread/status/changed","params":{"threadId":"t","status":{"type":"idle"}},"emittedAtMs":1}');
  // A notification whose params carry a `turn` object still is not a turn boundary.
  inFlight.received(JSON.stringify({ method: 'item/started', params: { threadId: 't', turn: turn('u', 'inProgress') } }));
  assert.deepEqual(changes, []);
  assert.equal(inFlight.idle, true);
});

test('a turn/start result with an inProgress turn keeps the connection busy until that turn completes', () => {
  const { inFlight } = tracker();
  inFlight.sent(JSON.stringify({ id: 7, method: 'turn/start', params: { threadId: 't', input: [] } }));
  inFlight.received(JSON.stringify({ id: 7, result: { turn: turn('u1', 'inProgress') } }));
  assert.equal(inFlight.idle, false, 'between the answer and turn/started');
  inFlight.received(JSON.stringify({ method: 'turn/started', params: { threadId: 't', turn: turn('u1', 'inProgress') }, emittedAtMs: 1 }));
  inFlight.received('{"method":"item/agentMessage/delta","params":{"delta":"hi"},"emittedAtMs":2}');
  assert.equal(inFlight.idle, false);
  inFlight.received(JSON.stringify({ method: 'turn/completed', params: { threadId: 't', turn: turn('u1', 'completed') }, emittedAtMs: 3 }));
  assert.equal(inFlight.idle, true);
});

test('a turn started by no request (a queued turn) is tracked from turn/started to turn/completed', () => {
  const { inFlight, changes } = tracker();
  inFlight.received(JSON.stringify({ method: 'turn/started', params: { threadId: 't', turn: turn('q1', 'inProgress') } }));
  assert.equal(inFlight.idle, false);
  inFlight.received(JSON.stringify({ method: 'turn/completed', params: { threadId: 't', turn: turn('q1', 'completed') } }));
  assert.deepEqual(changes, [false, true]);
});

test('a result whose text merely mentions "turn" in a string is a plain answer', () => {
  const { inFlight } = tracker();
  inFlight.sent(JSON.stringify({ id: 3, method: 'thread/read', params: { threadId: 't' } }));
  inFlight.received(JSON.stringify({ id: 3, result: { thread: { id: 't', preview: 'the "turn":{ text', turns: [turn('u', 'completed')] } } }));
  assert.equal(inFlight.idle, true);
});

test('ids a double cannot hold exactly are matched the way JSON.parse reads them', () => {
  const { inFlight } = tracker();
  inFlight.sent('{"id":9007199254740993,"method":"thread/start","params":{}}');
  assert.equal(inFlight.idle, false);
  inFlight.received('{"id":9007199254740993,"result":{}}');
  assert.equal(inFlight.idle, true);
});

// The recorded SSE streams the core's property tests and fuzz seeds read (core/tests/fixtures/sse/) are
// byte for byte what the mock Responses server serves in the transcript replays.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { it } from 'node:test';
import { startMockResponses } from '../support/mock-responses.js';
import { scenario } from '../support/scenarios.js';
import { recordedScenarios, sseFixtures } from '../support/sse-fixtures.js';

const fixtureDir = new URL('../../core/tests/fixtures/sse/', import.meta.url);

/** The first `length` bytes of a body (all of it if shorter); a stream left open is cut there. */
async function readBody(response: Response, length: number): Promise<Buffer> {
  const reader = response.body!.getReader();
  const parts: Uint8Array[] = [];
  let received = 0;
  while (received < length) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    received += value.length;
  }
  await reader.cancel();
  return Buffer.concat(parts);
}

it('the committed fixtures are the current ones (else run scripts/record-sse-fixtures.ts)', () => {
  const fixtures = sseFixtures();
  const committed = readdirSync(fixtureDir).filter((file) => file.endsWith('.sse')).sort();
  assert.deepEqual(committed, [...fixtures.keys()].sort());
  for (const [file, body] of fixtures) assert.ok(readFileSync(new URL(file, fixtureDir)).equals(body), file);
});

it('the mock serves each fixture as the body of its scenario answer', async () => {
  const fixtures = sseFixtures();
  let served = 0;
  for (const name of recordedScenarios) {
    const mock = await startMockResponses(scenario(name).mock);
    try {
      for (const [n, answer] of scenario(name).mock.entries()) {
        const response = await fetch(`${mock.baseUrl}/responses`, { method: 'POST', body: '{}' });
        const expected = fixtures.get(`${name}.${n}.sse`);
        const body = await readBody(response, expected?.length ?? Infinity);
        if (answer.events === undefined) continue;
        assert.equal(response.headers.get('content-type'), 'text/event-stream', `${name}.${n}`);
        assert.ok(expected !== undefined && body.equals(expected), `${name}.${n}`);
        served += 1;
      }
    } finally {
      await mock.close();
    }
  }
  assert.equal(served, fixtures.size);
});

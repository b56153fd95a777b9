// Load on one napi engine (issue 8): 50 SDK connections × 20 threads run turns with a host tool call each,
// all at once, while each connection follows two threads of another and leaves one of them midway. Per
// thread, every connection hears turns in order and nothing after it unsubscribed; every turn completes;
// and once the connections close and the threads unload, the process's RSS is back near its baseline and
// V8's heap is where it was. The engine runs in a child process (tests/support/load-child.ts), measured alone.
//
// The whole load runs twice there: the first run warms the allocators up to their high-water marks, which
// glibc and V8 keep after freeing, so the baseline taken after it makes growth show. Both runs take
// ~40 s on two cores at the full size (10 turns per thread; LOAD_TURNS picks another).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import type { LoadConfig, LoadReport } from '../support/load-child.ts';
import { functionCallItemEvents, messageTurnEvents, startMockResponses, type MockResponse } from '../support/mock-responses.ts';

const childPath = fileURLToPath(new URL('../support/load-child.ts', import.meta.url));
const MB = 1024 * 1024;

/** The model: a request ending in a tool's output gets a message; any other calls the tool. */
function answer(index: number, body: unknown): MockResponse {
  const input = (body as { input?: Array<{ type?: string }> }).input ?? [];
  if (input.at(-1)?.type === 'function_call_output') return { events: messageTurnEvents(['done ', 'after ', 'lookup'], `msg_${index}`) };
  const call = { itemId: `fc_${index}`, callId: `call_${index}`, name: 'lookup', arguments: JSON.stringify({ n: index }) };
  return {
    events: [
      { type: 'response.created', response: { id: `resp_${index}` } },
      ...functionCallItemEvents(call),
      { type: 'response.completed', response: { id: `resp_${index}`, usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } } },
    ],
  };
}

async function runChild(baseUrl: string, config: LoadConfig): Promise<LoadReport> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', childPath, baseUrl, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `the load child failed: ${stderr}`);
  return JSON.parse(stdout.trim()) as LoadReport;
}

test('50 connections × 20 threads × 10 turns with tool calls on one engine: order per thread, no notification after unsubscribe, no leak', { timeout: 180_000 }, async () => {
  const mock = await startMockResponses(answer, { record: false });
  try {
    const config: LoadConfig = { connections: 50, threadsPerConnection: 20, turnsPerThread: Number(process.env.LOAD_TURNS ?? 10), followed: 2 };
    const report = await runChild(mock.baseUrl, config);
    const mb = (bytes: number) => Math.round(bytes / MB);
    console.log(`load: ${report.turnsCompleted} turns in ${report.elapsedMs} ms (with the warm-up); RSS MB baseline ${mb(report.rss.baseline)}, peak ${mb(report.rss.peak)}, after ${mb(report.rss.after)}; heap MB ${mb(report.heapUsed.baseline)} → ${mb(report.heapUsed.after)}`);
    assert.deepEqual(report.broken, []);
    const threads = config.connections * config.threadsPerConnection;
    const turns = threads * config.turnsPerThread;
    assert.equal(report.turnsCompleted, turns);
    assert.equal(report.toolCalls, turns);
    assert.equal(report.unloaded, threads);
    assert.ok(report.unsubscribed > 0 && report.followerTurns > 0, JSON.stringify(report));
    const bound = Math.max(report.rss.baseline * 1.25, report.rss.baseline + 30 * MB);
    assert.ok(report.rss.after <= bound, `RSS ${report.rss.after / MB} MB after unloading; baseline ${report.rss.baseline / MB} MB`);
    // JS objects are counted exactly after a GC: a few MB of noise, never a run's worth of turns.
    const heap = report.heapUsed;
    assert.ok(heap.after <= heap.baseline + 8 * MB, `V8 heap ${heap.after / MB} MB after unloading; baseline ${heap.baseline / MB} MB`);
  } finally {
    await mock.close();
  }
});

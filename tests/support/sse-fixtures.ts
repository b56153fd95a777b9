// The SSE bodies the mock Responses server serves in the transcript replays, as the recorded streams the
// core's SSE property tests read (core/tests/fixtures/sse/); scripts/record-sse-fixtures.ts writes them.
import { sseBytes } from './mock-responses.js';
import { scenario } from './scenarios.js';

/** The scenarios whose streams are recorded: deltas, reasoning, interrupts, tool calls, failures, retries, steering. */
export const recordedScenarios = [
  '02_streamed_deltas',
  '04_interrupt',
  '05_dynamic_tool',
  '05b_dynamic_tool_edges',
  '06_model_http_error',
  '06b_model_retry',
  '10_steer_compact',
];

/** `<scenario>.<n>.sse` → the exact body of the scenario's n-th mock answer, for every answer that streams SSE. */
export function sseFixtures(): Map<string, Buffer> {
  const fixtures = new Map<string, Buffer>();
  for (const name of recordedScenarios) {
    for (const [n, answer] of scenario(name).mock.entries()) {
      if (answer.events !== undefined) fixtures.set(`${name}.${n}.sse`, sseBytes(answer.events));
    }
  }
  return fixtures;
}

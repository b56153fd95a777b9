// The bench's model: tests/support/mock-responses.ts on 127.0.0.1 in its own process (so no
// in-process engine shares an event loop with it), answering every Responses request at once with
// one pre-encoded SSE body. A turn whose last user text says `<n> deltas` gets n text deltas, any
// other turn one. Prints `{"baseUrl": …}` on stdout when listening; exits when stdin closes.

import { completedEvent, createdEvent, messageAddedEvent, sseBytes, startMockResponses } from '../tests/support/mock-responses.ts';
import { deltasAsked } from './prompt.ts';

const ITEM = '__ITEM__';
const bodies = new Map<number, string>();

/** The whole SSE body of an `n`-delta assistant message, with the item id left as a placeholder. */
function body(deltas: number): string {
  let cached = bodies.get(deltas);
  if (cached === undefined) {
    const parts = Array.from({ length: deltas }, (_, i) => (i === 0 ? 'Hello' : ` w${i}`));
    const events = [
      createdEvent(`resp_${ITEM}`),
      messageAddedEvent(ITEM),
      ...parts.map((delta) => ({ type: 'response.output_text.delta', item_id: ITEM, output_index: 0, content_index: 0, delta })),
      {
        type: 'response.output_item.done',
        output_index: 0,
        item: { type: 'message', id: ITEM, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: parts.join(''), annotations: [] }] },
      },
      completedEvent(`resp_${ITEM}`),
    ];
    cached = sseBytes(events).toString('utf8');
    bodies.set(deltas, cached);
  }
  return cached;
}

interface InputItem {
  role?: string;
  content?: Array<{ text?: string }> | string;
}

/** How many deltas the last user message asks for (1 unless it says `<n> deltas`). */
function deltasWanted(requestBody: unknown): number {
  const input = (requestBody as { input?: InputItem[] } | undefined)?.input ?? [];
  for (let i = input.length - 1; i >= 0; i -= 1) {
    const item = input[i];
    if (item?.role !== 'user') continue;
    const text = typeof item.content === 'string' ? item.content : (item.content ?? []).map((part) => part.text ?? '').join('');
    return deltasAsked(text);
  }
  return 1;
}

let served = 0;
const mock = await startMockResponses((_index, requestBody) => {
  // The mock records every request; the bench sends thousands of long histories and reads none.
  mock.requests.length = 0;
  served += 1;
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
    body: body(deltasWanted(requestBody)).replaceAll(ITEM, `msg_bench_${served}`),
  };
});
process.stdout.write(`${JSON.stringify({ baseUrl: mock.baseUrl })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void mock.close().then(() => process.exit(0));
});

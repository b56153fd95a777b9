// The golden transcripts Spindle replays: per scenario, what the capture's mock Responses server served
// (rebuilt from the transcript's server messages and transcripts/README.md), the differences Spindle
// deliberately has from 0.169, and what is still missing before the scenario can pass.
import {
  completedEvent,
  createdEvent,
  failedEvent,
  functionCallItemEvents,
  httpErrorResponse,
  messageAddedEvent,
  messageItemEvents,
  messageTurnEvents,
  plainTurnEvents,
  reasoningItemEvents,
  type MockFunctionCall,
  type MockResponse,
  type MockResponsesServer,
} from './mock-responses.js';
import type { Tolerated } from './tolerances.js';
import { loadTranscript } from './transcript.js';

export interface Scenario {
  /** The transcript's file name without `.jsonl`, e.g. `04_interrupt`. */
  name: string;
  /** One scripted reply per `/responses` request, in order. */
  mock: MockResponse[];
  /** The differences this scenario tolerates (besides `everyScenario`), by name, each with its reason. */
  tolerated: Tolerated;
  /** Set while a feature the scenario needs is missing: names it; the scenario runs and reports without failing. */
  todo?: string;
  /** The `model/list` catalog the host gives the engine (`EngineOptions.models`), when the scenario needs one. */
  models?: unknown[];
  /**
   * The provider's retry counts when the capture set them (its config.toml's `request_max_retries` and
   * `stream_max_retries`); otherwise 0, as in every other capture.
   */
  providerRetries?: { request: number; stream: number };
  /**
   * The model requests (0-based, in order) whose streams the client cuts short with `turn/interrupt` or
   * `turn/steer`: the engine must abort each one's HTTP request through the transport, and no other.
   */
  clientAborts?: number[];
}

/**
 * The indexes of the model requests whose streams the client aborted, once the ones `scenario` expects have
 * had up to `timeoutMs` to show up: the close of an aborted connection reaches the mock a little after the
 * engine has moved on. Call it before closing the server, whose exit would close every connection.
 */
export async function observedAborts(scenario: Scenario, mock: MockResponsesServer, timeoutMs = 2_000): Promise<number[]> {
  await Promise.allSettled((scenario.clientAborts ?? []).map((index) => mock.abortOf(index, timeoutMs)));
  return mock.abortedIndexes();
}

/**
 * Tolerated by every replay: what 0.169 adds to each model request and Spindle does not send. (The Thread
 * fields `path`, `cliVersion` and `modelProvider` are tolerated for every transcript by `comparableTranscript`.)
 */
export const everyScenario: Tolerated = {
  permissionsMessage: "0.169's permissions/sandbox developer message; the core omits it (PROTOCOL.md §8.3)",
  environmentContext: 'the environment context message is host-optional and Spindle sends none (PROTOCOL.md §8.3)',
  builtInTools: "0.169's built-in request_user_input tool; Spindle sends only the thread's dynamic tools (PROTOCOL.md §8.4)",
};

const cursors = 'list cursors are opaque and Spindle uses its own format (PROTOCOL.md §4.5, §4.12)';

/**
 * An assistant message whose stream stops after `deltas` and stays open, the rest never sent: the capture's
 * mock answered at 0.8–1 s per chunk and the client acted after these deltas, so withholding the rest lands
 * the interrupt or steer at the same point without depending on timing.
 */
function stalledMessage(itemId: string, deltas: string[]): MockResponse {
  const events = [createdEvent(`resp_${itemId}`), messageAddedEvent(itemId)];
  for (const delta of deltas) {
    events.push({ type: 'response.output_text.delta', item_id: itemId, output_index: 0, content_index: 0, delta });
  }
  return { events, keepOpen: true };
}

const plain = (text: string, itemId: string): MockResponse => ({ events: plainTurnEvents(text, itemId) });

/** The usage the capture's mock reported with a tool call (20 in / 8 out). */
const toolCallUsage = { input_tokens: 20, output_tokens: 8, total_tokens: 28 };

/** A response whose only output is a call of a host tool; the whole stream is sent, `response.completed` included. */
function toolCall(call: MockFunctionCall): MockResponse {
  const responseId = `resp_${call.itemId}`;
  return { events: [createdEvent(responseId), ...functionCallItemEvents(call), completedEvent(responseId, toolCallUsage)] };
}

/** An assistant message whose stream ends after `deltas`, without `output_item.done` or `response.completed`. */
function cutMessage(itemId: string, deltas: string[]): MockResponse {
  const events = [createdEvent(`resp_${itemId}`), messageAddedEvent(itemId)];
  for (const delta of deltas) {
    events.push({ type: 'response.output_text.delta', item_id: itemId, output_index: 0, content_index: 0, delta });
  }
  return { events };
}

const serverError = httpErrorResponse(500, 'The server had an error while processing your request.', 'server_error');

/** The catalog 0.169 bundled, as its first `model/list` answered in transcript 12; Spindle serves it as a host's. */
function capturedCatalog(): unknown[] {
  const answer = loadTranscript('12_model_list').s2c.find((message) => message.id === 2) as { result: { data: unknown[] } };
  return answer.result.data;
}

export const scenarios: Scenario[] = [
  {
    name: '01_plain_turn',
    mock: [plain('Hello! How can I help?', 'msg_plain')],
    tolerated: {},
  },
  {
    name: '02_streamed_deltas',
    mock: [
      {
        events: [
          createdEvent('resp_stream'),
          ...reasoningItemEvents(['Considering the question.'], 'rs_stream', 0),
          ...messageItemEvents(['The answer ', 'is ', '42.'], 'msg_stream', 1),
          completedEvent('resp_stream', {
            input_tokens: 120,
            cached_tokens: 100,
            output_tokens: 30,
            reasoning_tokens: 12,
            total_tokens: 150,
          }),
        ],
      },
    ],
    tolerated: {},
  },
  {
    name: '03_two_turns_read',
    mock: [plain('first answer', 'msg_a'), plain('second answer', 'msg_b')],
    tolerated: {
      readStateNull: 'Spindle keeps no unread markers: thread/read.readState is null (PROTOCOL.md §4.4)',
      opaqueCursors: cursors,
    },
  },
  {
    name: '04_interrupt',
    mock: [stalledMessage('msg_slow', ['one ', 'two ']), plain('ok, stopped', 'msg_after')],
    clientAborts: [0],
    tolerated: {
      turnAbortedText: 'the <turn_aborted> marker is worded by Spindle itself (PROTOCOL.md §7.4)',
    },
  },
  {
    name: '05_dynamic_tool',
    mock: [
      toolCall({ itemId: 'fc_lookup_1', callId: 'call_lookup_1', name: 'lookup_ticket', arguments: '{"id": "ABC-123"}' }),
      { events: messageTurnEvents(['Ticket ABC-123 is open ', 'and owned by kim.'], 'msg_final') },
    ],
    tolerated: {},
  },
  {
    name: '05b_dynamic_tool_edges',
    mock: [
      toolCall({ itemId: 'fc_err', callId: 'call_err', name: 'lookup_ticket', arguments: '{"id": "X-2"}' }),
      plain('lookup failed', 'msg_e2'),
      toolCall({ itemId: 'fc_ns', callId: 'call_ns', name: 'find_customer', namespace: 'crm', arguments: '{"q": "bob"}' }),
      plain('no customer named bob', 'msg_ns2'),
      // The client interrupts while this call waits for its answer.
      toolCall({ itemId: 'fc_pending', callId: 'call_pending', name: 'lookup_ticket', arguments: '{"id": "X-1"}' }),
      toolCall({ itemId: 'fc_unknown', callId: 'call_unknown', name: 'no_such_tool', arguments: '{}' }),
      plain('done', 'msg_unknown2'),
    ],
    tolerated: {
      turnAbortedText: 'the <turn_aborted> marker is worded by Spindle itself (PROTOCOL.md §7.4)',
    },
  },
  {
    name: '06_model_http_error',
    mock: [
      serverError,
      cutMessage('msg_trunc', ['partial ']),
      { events: [createdEvent('resp_failed'), failedEvent('resp_failed', 'the model had a bad day')] },
      plain('Back to normal.', 'msg_ok'),
    ],
    tolerated: {},
  },
  {
    name: '06b_model_retry',
    mock: [
      serverError,
      plain('ok after request retry', 'msg_rr'),
      { events: [createdEvent('resp_cut')] },
      plain('ok after stream retry', 'msg_sr'),
      httpErrorResponse(429, 'Rate limit reached for requests', 'requests'),
    ],
    tolerated: {
      tokenUsageResent: '0.169 re-sends the unchanged token usage before reporting a stream retry (PROTOCOL.md §7.3)',
    },
    providerRetries: { request: 2, stream: 2 },
  },
  {
    name: '07_list_archive_name',
    mock: [plain('alpha answer', 'msg_alpha'), plain('beta answer', 'msg_beta')],
    tolerated: {
      readStateNull: 'Spindle keeps no unread markers: thread/read.readState is null (PROTOCOL.md §4.4)',
      listReadStates: 'Spindle keeps no unread markers: thread/list.readStates (PROTOCOL.md §4.5)',
      opaqueCursors: cursors,
    },
  },
  {
    name: '08_fork_resume',
    mock: [plain('original answer', 'msg_orig'), plain('fork answer', 'msg_fork'), plain('resumed answer', 'msg_resumed')],
    tolerated: {
      noItemsCursor: 'Spindle has no thread/items/list, so thread/resume.itemsBackwardsCursor is null (PROTOCOL.md §4.2)',
      readStateNull: 'Spindle keeps no unread markers: thread/read.readState is null (PROTOCOL.md §4.4)',
      opaqueCursors: cursors,
    },
  },
  {
    name: '09_jsonrpc_errors',
    mock: [plain('default answer 1', 'msg_default_1')],
    tolerated: {
      unknownMethodList: "an unknown method's error lists the methods the server has; Spindle has fewer than 0.169",
    },
  },
  {
    name: '10_steer_compact',
    mock: [
      stalledMessage('msg_slow1', ['working ']),
      plain('Handled both requests.', 'msg_after_steer'),
      stalledMessage('msg_slow2', ['thinking ']),
      plain('Handled the extra input.', 'msg_after_start'),
      // The compaction request: its answer is the summary the next request carries after the preface.
      { events: messageTurnEvents(['SUMMARY: user asked three things; all handled.'], 'msg_summary') },
      plain('Still here after compaction.', 'msg_post_compact'),
    ],
    clientAborts: [0, 2],
    tolerated: {
      tokenUsageResent: '0.169 re-sends unchanged token usage at a start-or-steer and when compaction starts (README)',
      compactionEstimate: "the context size after compaction is each server's estimate over its own history",
      compactionWording: 'the compaction prompt and summary preface are worded by Spindle itself (PROTOCOL.md §8.6)',
    },
  },
  {
    name: '12_model_list',
    mock: [],
    tolerated: {},
    models: capturedCatalog(),
  },
];

/** The scenario named `name`; throws for an unknown name. */
export function scenario(name: string): Scenario {
  const found = scenarios.find((s) => s.name === name);
  if (!found) throw new Error(`no scenario ${name}`);
  return found;
}

// The SDK test bodies, written once: tests/node/sdk.test.ts runs them on the napi engine and on a child
// `spindle app-server` over stdio, tests/browser/sdk.test.ts on the wasm engine in Chromium. Each case
// gets a fresh mock Responses server scripted by its `mock`; the SDK comes in through the context.
// Only type imports from the package and Node-free helpers, so the file loads in a page as it is.

import type { Spindle, SpindleConnectOptions, SpindleTool, StoreAdapter, TurnEvent, TurnResult } from '../../ts/src/index.ts';
import type { MockResponse, RecordedRequest } from '../support/mock-responses.ts';
import { completedEvent, createdEvent, messageItemEvents, plainTurnEvents, reasoningItemEvents } from '../support/responses-events.ts';
import * as assert from './assert.ts';
import {
  call,
  collect,
  hangingMessage,
  isDelta,
  itemOfType,
  textsOf,
  toolCallResponse,
  toolOutputOf,
  types,
  waitForNotification,
  weatherSchema,
} from './helpers.ts';

/** Where a case runs: the napi engine, a child `spindle app-server`, wasm in Chromium, a real `codex app-server`. */
export type SdkTarget = 'napi' | 'stdio' | 'wasm' | 'codex';

export interface SdkConnectOptions extends SpindleConnectOptions {
  /** In-process targets only; absent is the engine's memory. */
  storage?: StoreAdapter;
}

/** What a runner hands each case. */
export interface SdkContext {
  target: SdkTarget;
  /** A Spindle on a fresh engine (a fresh child over stdio) whose model is the case's mock. */
  connect(options?: SdkConnectOptions): Promise<Spindle>;
  /** Another client of `first`'s in-process engine. */
  connectSecond(first: Spindle, options?: SpindleConnectOptions): Promise<Spindle>;
  /** Every model request the mock has received so far. */
  modelRequests(): Promise<RecordedRequest[]>;
  /** A fresh JS-object store (the package's `createMemoryStore`), for cases that share storage. */
  memoryStore(): StoreAdapter;
}

export interface SdkCase {
  name: string;
  /** Where the case applies; every target when absent. */
  targets?: SdkTarget[];
  /** The mock's answers, one per model request. */
  mock: MockResponse[];
  run(ctx: SdkContext): Promise<void>;
}

const inProcess: SdkTarget[] = ['napi', 'wasm'];

// ---- the cases --------------------------------------------------------------------------------------

export const sdkCases: SdkCase[] = [
  {
    name: 'run resolves with a TurnResult built from the turn items',
    mock: [{ events: plainTurnEvents('Hello there.') }],
    async run(ctx) {
      const spindle = await ctx.connect();
      const thread = await spindle.startThread();
      const result = await thread.run('Say hello.');

      assert.equal(result.threadId, thread.id);
      assert.equal(result.status, 'completed');
      assert.equal(result.error, null);
      assert.equal(typeof result.id, 'string');
      assert.ok(typeof result.startedAt === 'number' && typeof result.completedAt === 'number');
      assert.ok(result.completedAt >= result.startedAt);
      assert.equal(typeof result.durationMs, 'number');
      assert.equal(result.finalResponse, 'Hello there.');
      assert.deepEqual(types(result.items), ['userMessage', 'agentMessage']);
      const user = itemOfType(result.items, 'userMessage');
      assert.deepEqual(user.content, [{ type: 'text', text: 'Say hello.', text_elements: [] }]);
      assert.deepEqual(result.usage?.last, {
        totalTokens: 15,
        inputTokens: 10,
        cachedInputTokens: 0,
        cacheWriteInputTokens: 0,
        outputTokens: 5,
        reasoningOutputTokens: 0,
      });
      assert.equal(thread.activeTurnId, null);
      assert.equal(textsOf((await ctx.modelRequests())[0], 'user').at(-1), 'Say hello.');
    },
  },
  {
    name: 'runStreamed yields the turn events in protocol order, then ends',
    mock: [
      {
        events: [
          createdEvent('resp_1'),
          ...reasoningItemEvents(['Thinking it over.'], 'rs_1', 0),
          ...messageItemEvents(['Hel', 'lo'], 'msg_1', 1),
          completedEvent('resp_1'),
        ],
      },
    ],
    async run(ctx) {
      const spindle = await ctx.connect();
      const thread = await spindle.startThread();
      const stream = thread.runStreamed([{ type: 'text', text: 'Think, then greet.', text_elements: [] }]);
      const events = await collect(stream);
      const turnId = await stream.turnId;
      const result = await stream.result;

      assert.deepEqual(
        events.map((event) => event.method),
        [
          'turn/started',
          'item/started',
          'item/completed',
          'item/started',
          'item/reasoning/summaryPartAdded',
          'item/reasoning/summaryTextDelta',
          'item/completed',
          'item/started',
          'item/agentMessage/delta',
          'item/agentMessage/delta',
          'item/completed',
          'thread/tokenUsage/updated',
          'turn/completed',
        ],
      );
      for (const event of events) {
        const id = 'turn' in event.params ? event.params.turn.id : event.params.turnId;
        assert.equal(id, turnId, `${event.method} belongs to another turn`);
        assert.equal(event.params.threadId, thread.id);
      }
      const deltas = events.flatMap((event) => (event.method === 'item/agentMessage/delta' ? [event.params.delta] : []));
      assert.equal(deltas.join(''), 'Hello');
      const completed = events.flatMap((event) => (event.method === 'item/completed' ? [event.params.item] : []));
      assert.deepEqual(result.items, completed);
      assert.deepEqual(itemOfType(result.items, 'reasoning').summary, ['Thinking it over.']);
      assert.equal(result.finalResponse, 'Hello');
      assert.equal(result.id, turnId);
    },
  },
  {
    name: 'a tool handler result answers item/tool/call and reaches the model',
    mock: [
      toolCallResponse(call('lookup_weather', { city: 'Paris' }, 1)),
      toolCallResponse(call('list_sources', {}, 2)),
      { events: plainTurnEvents('It is sunny in Paris.') },
    ],
    async run(ctx) {
      const calls: unknown[] = [];
      const tools: SpindleTool[] = [
        {
          name: 'lookup_weather',
          description: 'Current weather of a city',
          parameters: weatherSchema,
          handler: async (args: { city: string }, call) => {
            calls.push({ args, call });
            return `Sunny in ${args.city}`;
          },
        },
        {
          name: 'list_sources',
          description: 'Where the weather comes from',
          parameters: { type: 'object', properties: {} },
          handler: () => [
            { type: 'inputText', text: 'met office' },
            { type: 'inputText', text: 'a window' },
          ],
        },
      ];
      const spindle = await ctx.connect({ tools });
      const thread = await spindle.startThread();
      const result = await thread.run('Weather in Paris?');

      assert.equal(result.status, 'completed');
      assert.equal(result.finalResponse, 'It is sunny in Paris.');
      assert.deepEqual(types(result.items), ['userMessage', 'dynamicToolCall', 'dynamicToolCall', 'agentMessage']);
      const [weather, sources] = result.items.filter((item) => item.type === 'dynamicToolCall');
      assert.deepEqual(
        { ...weather, startedAtMs: 0, completedAtMs: 0, durationMs: 0 },
        {
          type: 'dynamicToolCall',
          id: 'call_1',
          namespace: null,
          tool: 'lookup_weather',
          arguments: { city: 'Paris' },
          status: 'completed',
          contentItems: [{ type: 'inputText', text: 'Sunny in Paris' }],
          success: true,
          durationMs: 0,
          startedAtMs: 0,
          completedAtMs: 0,
        },
      );
      assert.equal(sources.type === 'dynamicToolCall' && sources.status, 'completed');
      assert.deepEqual(calls, [
        { args: { city: 'Paris' }, call: { threadId: thread.id, turnId: result.id, callId: 'call_1', tool: 'lookup_weather' } },
      ]);

      const requests = await ctx.modelRequests();
      assert.equal(requests.length, 3);
      const declared = (requests[0].body as { tools?: Array<{ name?: string; parameters?: unknown }> }).tools ?? [];
      // A codex app-server adds its built-in tools; the host tools must be there as declared.
      const hostTools = declared.filter((tool) => tool.name === 'lookup_weather' || tool.name === 'list_sources');
      assert.deepEqual(
        hostTools.map((tool) => [tool.name, tool.parameters]),
        [
          ['lookup_weather', weatherSchema],
          ['list_sources', { type: 'object', properties: {} }],
        ],
      );
      assert.equal(toolOutputOf(requests[1], 'call_1'), 'Sunny in Paris');
      assert.deepEqual(toolOutputOf(requests[2], 'call_2'), [
        { type: 'input_text', text: 'met office' },
        { type: 'input_text', text: 'a window' },
      ]);
    },
  },
  {
    name: 'a tool handler that throws or rejects answers success false with its message',
    mock: [
      toolCallResponse(call('explode', {}, 1)),
      toolCallResponse(call('refuse', {}, 2)),
      { events: plainTurnEvents('Both tools failed.') },
    ],
    async run(ctx) {
      const tools: SpindleTool[] = [
        {
          name: 'explode',
          description: 'Throws',
          parameters: { type: 'object' },
          handler: () => {
            throw new Error('disk is on fire');
          },
        },
        {
          name: 'refuse',
          description: 'Rejects',
          parameters: { type: 'object' },
          handler: async () => Promise.reject(new Error('quota exceeded')),
        },
      ];
      const spindle = await ctx.connect();
      // Tools given to one thread only, not to the client.
      const thread = await spindle.startThread({ tools });
      const result = await thread.run('Try both tools.');

      assert.equal(result.status, 'completed');
      const toolItems = result.items.filter((item) => item.type === 'dynamicToolCall');
      assert.deepEqual(
        toolItems.map((item) => [item.tool, item.status, item.success, item.contentItems]),
        [
          ['explode', 'failed', false, [{ type: 'inputText', text: 'disk is on fire' }]],
          ['refuse', 'failed', false, [{ type: 'inputText', text: 'quota exceeded' }]],
        ],
      );
      const requests = await ctx.modelRequests();
      assert.equal(toolOutputOf(requests[1], 'call_1'), 'disk is on fire');
      assert.equal(toolOutputOf(requests[2], 'call_2'), 'quota exceeded');
    },
  },
  {
    name: 'a call of a declared tool this client has no handler for answers success false',
    mock: [toolCallResponse(call('lookup_weather', { city: 'Oslo' }, 1)), { events: plainTurnEvents('No tool, sorry.') }],
    async run(ctx) {
      const spindle = await ctx.connect();
      // Declared on the wire, but the SDK holds no handler for it.
      const spec = { type: 'function', name: 'lookup_weather', description: 'Weather', inputSchema: weatherSchema };
      const { thread } = await spindle.client.threadStart({ dynamicTools: [spec] });
      // The typed client of this Spindle: its server requests still reach the SDK's tool dispatch.
      const result = await spindle.client.runTurn(thread.id, 'Weather in Oslo?');

      const tool = itemOfType(result.items, 'dynamicToolCall');
      assert.deepEqual([tool.status, tool.success, tool.contentItems], [
        'failed',
        false,
        [{ type: 'inputText', text: 'unsupported call: lookup_weather' }],
      ]);
      assert.equal(toolOutputOf((await ctx.modelRequests())[1], 'call_1'), 'unsupported call: lookup_weather');
    },
  },
  {
    name: 'aborting run sends turn/interrupt and resolves with status interrupted',
    mock: [hangingMessage(['one ', 'two '])],
    async run(ctx) {
      const spindle = await ctx.connect();
      const thread = await spindle.startThread();
      const controller = new AbortController();
      void waitForNotification(thread, isDelta).then(() => controller.abort());
      const result = await thread.run('Count slowly.', { signal: controller.signal });

      assert.equal(result.status, 'interrupted');
      assert.equal(result.error, null);
      // The partial agent message never completes, so only the user message is an item.
      assert.deepEqual(types(result.items), ['userMessage']);
      assert.equal(result.finalResponse, null);
      assert.equal(thread.activeTurnId, null);

      // A signal aborted before the call starts nothing and rejects with its reason.
      const aborted = AbortSignal.abort();
      const error = (await assert.rejects(thread.run('Never sent.', { signal: aborted }))) as Error;
      assert.equal(error.name, 'AbortError');
      assert.equal((await ctx.modelRequests()).length, 1);
      const read = await thread.read({ includeTurns: true });
      assert.deepEqual(
        read.turns.map((turn) => turn.status),
        ['interrupted'],
      );
    },
  },
  {
    name: 'aborting a streamed run ends its events after turn/completed interrupted',
    mock: [hangingMessage(['tick '])],
    async run(ctx) {
      const spindle = await ctx.connect();
      const thread = await spindle.startThread();
      const controller = new AbortController();
      const stream = thread.runStreamed('Tick.', { signal: controller.signal });
      const methods: string[] = [];
      for await (const event of stream) {
        methods.push(event.method);
        if (event.method === 'item/agentMessage/delta') controller.abort();
      }
      assert.deepEqual(methods.slice(0, 4), ['turn/started', 'item/started', 'item/completed', 'item/started']);
      assert.equal(methods.at(-1), 'turn/completed');
      const result = await stream.result;
      assert.equal(result.status, 'interrupted');
      assert.equal(result.id, await stream.turnId);
    },
  },
  {
    name: 'interrupt stops the active turn',
    mock: [hangingMessage(['working '])],
    async run(ctx) {
      const spindle = await ctx.connect();
      const thread = await spindle.startThread();
      const stream = thread.runStreamed('Work.');
      for await (const event of stream) {
        if (event.method === 'item/agentMessage/delta') await thread.interrupt();
      }
      const result = await stream.result;
      assert.equal(result.status, 'interrupted');
      const error = (await assert.rejects(thread.interrupt())) as Error;
      assert.match(error.message, /no active turn to interrupt/);
    },
  },
  {
    name: 'steer adds input to the running turn and restarts the model request',
    mock: [hangingMessage(['working '], 'msg_a'), { events: plainTurnEvents('Steered answer.', 'msg_b') }],
    async run(ctx) {
      const spindle = await ctx.connect();
      const thread = await spindle.startThread();
      const stream = thread.runStreamed('Start a long task.');
      let steeredInto: string | undefined;
      for await (const event of stream) {
        if (event.method === 'item/agentMessage/delta' && steeredInto === undefined) {
          steeredInto = await thread.steer('Actually, just summarise.');
        }
      }
      const result = await stream.result;

      assert.equal(steeredInto, result.id);
      assert.equal(result.status, 'completed');
      assert.deepEqual(types(result.items), ['userMessage', 'userMessage', 'agentMessage']);
      assert.equal(result.finalResponse, 'Steered answer.');
      const requests = await ctx.modelRequests();
      assert.equal(requests.length, 2);
      assert.deepEqual(textsOf(requests[1], 'user').slice(-2), ['Start a long task.', 'Actually, just summarise.']);
    },
  },
  {
    name: 'forkThread copies the history into a new thread',
    mock: [{ events: plainTurnEvents('First answer.', 'msg_1') }, { events: plainTurnEvents('Forked answer.', 'msg_2') }],
    async run(ctx) {
      const spindle = await ctx.connect();
      const thread = await spindle.startThread();
      const first = await thread.run('First question.');
      const fork = await spindle.forkThread(thread.id);

      assert.notEqual(fork.id, thread.id);
      assert.equal(fork.info.forkedFromId, thread.id);
      assert.deepEqual(
        fork.info.turns.map((turn) => turn.id),
        [first.id],
      );
      const second = await fork.run('Second question.');
      assert.equal(second.finalResponse, 'Forked answer.');
      const requests = await ctx.modelRequests();
      assert.deepEqual(textsOf(requests[1], 'user').slice(-2), ['First question.', 'Second question.']);
      assert.deepEqual(textsOf(requests[1], 'assistant'), ['First answer.']);
      const source = await spindle.readThread(thread.id, { includeTurns: true });
      assert.equal(source.turns.length, 1, 'the source thread keeps only its own turn');
    },
  },
  {
    name: 'listThreads follows nextCursor page by page',
    mock: [1, 2, 3].map((n) => ({ events: plainTurnEvents(`Answer ${n}.`, `msg_${n}`) })),
    async run(ctx) {
      const spindle = await ctx.connect();
      const ids: string[] = [];
      for (const n of [1, 2, 3]) {
        const thread = await spindle.startThread();
        await thread.run(`Question ${n}.`);
        ids.push(thread.id);
      }
      const pages = [];
      for await (const page of spindle.listThreads({ limit: 2 })) pages.push(page);
      assert.deepEqual(
        pages.map((page) => page.data.length),
        [2, 1],
      );
      assert.equal(pages.at(-1)?.nextCursor, null);
      // Newest first by default.
      assert.deepEqual(
        pages.flatMap((page) => page.data.map((thread) => thread.id)),
        [...ids].reverse(),
      );
    },
  },
  {
    name: 'setName, archive, unarchive and delete show in listThreads',
    mock: [{ events: plainTurnEvents('Done.') }],
    async run(ctx) {
      const spindle = await ctx.connect();
      const thread = await spindle.startThread();
      await thread.run('Remember this.');
      const listed = async (archived = false) => {
        const threads = [];
        for await (const page of spindle.listThreads({ archived })) threads.push(...page.data);
        return threads.map((t) => [t.id, t.name]);
      };
      await thread.setName('  Notes  ');
      assert.deepEqual(await listed(), [[thread.id, 'Notes']]);
      await thread.archive();
      assert.deepEqual(await listed(), []);
      assert.deepEqual(await listed(true), [[thread.id, 'Notes']]);
      const unarchived = await thread.unarchive();
      assert.equal(unarchived.status.type, 'notLoaded');
      assert.deepEqual(await listed(), [[thread.id, 'Notes']]);
      await thread.delete();
      assert.deepEqual(await listed(), []);
      const error = (await assert.rejects(spindle.readThread(thread.id))) as Error;
      assert.equal(error.message, `thread not loaded: ${thread.id}`);
    },
  },
  {
    name: 'compact waits for the compaction turn',
    mock: [{ events: plainTurnEvents('Long answer.', 'msg_1') }, { events: plainTurnEvents('Summary so far.', 'msg_sum') }],
    async run(ctx) {
      const spindle = await ctx.connect();
      const thread = await spindle.startThread();
      const first = await thread.run('Tell me a lot.');
      const compaction = await thread.compact();
      assert.notEqual(compaction.id, first.id);
      assert.equal(compaction.status, 'completed');
      assert.deepEqual(types(compaction.items), ['contextCompaction']);
      assert.equal((await ctx.modelRequests()).length, 2);
    },
  },
  {
    name: 'two clients on one engine see one thread events in the same order',
    targets: inProcess,
    mock: [toolCallResponse(call('lookup_weather', { city: 'Lima' }, 1)), { events: plainTurnEvents('Warm in Lima.') }],
    async run(ctx) {
      const handled: string[] = [];
      const tool = (who: string): SpindleTool => ({
        name: 'lookup_weather',
        description: 'Weather',
        parameters: weatherSchema,
        handler: (args: { city: string }) => {
          handled.push(who);
          return `Warm in ${args.city}`;
        },
      });
      const first = await ctx.connect({ tools: [tool('first')] });
      const second = await ctx.connectSecond(first, { tools: [tool('second')] });
      const thread = await first.startThread();
      const followed = await second.resumeThread(thread.id);
      const observed = followed.nextTurn();
      // Following by id from the moment `turn/started` names it misses nothing the result is built from.
      const followedById = new Promise<TurnResult>((resolve) => {
        const off = followed.onNotification((n) => {
          if (n.method !== 'turn/started') return;
          off();
          resolve(followed.followTurn(n.params.turn.id).result);
        });
      });

      const stream = thread.runStreamed('Weather in Lima?');
      const [mine, theirs] = await Promise.all([collect(stream), collect(observed)]);
      const strip = (events: TurnEvent[]) => events.map(({ method, params }) => ({ method, params }));

      assert.ok(mine.length > 0);
      assert.deepEqual(strip(theirs), strip(mine));
      assert.deepEqual(await observed.result, await stream.result);
      assert.deepEqual(await followedById, await stream.result);
      // The engine asks the client that started the turn; the other one never runs the tool.
      assert.deepEqual(handled, ['first']);
    },
  },
  {
    name: 'a second engine on the same storage lists and resumes the thread',
    targets: inProcess,
    mock: [{ events: plainTurnEvents('Stored answer.') }],
    async run(ctx) {
      const storage = ctx.memoryStore();
      const before = await ctx.connect({ storage });
      const thread = await before.startThread();
      const result = await thread.run('Keep this.');
      before.close();

      const after = await ctx.connect({ storage });
      const listed = [];
      for await (const page of after.listThreads()) listed.push(...page.data.map((t) => t.id));
      assert.deepEqual(listed, [thread.id]);
      const resumed = await after.resumeThread(thread.id);
      assert.deepEqual(
        resumed.info.turns.map((turn) => [turn.id, turn.status]),
        [[result.id, 'completed']],
      );
    },
  },
  {
    name: 'closing the connection mid-turn rejects the run with IncompleteTurnError',
    mock: [hangingMessage(['partial '])],
    async run(ctx) {
      const spindle = await ctx.connect();
      const thread = await spindle.startThread();
      const running = thread.run('Say a lot.');
      await waitForNotification(thread, isDelta);
      spindle.close();
      const error = (await assert.rejects(running)) as Error;
      assert.equal(error.name, 'IncompleteTurnError');
      assert.match(error.message, /^the connection closed before turn\/completed of turn [0-9a-f-]+ on thread [0-9a-f-]+ arrived: /);
    },
  },
];

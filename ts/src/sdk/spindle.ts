// The SDK's entry object: one initialized connection to an engine (in-process or over any Transport),
// the thread methods that hand out `Thread` objects, and the host tools it answers `item/tool/call` with.
//
// Several `Spindle`s may share one in-process engine (`Spindle.connect(first.engine)`), as two
// webviews of one extension host would: each is its own connection, resumes a thread to follow it,
// and answers tool calls only for turns it started (the engine asks the turn's owner).

import { SpindleClient } from '../client/client.js';
import type { Notification, ServerRequest } from '../client/methods.js';
import type { Transport } from '../client/transport.js';
import type { CreateEngineOptions } from '../engine.js';
import type { ClientInfo } from '../generated/ClientInfo.js';
import type { DynamicToolCallParams } from '../generated/DynamicToolCallParams.js';
import type { DynamicToolCallResponse } from '../generated/DynamicToolCallResponse.js';
import type { EngineOptions } from '../generated/EngineOptions.js';
import type { InitializeResponse } from '../generated/InitializeResponse.js';
import type { Thread as ThreadInfo } from '../generated/Thread.js';
import type { ThreadForkParams } from '../generated/ThreadForkParams.js';
import type { ThreadListParams } from '../generated/ThreadListParams.js';
import type { ThreadListResponse } from '../generated/ThreadListResponse.js';
import type { ThreadResumeParams } from '../generated/ThreadResumeParams.js';
import type { ThreadStartParams } from '../generated/ThreadStartParams.js';
import type { BindingEngine, ModelTransportAdapter, StoreCallAdapter } from '../runtime/binding.js';
import type { StoreAdapter } from '../stores/store-call.js';
import { createFetchTransport } from '../transports/fetch.js';
import { connectInProcess } from '../transports/in-process.js';
import { engineFactory } from './engine-factory.js';
import { Thread } from './thread.js';
import { answerToolCall, dynamicToolSpecs, type SpindleTool } from './tools.js';

/** The SDK's version, reported in `clientInfo` unless the host names itself. Kept equal to ts/package.json's (a test checks). */
export const SDK_VERSION = '0.1.0';

const defaultClientInfo: ClientInfo = { name: 'spindle_sdk', title: 'Spindle SDK', version: SDK_VERSION };

/** How a `Spindle` introduces itself and what it answers. */
export interface SpindleConnectOptions {
  /** `initialize.clientInfo`; its `name` becomes the threads' `originator`. */
  clientInfo?: ClientInfo;
  /** Host tools for the threads this client starts (unless `startThread` names its own). */
  tools?: SpindleTool[];
  /**
   * `initialize.capabilities.experimentalApi`. Default `true`: host tools (`dynamicTools`) and the
   * thread queue are experimental in the protocol, and a connection opts in once, at initialize,
   * before it knows which threads will use them. `false` makes both fail with the server's error.
   */
  experimentalApi?: boolean;
  /** Notification methods this connection does not want (`initialize.capabilities`). */
  optOutNotificationMethods?: string[] | null;
}

/** `Spindle.create`: an in-process engine plus the connection to it. */
export interface SpindleCreateOptions extends SpindleConnectOptions, Partial<EngineOptions> {
  /** The Responses API base URL (e.g. `https://api.openai.com/v1`); absent selects the built-in scripted model. */
  baseUrl?: string | null;
  /** Sent as a bearer token with every model request. */
  apiKey?: string | null;
  /** Another `fetch` for model requests (a proxy, a test double). */
  fetch?: typeof fetch;
  /** A model transport of the host's own; wins over `baseUrl`. */
  modelTransport?: ModelTransportAdapter | null;
  /**
   * Where threads and queued turns are kept: absent picks the entry's default (IndexedDB in a
   * browser that has it, else memory); `null` is memory.
   */
  storage?: StoreAdapter | StoreCallAdapter | null;
}

/** `thread/start` params, with host tools in place of raw `dynamicTools`. */
export interface StartThreadOptions extends Omit<ThreadStartParams, 'dynamicTools'> {
  /** This thread's tools; default: the client's `tools`. */
  tools?: SpindleTool[];
}

/** `thread/resume` params besides the id. */
export interface ResumeThreadOptions extends Omit<ThreadResumeParams, 'threadId' | 'excludeTurns'> {
  /** Leave `thread.info.turns` empty (default false). */
  excludeTurns?: boolean;
  /** Handlers for the thread's declared tools, for turns this client runs; default: the client's `tools`. */
  tools?: SpindleTool[];
}

/** `thread/fork` params besides the source id. */
export interface ForkThreadOptions extends Omit<ThreadForkParams, 'threadId'> {
  /** Handlers for the fork's tools; default: the source thread's, else the client's `tools`. */
  tools?: SpindleTool[];
}

/** One connection to a Spindle engine or another app-server. */
export class Spindle {
  /** The typed JSON-RPC client underneath, for methods the SDK does not wrap. */
  readonly client: SpindleClient;
  /** The in-process engine this connection reaches; `null` over another transport. */
  readonly engine: BindingEngine | null;
  /** What `initialize` answered (user agent, codex home, platform). */
  readonly server: InitializeResponse;
  readonly #tools: SpindleTool[];
  readonly #threadTools = new Map<string, SpindleTool[]>();

  private constructor(client: SpindleClient, engine: BindingEngine | null, server: InitializeResponse, tools: SpindleTool[]) {
    this.client = client;
    this.engine = engine;
    this.server = server;
    this.#tools = tools;
  }

  /** Creates an in-process engine (napi in Node, wasm in a browser) and connects to it. */
  static async create(options: SpindleCreateOptions = {}): Promise<Spindle> {
    const {
      clientInfo,
      tools,
      experimentalApi,
      optOutNotificationMethods,
      baseUrl,
      apiKey,
      fetch,
      modelTransport,
      storage,
      ...engineOptions
    } = options;
    const config: CreateEngineOptions = {
      options: engineOptions,
      transport: modelTransport ?? (baseUrl ? createFetchTransport({ baseUrl, apiKey, fetch }) : null),
      ...(storage === undefined ? {} : { store: storage }),
    };
    const engine = await engineFactory()(config);
    return Spindle.connect(engine, { clientInfo, tools, experimentalApi, optOutNotificationMethods });
  }

  /**
   * Connects over `target` and initializes: an in-process engine (another client of the same engine),
   * or any Transport, such as a child `spindle app-server` or `codex app-server` (`spawnTransport`).
   */
  static async connect(target: Transport | BindingEngine, options: SpindleConnectOptions = {}): Promise<Spindle> {
    const engine = isEngine(target) ? target : null;
    const client = new SpindleClient(engine ? connectInProcess(engine) : (target as Transport));
    // Answer server requests from the first message on: a tool call may come before `initialize` resolves here.
    let spindle: Spindle | undefined;
    client.onServerRequest((request) => {
      if (!spindle) throw new Error(`${request.method} arrived before initialize completed`);
      return spindle.#answerServerRequest(request);
    });
    try {
      const server = await client.initialize(options.clientInfo ?? defaultClientInfo, {
        experimentalApi: options.experimentalApi ?? true,
        optOutNotificationMethods: options.optOutNotificationMethods ?? null,
      });
      spindle = new Spindle(client, engine, server, options.tools ?? []);
      return spindle;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** `thread/start`: a new thread with this client's tools (or `options.tools`). */
  async startThread(options: StartThreadOptions = {}): Promise<Thread> {
    const { tools, ...params } = options;
    const declared = tools ?? this.#tools;
    const { thread } = await this.client.threadStart({
      ...params,
      // Sent only when there are tools: `dynamicTools` is experimental, even empty.
      ...(declared.length > 0 ? { dynamicTools: dynamicToolSpecs(declared) } : {}),
    });
    if (tools) this.#threadTools.set(thread.id, tools);
    return new Thread(this.client, thread);
  }

  /** `thread/resume`: loads a stored thread, or subscribes this connection to a loaded one. */
  async resumeThread(threadId: string, options: ResumeThreadOptions = {}): Promise<Thread> {
    const { tools, excludeTurns = false, ...params } = options;
    const { thread } = await this.client.request('thread/resume', { ...params, threadId, excludeTurns });
    if (tools) this.#threadTools.set(thread.id, tools);
    return new Thread(this.client, thread);
  }

  /** `thread/fork`: a new thread with the source's history (through `lastTurnId` when given). */
  async forkThread(threadId: string, options: ForkThreadOptions = {}): Promise<Thread> {
    const { tools, ...params } = options;
    const { thread } = await this.client.request('thread/fork', { ...params, threadId });
    const handlers = tools ?? this.#threadTools.get(threadId);
    if (handlers) this.#threadTools.set(thread.id, handlers);
    return new Thread(this.client, thread);
  }

  /** `thread/list`, page after page following `nextCursor` until the last page. */
  async *listThreads(params: ThreadListParams = {}): AsyncGenerator<ThreadListResponse, void, undefined> {
    let cursor = params.cursor ?? null;
    for (;;) {
      const page = await this.client.request('thread/list', { ...params, cursor });
      yield page;
      if (page.nextCursor === null) return;
      // A server that hands back the cursor it was given would keep this loop going forever.
      if (page.nextCursor === cursor) throw new Error(`thread/list returned the same nextCursor it was given: ${cursor}`);
      cursor = page.nextCursor;
    }
  }

  /** `thread/read`: a thread, loaded or only stored, without subscribing to it. */
  async readThread(threadId: string, options: { includeTurns?: boolean } = {}): Promise<ThreadInfo> {
    const { thread } = await this.client.request('thread/read', { threadId, includeTurns: options.includeTurns ?? false });
    return thread;
  }

  /** Calls `listener` with every notification this connection receives; returns an unsubscribe function. */
  onNotification(listener: (notification: Notification) => void): () => void {
    return this.client.onNotification(listener);
  }

  /** Closes the connection (a child app-server then exits); running turns' results reject. */
  close(): void {
    this.client.close();
  }

  #answerServerRequest(request: ServerRequest): Promise<DynamicToolCallResponse> {
    if (request.method !== 'item/tool/call') {
      // The client turns this into a JSON-RPC error, so the server never waits on an unanswered request.
      throw new Error(`the Spindle SDK does not answer ${request.method}`);
    }
    const params = request.params as DynamicToolCallParams;
    return answerToolCall(this.#threadTools.get(params.threadId) ?? this.#tools, params);
  }
}

function isEngine(target: Transport | BindingEngine): target is BindingEngine {
  return typeof (target as Partial<BindingEngine>).connect === 'function' && typeof (target as Partial<Transport>).send !== 'function';
}

// The typed JSON-RPC client over any Transport: requests and their answers, notifications, server
// requests, and thin thread/turn helpers. Protocol rules live in the core; this only adds convenience.

import type { ClientInfo } from '../generated/ClientInfo.js';
import type { InitializeCapabilities } from '../generated/InitializeCapabilities.js';
import type { InitializeResponse } from '../generated/InitializeResponse.js';
import type { JsonRpcError } from '../generated/JsonRpcError.js';
import type { RequestId } from '../generated/RequestId.js';
import type { ThreadStartParams } from '../generated/ThreadStartParams.js';
import type { ThreadStartResponse } from '../generated/ThreadStartResponse.js';
import type { TurnStartParams } from '../generated/TurnStartParams.js';
import type { TurnStartResponse } from '../generated/TurnStartResponse.js';
import type { UserInput } from '../generated/UserInput.js';
import type { ClientMethod, Notification, ParamsOf, ResultOf, ServerRequest } from './methods.js';
import { Listeners, type Transport } from './transport.js';
import { startTurn, toUserInputs, type TurnResult } from './turn.js';

/** A JSON-RPC error answer (or a lost connection, code -32000), as a rejection. */
export class RequestError extends Error implements JsonRpcError {
  readonly code: number;
  readonly data?: JsonRpcError['data'];

  constructor(
    error: JsonRpcError,
    /** The method of the request that failed. */
    readonly method?: string,
  ) {
    super(error.message);
    this.name = 'RequestError';
    this.code = error.code;
    if (error.data !== undefined) this.data = error.data;
  }
}

/** Answers a server request; its return value (or resolved value) becomes the `result`. */
export type ServerRequestHandler = (request: ServerRequest) => unknown;

interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** Drives one server (an in-process engine or a child app-server) over a Transport. */
export class SpindleClient {
  readonly #transport: Transport;
  readonly #pending = new Map<RequestId, Pending>();
  readonly #notifications = new Listeners<[Notification]>();
  readonly #closed = new Listeners<[Error]>();
  #serverRequestHandler: ServerRequestHandler | undefined;
  #nextId = 1;
  #closedError: Error | undefined;
  readonly #detach: Array<() => void> = [];

  constructor(transport: Transport) {
    this.#transport = transport;
    this.#detach.push(transport.onMessage((text) => this.#receive(text)));
    const onClose = transport.onClose?.((error) => this.#fail(error ?? new Error('the server closed the connection')));
    if (onClose) this.#detach.push(onClose);
  }

  /** Sends client request `method` and resolves with its result; a JSON-RPC error rejects with a `RequestError`. */
  request<M extends ClientMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    return this.rawRequest(method, params) as Promise<ResultOf<M>>;
  }

  /** `request` for methods the generated types do not know yet (or another server's extensions). */
  rawRequest(method: string, params: unknown = {}): Promise<unknown> {
    if (this.#closedError) return Promise.reject(this.#closedError);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { method, resolve, reject });
      try {
        this.#transport.send(JSON.stringify({ id, method, params }));
      } catch (error) {
        this.#pending.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Sends a client notification (the protocol has one: `initialized`). */
  notify(method: string, params?: unknown): void {
    this.#transport.send(JSON.stringify(params === undefined ? { method } : { method, params }));
  }

  /** `initialize`, then the `initialized` notification. */
  async initialize(clientInfo: ClientInfo, capabilities: InitializeCapabilities | null = null): Promise<InitializeResponse> {
    const response = await this.request('initialize', { clientInfo, capabilities });
    this.notify('initialized');
    return response;
  }

  /** Calls `listener` with every server notification; returns an unsubscribe function. */
  onNotification(listener: (notification: Notification) => void): () => void {
    return this.#notifications.add(listener);
  }

  /** Why the client stopped (closed, or its transport went away); `undefined` while it runs. */
  get closedError(): Error | undefined {
    return this.#closedError;
  }

  /** Calls `listener` once if the transport goes away; pending requests have been rejected by then. */
  onClose(listener: (error: Error) => void): () => void {
    return this.#closed.add(listener);
  }

  /**
   * Sets the handler that answers server requests such as `item/tool/call`. Without one, or when
   * it throws, the server gets a JSON-RPC error reply so its turn does not wait forever.
   */
  onServerRequest(handler: ServerRequestHandler): () => void {
    this.#serverRequestHandler = handler;
    return () => {
      if (this.#serverRequestHandler === handler) this.#serverRequestHandler = undefined;
    };
  }

  /** `thread/start`. */
  threadStart(params: ThreadStartParams = {}): Promise<ThreadStartResponse> {
    return this.request('thread/start', params);
  }

  /** `turn/start`. */
  turnStart(params: TurnStartParams): Promise<TurnStartResponse> {
    return this.request('turn/start', params);
  }

  /**
   * Starts a turn and resolves on its `turn/completed` with the result built from its notifications
   * (see `startTurn` for the events and an AbortSignal). A string input is one text input.
   */
  runTurn(
    threadId: string,
    input: string | UserInput[],
    params: Omit<TurnStartParams, 'threadId' | 'input'> = {},
  ): Promise<TurnResult> {
    return startTurn(this, { ...params, threadId, input: toUserInputs(input) }, { events: false }).result;
  }

  /** Stops listening and closes the transport; pending requests reject. */
  close(): void {
    this.#fail(new Error('the client was closed'));
    this.#transport.close();
  }

  #receive(text: string): void {
    let message: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return;
      message = parsed as Record<string, unknown>;
    } catch {
      return;
    }
    const { id, method } = message;
    const hasId = typeof id === 'number' || typeof id === 'string';
    if (typeof method === 'string') {
      if (hasId) void this.#answer({ id, method, params: message.params });
      else this.#notifications.emit(message as unknown as Notification);
      return;
    }
    if (!hasId) return;
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if ('error' in message) {
      pending.reject(new RequestError(toRpcError(message.error), pending.method));
    } else {
      pending.resolve(message.result);
    }
  }

  async #answer(request: ServerRequest): Promise<void> {
    const handler = this.#serverRequestHandler;
    let reply: object;
    if (!handler) {
      reply = { id: request.id, error: { code: -32601, message: `no handler for server request ${request.method}` } };
    } else {
      try {
        reply = { id: request.id, result: (await handler(request)) ?? null };
      } catch (error) {
        reply = { id: request.id, error: { code: -32603, message: error instanceof Error ? error.message : String(error) } };
      }
    }
    if (this.#closedError) return;
    try {
      this.#transport.send(JSON.stringify(reply));
    } catch {
      // The connection closed while the handler ran; nobody is left to answer.
    }
  }

  #fail(error: Error): void {
    if (this.#closedError) return;
    this.#closedError = error;
    for (const detach of this.#detach.splice(0)) detach();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const entry of pending) entry.reject(new RequestError({ code: -32000, message: error.message }, entry.method));
    this.#closed.emit(error);
    this.#closed.clear();
  }
}

function toRpcError(value: unknown): JsonRpcError {
  if (typeof value === 'object' && value !== null) {
    const { code, message, data } = value as Partial<JsonRpcError>;
    return {
      code: typeof code === 'number' ? code : -32603,
      message: typeof message === 'string' ? message : JSON.stringify(value),
      ...(data !== undefined ? { data } : {}),
    };
  }
  return { code: -32603, message: String(value) };
}

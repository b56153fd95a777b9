// The surface both bindings (napi in Node, wasm in a browser) expose, and the adapters they call.
// One wire everywhere: messages cross as JSON text, one JSON-RPC message per call.

/** The host's model HTTP, as the bindings call it. `createFetchTransport` builds one on `fetch`. */
export interface ModelTransportAdapter {
  /** POSTs a request (JSON `ModelRequest`: id, path, headers, body); resolves with JSON `ModelResponseHead` ({status, headers}). */
  post(requestJson: string): Promise<string>;
  /** The next body chunk of request `id`, or `null` at its end. */
  read(id: number): Promise<Uint8Array | null>;
  /** Aborts request `id` (turn/interrupt, turn/steer). */
  cancel(id: number): void;
}

/** A storage adapter reduced to one call: `op` is the operation, `argsJson` a JSON array of its arguments. */
export interface StoreCallAdapter {
  /** Runs operation `op` with the JSON array `argsJson`; resolves with the JSON of its answer. */
  call(op: string, argsJson: string): Promise<string>;
}

/**
 * A store that lives inside the Node addon (memory, or SQLite in a directory): the engine uses it
 * directly as its thread store and queue store, with no JS in between, and `call` answers the same
 * store call protocol, so JS can drive it too. Only the napi binding has them.
 */
export interface NativeStore extends StoreCallAdapter {
  /** SQLite's integrity check: `ok` when the file is sound (always `ok` in memory). */
  integrityCheck(): Promise<string>;
}

/** A connection to an in-process engine. */
export interface BindingConnection {
  /** Hands one JSON-RPC message to the engine; throws only when the connection is closed. */
  send(text: string): void;
  /** Ends the connection; the engine drops its subscriptions. */
  close(): void;
}

/** An in-process engine. */
export interface BindingEngine {
  /** Opens a connection; `onMessage` receives each message the engine sends it, as JSON text. */
  connect(onMessage: (message: string) => void): BindingConnection;
  /** Loaded threads no open connection is subscribed to and that run no turn: what the host may unload. */
  unsubscribedThreads(): Promise<string[]>;
  /**
   * Unloads such a thread; every initialized connection then gets `thread/status/changed` (notLoaded) and
   * `thread/closed`. Resolves `false` when the thread is not loaded, has a subscriber or runs a turn.
   */
  unloadThread(threadId: string): Promise<boolean>;
}

/** What both bindings' `Engine` constructors take; a `NativeStore` only reaches the napi one. */
export interface BindingEngineConstructor {
  new (optionsJson: string, transport: ModelTransportAdapter | null, store: StoreCallAdapter | NativeStore | null): BindingEngine;
}

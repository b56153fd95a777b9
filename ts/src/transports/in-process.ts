// A Transport over an in-process engine (napi in Node, wasm in a browser): no process, no framing.

import type { Transport } from '../client/transport.js';
import { Listeners } from '../client/transport.js';
import type { BindingEngine } from '../runtime/binding.js';
import { InFlight, KeepAlive } from './in-flight.js';

/** An in-process Transport that also tells when the engine owes it nothing. */
export interface InProcessTransport extends Transport {
  /** True when no request awaits its answer and no turn is in progress. */
  readonly idle: boolean;
  /** Resolves once `idle` (at once if it already is). */
  whenIdle(): Promise<void>;
}

/**
 * Opens a connection to `engine` and exposes it as a Transport. While a request or a turn is under
 * way it holds Node's event loop open, as a pending socket would; idle or closed, it does not.
 */
export function connectInProcess(engine: BindingEngine): InProcessTransport {
  const messages = new Listeners<[string]>();
  const idleWaiters = new Listeners<[]>();
  const keepAlive = new KeepAlive();
  const inFlight = new InFlight((idle) => {
    keepAlive.busy = !idle;
    if (idle) {
      idleWaiters.emit();
      idleWaiters.clear();
    }
  });
  const connection = engine.connect((message) => {
    inFlight.received(message);
    messages.emit(message);
  });
  return {
    send(message) {
      // Counted before sending, so an answer can never arrive ahead of its request's count.
      inFlight.sent(message);
      try {
        connection.send(message);
      } catch (error) {
        keepAlive.busy = false;
        throw error;
      }
    },
    onMessage: (listener) => messages.add(listener),
    close() {
      connection.close();
      keepAlive.busy = false;
      messages.clear();
    },
    get idle() {
      return inFlight.idle;
    },
    whenIdle: () => (inFlight.idle ? Promise.resolve() : new Promise<void>((resolve) => void idleWaiters.add(resolve))),
  };
}

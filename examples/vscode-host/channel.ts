// The message passing between the extension host and its webviews: JSON-RPC text over a MessagePort,
// the way a VS Code extension relays it with `webview.postMessage` / `onDidReceiveMessage`.

import type { MessagePort } from 'node:worker_threads';

import { connectInProcess, type BindingEngine, type Transport } from 'spindle';

/**
 * Host half: gives the webview at the other end of `port` its own connection to `engine` and relays
 * messages both ways until the port closes.
 */
export function serveWebview(engine: BindingEngine, port: MessagePort): void {
  const connection = connectInProcess(engine);
  const stopRelay = connection.onMessage((text) => port.postMessage(text));
  port.on('message', (data: unknown) => {
    // A webview may post anything; only text goes to the engine, which answers bad JSON-RPC itself.
    if (typeof data !== 'string') return;
    try {
      connection.send(data);
    } catch {
      port.close();
    }
  });
  port.once('close', () => {
    stopRelay();
    connection.close();
  });
}

/** Webview half: a Transport over `port`, for `Spindle.connect`. */
export function portTransport(port: MessagePort): Transport {
  const listeners = new Set<(message: string) => void>();
  const closeListeners = new Set<(error?: Error) => void>();
  port.on('message', (data: unknown) => {
    if (typeof data === 'string') for (const listener of [...listeners]) listener(data);
  });
  port.once('close', () => {
    for (const listener of [...closeListeners]) listener(new Error('the extension host closed the channel'));
  });
  return {
    send: (message) => port.postMessage(message),
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => port.close(),
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
  };
}

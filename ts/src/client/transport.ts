// The Transport seam: how a client reaches a server, whether in-process or over a child's stdio.

/** Carries JSON-RPC messages to and from one server, one message per call, as JSON text. */
export interface Transport {
  /** Sends one message. */
  send(message: string): void;
  /** Calls `listener` with every message the server sends; returns an unsubscribe function. */
  onMessage(listener: (message: string) => void): () => void;
  /** Ends the connection. */
  close(): void;
  /**
   * Optional: calls `listener` once when the server side goes away by itself (a child process
   * exiting), so a client can fail what is still waiting instead of hanging.
   */
  onClose?(listener: (error?: Error) => void): () => void;
}

/** A listener set shared by the transports; a throwing listener must not starve the others. */
export class Listeners<T extends unknown[]> {
  readonly #listeners = new Set<(...args: T) => void>();

  add(listener: (...args: T) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(...args: T): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(...args);
      } catch (error) {
        // Surface the bug without breaking delivery to the other listeners.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}

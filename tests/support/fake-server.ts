// A Transport whose server side a test plays by hand: what the client sent, parsed, and a way to reply.
import type { Transport } from '../../ts/src/client/index.ts';

export interface FakeServer {
  transport: Transport;
  /** Every message the client sent, parsed, in order. */
  toServer: Array<Record<string, unknown>>;
  /** Delivers `message` to the client as the server would. */
  reply(message: object): void;
}

export function fakeServer(): FakeServer {
  const toServer: Array<Record<string, unknown>> = [];
  const listeners = new Set<(message: string) => void>();
  const transport: Transport = {
    send: (message) => void toServer.push(JSON.parse(message) as Record<string, unknown>),
    onMessage: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {},
  };
  const reply = (message: object) => {
    for (const listener of [...listeners]) listener(JSON.stringify(message));
  };
  return { transport, toServer, reply };
}

/** Lets queued callbacks (answers to server requests) run. */
export const tick = () => new Promise((resolve) => setImmediate(resolve));

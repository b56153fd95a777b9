// Collects what an engine sends and waits for the message a test needs, with a timeout that shows what arrived.

export type Message = Record<string, unknown>;

export interface Inbox {
  /** Every message received, parsed, in arrival order. */
  readonly messages: Message[];
  /** Feeds one message (JSON text as `onMessage` gets it, or an already parsed object). */
  push(message: string | Message): void;
  /** The first message since `from` (an index into `messages`) that matches, waiting up to `timeoutMs`. */
  waitFor(predicate: (message: Message) => boolean, options?: { from?: number; timeoutMs?: number }): Promise<Message>;
  /** The response or error response to request `id`. */
  response(id: number | string, timeoutMs?: number): Promise<Message>;
  /** The next notification `method` since `from`. */
  notification(method: string, options?: { from?: number; timeoutMs?: number }): Promise<Message>;
}

interface Waiter {
  predicate: (message: Message) => boolean;
  from: number;
  resolve: (message: Message) => void;
}

/** An inbox to hand to `engine.connect(inbox.push)`. */
export function createInbox(defaultTimeoutMs = 10_000): Inbox {
  const messages: Message[] = [];
  const waiters = new Set<Waiter>();

  const push = (message: string | Message): void => {
    const parsed = typeof message === 'string' ? (JSON.parse(message) as Message) : message;
    messages.push(parsed);
    for (const waiter of waiters) {
      if (messages.length - 1 >= waiter.from && waiter.predicate(parsed)) {
        waiters.delete(waiter);
        waiter.resolve(parsed);
      }
    }
  };

  const waitFor: Inbox['waitFor'] = (predicate, { from = 0, timeoutMs = defaultTimeoutMs } = {}) => {
    const found = messages.slice(from).find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        const tail = messages.slice(-8).map((m) => JSON.stringify(m)).join('\n  ');
        reject(new Error(`no matching message within ${timeoutMs} ms; last received:\n  ${tail || '(nothing)'}`));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        from,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      };
      waiters.add(waiter);
    });
  };

  return {
    messages,
    push,
    waitFor,
    response: (id, timeoutMs) =>
      waitFor((m) => m.id === id && ('result' in m || 'error' in m) && !('method' in m), { timeoutMs }),
    notification: (method, options) => waitFor((m) => m.method === method && !('id' in m), options),
  };
}

/** Rejects with `label` if `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// A single-consumer async queue: producers push as messages arrive, one `for await` drains it.

/** Events pushed before anyone iterates are kept; `end` finishes the iteration, `fail` rejects it. */
export class EventQueue<T> implements AsyncIterable<T> {
  readonly #buffer: T[] = [];
  #waiting: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void } | undefined;
  #ended = false;
  #error: { reason: unknown } | undefined;
  // Set when the consumer stops early (`break`): later pushes are dropped, not buffered forever.
  #abandoned = false;
  #iterating = false;

  push(value: T): void {
    if (this.#ended || this.#abandoned) return;
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      waiting.resolve({ value, done: false });
    } else {
      this.#buffer.push(value);
    }
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#settleWaiting();
  }

  fail(reason: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = { reason };
    this.#settleWaiting();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    // Two consumers would each see half the events; say so rather than split them silently.
    if (this.#iterating) throw new Error('this event stream is already being iterated');
    this.#iterating = true;
    return {
      next: () => this.#next(),
      return: async () => {
        this.#abandoned = true;
        this.#buffer.length = 0;
        return { value: undefined, done: true };
      },
    };
  }

  #next(): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) return Promise.resolve({ value: this.#buffer.shift() as T, done: false });
    if (this.#error) return Promise.reject(this.#error.reason);
    if (this.#ended || this.#abandoned) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  #settleWaiting(): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    this.#waiting = undefined;
    if (this.#error) waiting.reject(this.#error.reason);
    else waiting.resolve({ value: undefined, done: true });
  }
}

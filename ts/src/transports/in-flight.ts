// Tracks whether a connection still has work under way (requests awaiting their answer, turns in
// progress), so a Node host can stay alive exactly as long as the engine owes it messages.
//
// Why: the napi addon calls back through weak threadsafe functions (TOOLCHAIN pitfall 6), which do
// not keep Node's event loop alive, so `await client.runTurn(…)` in a script, or the stdio server
// after stdin ends, would let the process exit mid-turn. This watches the wire only; the core decides.

/** Counts in-flight work from the messages crossing one connection. */
export class InFlight {
  readonly #unanswered = new Map<string, number>();
  readonly #activeTurns = new Set<string>();
  readonly #onChange: (idle: boolean) => void;

  /** `onChange` runs whenever idleness may have changed. */
  constructor(onChange: (idle: boolean) => void = () => {}) {
    this.#onChange = onChange;
  }

  /** True when nothing is awaited. */
  get idle(): boolean {
    return this.#unanswered.size === 0 && this.#activeTurns.size === 0;
  }

  /** Notes a message the client sends. Only requests the server will answer count: no `"id": null`, no invalid JSON (transcript 09). */
  sent(text: string): void {
    const message = parseObject(text);
    if (message && typeof message.method === 'string' && isId(message.id)) {
      bump(this.#unanswered, JSON.stringify(message.id), 1);
      this.#onChange(this.idle);
    }
  }

  /** Notes a message the server sends. */
  received(text: string): void {
    // Every message of a streamed turn passes here, so the common cases are read without parsing
    // the whole text. The engine writes compact JSON, notifications as `{"method":"…",…}` and
    // results as `{"id":…,"result":…}`; anything else takes the general path below.
    const method = leadingString(text, METHOD_PREFIX);
    if (method !== undefined && method !== 'turn/started' && method !== 'turn/completed') return;
    const answered = method === undefined ? leadingInteger(text, RESULT_PREFIX) : undefined;
    if (answered !== undefined && !text.includes(TURN_OBJECT)) {
      bump(this.#unanswered, answered, -1);
      this.#onChange(this.idle);
      return;
    }
    const message = parseObject(text);
    if (!message) return;
    if (typeof message.method === 'string') {
      const turnId = (message.params as { turn?: { id?: unknown } } | undefined)?.turn?.id;
      if (typeof turnId !== 'string') return;
      if (message.method === 'turn/started') this.#activeTurns.add(turnId);
      else if (message.method === 'turn/completed') this.#activeTurns.delete(turnId);
      else return;
    } else if (isId(message.id)) {
      bump(this.#unanswered, JSON.stringify(message.id), -1);
      // turn/start answers before `turn/started`; without this the gap between them looks idle.
      const turn = (message.result as { turn?: { id?: unknown; status?: unknown } } | undefined)?.turn;
      if (typeof turn?.id === 'string' && turn.status === 'inProgress') this.#activeTurns.add(turn.id);
    } else {
      return;
    }
    this.#onChange(this.idle);
  }
}

/** Holds the event loop open (a ref'd timer) while `busy`; a no-op cost in browsers. */
export class KeepAlive {
  #timer: ReturnType<typeof setInterval> | undefined;

  set busy(busy: boolean) {
    if (busy && this.#timer === undefined) {
      this.#timer = setInterval(() => {}, 1 << 30);
    } else if (!busy && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

const METHOD_PREFIX = '{"method":"';
const RESULT_PREFIX = '{"id":';
/** What a result that may start a turn contains (`{"turn":{…}}`); any other result has no `turn` object. */
const TURN_OBJECT = '"turn":{';

/** The string right after `prefix` at the start of `text` (no escapes, as method names have none). */
function leadingString(text: string, prefix: string): string | undefined {
  if (!text.startsWith(prefix)) return undefined;
  const end = text.indexOf('"', prefix.length);
  return end < 0 ? undefined : text.slice(prefix.length, end);
}

/**
 * The integer id of a result `{"id":<n>,"result":…}`, as `JSON.stringify` writes it (the key
 * `sent` counts under); `undefined` for string ids and integers a double cannot hold exactly.
 */
function leadingInteger(text: string, prefix: string): string | undefined {
  if (!text.startsWith(prefix)) return undefined;
  const end = text.indexOf(',', prefix.length);
  if (end < 0 || end - prefix.length > 15 || !text.startsWith('"result":', end + 1)) return undefined;
  const digits = text.slice(prefix.length, end);
  return /^(0|-?[1-9][0-9]*)$/.test(digits) ? digits : undefined;
}

function bump(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}

function isId(value: unknown): value is number | string {
  return typeof value === 'number' || typeof value === 'string';
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

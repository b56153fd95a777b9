// The process tests/node/load.test.ts runs (with --expose-gc): one napi engine on the mock Responses
// server, many SDK connections running turns with a host tool call each on many threads at once, while
// other connections follow some threads and unsubscribe from them midway. Every message each connection
// receives is checked as it arrives (so nothing is kept that would hold memory). The load runs twice: the
// first run is the warm-up, after which (connections closed, threads unloaded and deleted) the baseline RSS
// is taken; the process then prints one JSON report of the second run: what ran, every rule broken (in
// either run), and RSS at the baseline, at the peak and after.
//
// Usage: node --expose-gc --import tsx load-child.ts <mockBaseUrl> <config JSON (LoadConfig)>
import { createEngine } from '../../ts/src/index.ts';
import type { BindingEngine } from '../../ts/src/runtime/binding.ts';
import { Spindle } from '../../ts/src/sdk/index.ts';
import type { SpindleTool } from '../../ts/src/sdk/tools.ts';
import { createFetchTransport } from '../../ts/src/transports/fetch.ts';

/** The shape of one load run. */
export interface LoadConfig {
  connections: number;
  threadsPerConnection: number;
  turnsPerThread: number;
  /** Threads of the next connection each connection follows; it unsubscribes from half of them midway. */
  followed: number;
}

/** What the child prints. */
export interface LoadReport {
  turnsCompleted: number;
  toolCalls: number;
  notifications: number;
  /** Notifications followers heard about threads they did not start, and turns they saw end there. */
  followerNotifications: number;
  followerTurns: number;
  unsubscribed: number;
  unloaded: number;
  broken: string[];
  rss: { baseline: number; peak: number; after: number };
  /** V8's used heap after a full GC, at the baseline and after: JS objects that outlive the load. */
  heapUsed: { baseline: number; after: number };
  elapsedMs: number;
}

const [baseUrl, configJson] = process.argv.slice(2);
if (!baseUrl || !configJson) throw new Error('usage: load-child.ts <mockBaseUrl> <config JSON>');
const config = JSON.parse(configJson) as LoadConfig;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const broken: string[] = [];
const counts = { notifications: 0, followerNotifications: 0, followerTurns: 0, toolCalls: 0 };

/** What one connection has heard about one thread, checked message by message. */
class ThreadOrder {
  /** The running turn; unknown for a follower until it hears a turn begin or end. */
  active: string | null = null;
  known: boolean;
  readonly openItems = new Set<string>();
  turnsEnded = 0;
  /** The answer to this connection's `thread/unsubscribe` has arrived: nothing more may. */
  unsubscribed = false;

  constructor(readonly where: string, readonly started: boolean) {
    this.known = started;
  }

  hear(method: string, params: Record<string, unknown>): void {
    if (this.unsubscribed) return this.fail(`${method} after the connection unsubscribed`);
    const turnId = (params.turnId as string | undefined) ?? (params.turn as { id?: string } | undefined)?.id;
    if (method === 'turn/started') {
      if (this.known && this.active !== null) this.fail(`turn ${turnId} started inside turn ${this.active}`);
      this.active = turnId ?? null;
      this.known = true;
      this.openItems.clear();
      return;
    }
    if (turnId === undefined) return;
    if (!this.known) {
      // A follower that subscribed mid-turn: this turn's earlier messages went by before.
      this.known = true;
      this.active = turnId;
    } else if (turnId !== this.active) {
      return this.fail(`${method} of turn ${turnId} while ${this.active ?? 'no turn'} runs`);
    }
    const itemId = (params.item as { id?: string } | undefined)?.id ?? (params.itemId as string | undefined);
    if (method === 'item/started' && itemId) this.openItems.add(itemId);
    else if (method === 'item/completed' && itemId) this.openItems.delete(itemId);
    else if (method.startsWith('item/') && itemId && !this.openItems.has(itemId) && this.started) {
      this.fail(`${method} of item ${itemId} outside its item/started … item/completed`);
    }
    if (method === 'turn/completed') {
      if (this.openItems.size > 0) this.fail(`turn ${turnId} completed with items still open: ${[...this.openItems].join(', ')}`);
      const status = (params.turn as { status?: string }).status;
      if (this.started && status !== 'completed') this.fail(`turn ${turnId} ended ${status}`);
      this.active = null;
      this.turnsEnded += 1;
    }
  }

  fail(what: string): void {
    if (broken.length < 50) broken.push(`${this.where}: ${what}`);
  }
}

/** One connection's view: per-thread order, and which of its requests was a `thread/unsubscribe`. */
class Heard {
  readonly threads = new Map<string, ThreadOrder>();
  readonly unsubscribing = new Map<number, string>();

  constructor(readonly name: string) {}

  follow(threadId: string, started: boolean): void {
    this.threads.set(threadId, new ThreadOrder(`${this.name} on ${threadId}`, started));
  }

  sent(text: string): void {
    const message = JSON.parse(text) as { id?: number; method?: string; params?: { threadId?: string } };
    if (message.method === 'thread/unsubscribe' && message.id !== undefined && message.params?.threadId) {
      this.unsubscribing.set(message.id, message.params.threadId);
    }
  }

  received(text: string): void {
    const message = JSON.parse(text) as { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown };
    if (message.method === undefined) {
      const threadId = message.id === undefined ? undefined : this.unsubscribing.get(message.id);
      const order = threadId === undefined ? undefined : this.threads.get(threadId);
      if (order && (message.result as { status?: string } | undefined)?.status === 'unsubscribed') order.unsubscribed = true;
      return;
    }
    if (message.id !== undefined) return; // a server request (item/tool/call), answered by the SDK
    counts.notifications += 1;
    const threadId = message.params?.threadId as string | undefined;
    if (threadId === undefined) return;
    const order = this.threads.get(threadId);
    if (!order) {
      if (broken.length < 50) broken.push(`${this.name}: ${message.method} of ${threadId}, a thread it never subscribed to`);
      return;
    }
    if (!order.started) counts.followerNotifications += 1;
    order.hear(message.method, message.params ?? {});
  }
}

/** The engine as the SDK sees it, with every message of every connection going through `Heard` first. */
function listened(engine: BindingEngine, heard: Heard): BindingEngine {
  return {
    connect(onMessage) {
      const connection = engine.connect((text) => {
        heard.received(text);
        onMessage(text);
      });
      return {
        send(text) {
          heard.sent(text);
          connection.send(text);
        },
        close: () => connection.close(),
      };
    },
    unsubscribedThreads: () => engine.unsubscribedThreads(),
    unloadThread: (threadId) => engine.unloadThread(threadId),
  };
}

const lookup: SpindleTool<{ n: number }> = {
  name: 'lookup',
  description: 'Looks a number up.',
  parameters: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
  handler: ({ n }) => {
    counts.toolCalls += 1;
    return `looked up ${n}`;
  },
};

/** Lets the engine's tasks wind down (closed connections, unloaded actors) before a measurement. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2_000));
}

function rss(): number {
  gc!();
  gc!();
  return process.memoryUsage().rss;
}

/** Runs `config` on `engine`; returns how many turns completed and what was unsubscribed. */
async function load(engine: BindingEngine, config: LoadConfig, tag: string): Promise<{ turns: number; unsubscribed: number }> {
  const heard = Array.from({ length: config.connections }, (_, i) => new Heard(`${tag} connection ${i}`));
  const clients = await Promise.all(
    heard.map((h) => Spindle.connect(listened(engine, h), { clientInfo: { name: 'load', title: null, version: '1' }, tools: [lookup] })),
  );
  const threads = await Promise.all(
    clients.map(async (client, i) => {
      const own = [];
      for (let t = 0; t < config.threadsPerConnection; t += 1) {
        const thread = await client.startThread();
        heard[i]!.follow(thread.id, true);
        own.push(thread);
      }
      return own;
    }),
  );
  // Each connection follows the first threads of the next one.
  const followers = await Promise.all(
    clients.map(async (client, i) => {
      const next = (i + 1) % clients.length;
      const followed = threads[next]!.slice(0, config.followed);
      for (const thread of followed) heard[i]!.follow(thread.id, false);
      return Promise.all(followed.map((thread) => client.resumeThread(thread.id, { excludeTurns: true })));
    }),
  );
  let turns = 0;
  let unsubscribed = 0;
  const midway = Math.ceil(config.turnsPerThread / 2);
  await Promise.all(
    threads.flatMap((own, i) =>
      own.map(async (thread, t) => {
        for (let turn = 1; turn <= config.turnsPerThread; turn += 1) {
          const result = await thread.run(`connection ${i} thread ${t} turn ${turn}`);
          const tool = result.items.find((item) => item.type === 'dynamicToolCall');
          if (result.status !== 'completed' || !tool || result.finalResponse === null) {
            broken.push(`${tag} connection ${i} thread ${t} turn ${turn}: ${result.status}, items ${result.items.map((item) => item.type).join(',')}`);
          }
          turns += 1;
          // Halfway through, the follower of an even thread stops following it.
          const previous = (i + clients.length - 1) % clients.length;
          if (turn === midway && t < config.followed && t % 2 === 0) {
            const status = await followers[previous]![t]!.unsubscribe();
            if (status !== 'unsubscribed') broken.push(`${tag} connection ${previous}: unsubscribe answered ${status}`);
            unsubscribed += 1;
          }
        }
      }),
    ),
  );
  for (const h of heard) {
    for (const [threadId, order] of h.threads) {
      if (!order.started) counts.followerTurns += order.turnsEnded;
      // A follower that stayed hears every turn; one that left heard at most those before it left.
      const expected = order.started || !order.unsubscribed ? config.turnsPerThread : undefined;
      if (expected !== undefined && order.turnsEnded !== expected) {
        order.fail(`heard ${order.turnsEnded} of ${expected} turns of ${threadId} end`);
      }
    }
  }
  for (const client of clients) client.close();
  return { turns, unsubscribed };
}

/** Unloads every thread no connection holds any more, then deletes them all from the store. */
async function unloadAll(engine: BindingEngine, expected: number): Promise<number> {
  // Closing a connection unsubscribes its threads as the engine gets to it, not before close() returns.
  let idle = await engine.unsubscribedThreads();
  for (let waited = 0; idle.length < expected && waited < 5_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    idle = await engine.unsubscribedThreads();
  }
  if (idle.length !== expected) broken.push(`${idle.length} threads are unsubscribed after closing, not ${expected}`);
  let unloaded = 0;
  for (const threadId of idle) if (await engine.unloadThread(threadId)) unloaded += 1;
  const left = await engine.unsubscribedThreads();
  if (left.length > 0) broken.push(`${left.length} threads still loaded after unloading`);
  // The memory store keeps every thread's history by design; delete them so only leaks remain.
  const janitor = await Spindle.connect(engine, { clientInfo: { name: 'janitor', title: null, version: '1' } });
  for (const threadId of idle) await janitor.client.request('thread/delete', { threadId });
  janitor.close();
  return unloaded;
}

const started = Date.now();
const engine = createEngine({
  options: { model: 'mock-model', modelProvider: 'mock_provider' },
  transport: createFetchTransport({ baseUrl }),
  store: null,
});
// The warm-up is the same load: the allocators' high-water marks (glibc arenas keep freed pages,
// V8 keeps its heap grown) are reached before the baseline, so what RSS shows afterwards is growth.
await load(engine, config, 'warm-up');
await unloadAll(engine, config.connections * config.threadsPerConnection);
await settle();
counts.notifications = counts.followerNotifications = counts.followerTurns = counts.toolCalls = 0;
const baseline = rss();
const heapBaseline = process.memoryUsage().heapUsed;
let peak = baseline;
const peakWatch = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
const { turns, unsubscribed } = await load(engine, config, 'load');
clearInterval(peakWatch);
peak = Math.max(peak, process.memoryUsage().rss);
const unloaded = await unloadAll(engine, config.connections * config.threadsPerConnection);
await settle();
const after = rss();
const heapAfter = process.memoryUsage().heapUsed;

const report: LoadReport = {
  turnsCompleted: turns,
  toolCalls: counts.toolCalls,
  notifications: counts.notifications,
  followerNotifications: counts.followerNotifications,
  followerTurns: counts.followerTurns,
  unsubscribed,
  unloaded,
  broken,
  rss: { baseline, peak, after },
  heapUsed: { baseline: heapBaseline, after: heapAfter },
  elapsedMs: Date.now() - started,
};
process.stdout.write(`${JSON.stringify(report)}\n`);

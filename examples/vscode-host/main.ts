// A VS Code-style host for Spindle. The engine runs in the extension host process; two webviews reach
// it only by JSON-RPC text over message channels; threads are kept in a SQLite store in a folder. Webview A starts a
// thread and streams a reply while webview B follows the same thread and sees the same events; B
// queues a follow-up while A's second turn runs, and it starts by itself when that turn ends. Then
// the host restarts and a third webview finds the whole conversation in the folder.
//
//   npm run example:vscode [-- <storage folder>]
//   node --import tsx examples/vscode-host/main.ts [<storage folder>]     (once the project is built)
//
// Offline with the built-in scripted model; the OpenAI Responses API when OPENAI_API_KEY is set
// (OPENAI_BASE_URL and OPENAI_MODEL optional). Exits with 1 if the webviews ever disagree.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';

import {
  createEngine,
  createFetchTransport,
  openSqliteStore,
  type CreateEngineOptions,
  type Spindle,
  type ThreadItem,
  type TurnEvent,
} from 'spindle';

import { serveWebview } from './channel.ts';
import { Screen } from './screen.ts';
import { openWebview, showTurn, type ShownTurn } from './webview.ts';

const prompts = ['Hello! What can you do?', 'Describe a spindle in one sentence.', 'And in three words?'] as const;

const screen = new Screen();
const failures: string[] = [];

function check(ok: boolean, failure: string): void {
  if (!ok) {
    failures.push(failure);
    screen.line('host', `MISMATCH: ${failure}`);
  }
}

/** The model the host's engine talks to. */
function model(): { label: string; config: Omit<CreateEngineOptions, 'store'> } {
  const apiKey = process.env.OPENAI_API_KEY;
  if (!apiKey) {
    // Slow enough that the scripted model's words visibly stream.
    return { label: 'the scripted model (offline)', config: { options: { scriptedChunkDelayMs: 20 } } };
  }
  const baseUrl = process.env.OPENAI_BASE_URL || 'https://api.openai.com/v1';
  const options = process.env.OPENAI_MODEL ? { model: process.env.OPENAI_MODEL } : {};
  return { label: `the Responses API at ${baseUrl}`, config: { options, transport: createFetchTransport({ baseUrl, apiKey }) } };
}

/** The extension host: one engine on the folder's store, and a message channel per webview it opens. */
async function startHost(dir: string): Promise<{ openWebview(name: string): Promise<Spindle> }> {
  // The durable native store: threads and queued turns in one SQLite file in the folder.
  const engine = createEngine({ ...model().config, store: await openSqliteStore(dir) });
  return {
    async openWebview(name) {
      const { port1, port2 } = new MessageChannel();
      serveWebview(engine, port1);
      // In VS Code, port2's end lives in the webview's page.
      const spindle = await openWebview(name, port2);
      screen.line('host', `webview ${name} connected`);
      return spindle;
    },
  };
}

/** Resolves when this connection hears `turn/started` on the thread. */
function turnStarted(spindle: Spindle, threadId: string): Promise<void> {
  return new Promise((resolve) => {
    const off = spindle.onNotification((n) => {
      if (n.method === 'turn/started' && n.params.threadId === threadId) {
        off();
        resolve();
      }
    });
  });
}

/**
 * Prints what both panels saw of one turn (the reply in the panel that did not stream it live) and
 * checks that they saw the same events.
 */
function compare(label: string, shown: { A: ShownTurn; B: ShownTurn }, live: 'A' | 'B'): void {
  const strip = (events: TurnEvent[]) => JSON.stringify(events.map(({ method, params }) => ({ method, params })));
  const same = strip(shown.A.events) === strip(shown.B.events);
  for (const panel of ['A', 'B'] as const) {
    const { events, result } = shown[panel];
    const reply = panel === live ? '' : `: “${result.finalResponse}”`;
    const count = panel === 'A' ? `${events.length} events` : `${same ? 'the same' : 'NOT the same'} ${events.length} events as A`;
    screen.line(panel, `${label} ${result.status}${reply} (${count})`);
  }
  check(same, `${label}: webview B saw other events than webview A`);
  const { status, error } = shown.A.result;
  check(status === 'completed', `${label} ended ${status}${error ? `: ${error.message}` : ''}`);
}

function lastReply(items: ThreadItem[]): string | null {
  const messages = items.filter((item) => item.type === 'agentMessage');
  const last = messages[messages.length - 1];
  return last?.type === 'agentMessage' ? last.text : null;
}

async function main(): Promise<number> {
  const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'spindle-vscode-host-'));
  console.log('Spindle in a VS Code-style host: the engine in the extension host, webviews over message channels');
  console.log(`  model:   ${model().label}`);
  console.log(`  storage: ${dir}`);

  const host = await startHost(dir);
  const a = await host.openWebview('A');
  const b = await host.openWebview('B');

  const threadA = await a.startThread();
  screen.line('A', `started thread ${threadA.id}`);
  const threadB = await b.resumeThread(threadA.id);
  screen.line('B', `opened thread ${threadB.id} and follows it`);

  // Turn 1: A runs it; B, subscribed by its resume, follows whichever turn starts next.
  screen.line('A', `you › ${prompts[0]}`);
  const [a1, b1] = await Promise.all([
    showTurn(screen, 'A', threadA.runStreamed(prompts[0]), true),
    showTurn(screen, 'B', threadB.nextTurn(), false),
  ]);
  compare('turn 1', { A: a1, B: b1 }, 'A');

  // Turn 2, and a follow-up B queues while it runs: the queue starts it once turn 2 has ended.
  threadA.queue.onChanged((queued) => {
    const waiting = queued.map((row) => `“${row.turnStartParams.input.map((input) => (input.type === 'text' ? input.text : input.type)).join(' ')}”`);
    screen.line('A', `queue changed: ${waiting.length === 0 ? 'empty' : `${waiting.length} waiting: ${waiting.join(', ')}`}`);
  });
  screen.line('A', `you › ${prompts[1]}`);
  const secondStarted = Promise.all([turnStarted(a, threadA.id), turnStarted(b, threadA.id)]);
  const a2 = showTurn(screen, 'A', threadA.runStreamed(prompts[1]), true);
  const b2 = showTurn(screen, 'B', threadB.nextTurn(), false);
  await secondStarted;
  // Both panels follow "the next turn to start" from here: that is the queued one.
  const a3 = showTurn(screen, 'A', threadA.nextTurn(), false);
  const b3 = showTurn(screen, 'B', threadB.nextTurn(), true);
  const queued = await threadB.queue.add(prompts[2]);
  screen.line('B', `queued “${prompts[2]}” while turn 2 runs (queued turn ${queued.id})`);
  compare('turn 2', { A: await a2, B: await b2 }, 'A');
  const third = await a3;
  compare('turn 3 (queued by B)', { A: third, B: await b3 }, 'B');
  a.close();
  b.close();

  // The host restarts: a new engine on the same folder, and a webview that opens the thread there.
  screen.line('host', 'restarting the extension host on the same folder');
  const restarted = await startHost(dir);
  const c = await restarted.openWebview('C');
  const listed: string[] = [];
  for await (const page of c.listThreads()) listed.push(...page.data.map((thread) => thread.id));
  const reopened = await c.resumeThread(threadA.id);
  const turns = reopened.info.turns;
  const reply = lastReply(turns[turns.length - 1]?.items ?? []);
  screen.line('C', `found ${listed.length} thread(s); thread ${reopened.id} has ${turns.length} turns (${turns.map((turn) => turn.status).join(', ')})`);
  screen.line('C', `last reply: “${reply}”`);
  check(listed.includes(threadA.id), 'the restarted host does not list the thread');
  check(turns.length === 3, `the restarted host has ${turns.length} turns, not 3`);
  check(reply === third.result.finalResponse, 'the stored last reply differs from the one the webviews streamed');
  c.close();

  if (failures.length > 0) {
    console.error(`${failures.length} check(s) failed`);
    return 1;
  }
  screen.line('host', 'done: both webviews saw every turn the same way, and the folder kept the conversation');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    // Open channels would keep the process alive after a failure.
    process.exit(1);
  },
);

// The floor: a do-nothing app-server in plain Node, measured exactly like the real ones. It speaks
// just enough of the v2 wire for every bench workload (threads and turns in memory, one appended
// JSON line per thread and finished turn, the model call to the mock, deltas forwarded one
// notification each) and decides nothing else, so its figures are what a stdio harness costs.
//
// Runs as compiled JavaScript with no imports beyond Node's own (main.ts transpiles it), so its
// startup is a bare Node process's. Reads `CODEX_HOME` (state file) and `BENCH_MODEL_URL`.

import { appendFileSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

interface FloorTurn {
  id: string;
  status: string;
  items: object[];
}
interface FloorThread {
  id: string;
  preview: string;
  createdAt: number;
  updatedAt: number;
  turns: FloorTurn[];
}
interface Request {
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
}

const home = process.env.CODEX_HOME ?? '.';
const modelUrl = `${process.env.BENCH_MODEL_URL ?? ''}/responses`;
const stateFile = join(home, 'floor.jsonl');
const threads = new Map<string, FloorThread>();
const queues = new Map<string, string[]>();
const running = new Set<string>();

function send(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function notify(method: string, params: object): void {
  send({ method, params });
}

function summary(thread: FloorThread, withTurns: boolean): object {
  return { ...thread, status: { type: running.has(thread.id) ? 'active' : 'idle' }, turns: withTurns ? thread.turns : [] };
}

/** The thread as the state file has it: what a fresh process knows after a restart. */
function loadFromFile(threadId: string): FloorThread | undefined {
  let thread: FloorThread | undefined;
  let text = '';
  try {
    text = readFileSync(stateFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    if (!line.includes(threadId)) continue;
    const record = JSON.parse(line) as { thread?: FloorThread; threadId?: string; turn?: FloorTurn };
    if (record.thread?.id === threadId) thread = record.thread;
    else if (record.threadId === threadId && record.turn && thread) {
      thread.turns.push(record.turn);
      thread.preview ||= 'resumed';
    }
  }
  return thread;
}

/** One turn: the model request, its SSE body read to the end, each text delta forwarded. */
async function runTurn(thread: FloorThread, text: string, answer?: Request['id']): Promise<void> {
  const turn: FloorTurn = { id: randomUUID(), status: 'inProgress', items: [] };
  running.add(thread.id);
  if (answer !== undefined) send({ id: answer, result: { turn } });
  notify('turn/started', { threadId: thread.id, turn });
  const itemId = randomUUID();
  notify('item/started', { threadId: thread.id, turnId: turn.id, item: { type: 'agentMessage', id: itemId, text: '' } });
  const body = JSON.stringify({ model: 'mock-model', stream: true, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }] });
  const response = await fetch(modelUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const decoder = new TextDecoder();
  let pending = '';
  let reply = '';
  const reader = response.body?.getReader();
  for (;;) {
    const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
    if (chunk.done) break;
    pending += decoder.decode(chunk.value, { stream: true });
    let end = pending.indexOf('\n\n');
    while (end >= 0) {
      const frame = pending.slice(0, end);
      pending = pending.slice(end + 2);
      end = pending.indexOf('\n\n');
      const data = frame.split('\n').find((line) => line.startsWith('data: '));
      if (!data) continue;
      const event = JSON.parse(data.slice(6)) as { type?: string; delta?: string };
      if (event.type === 'response.output_text.delta' && typeof event.delta === 'string') {
        reply += event.delta;
        notify('item/agentMessage/delta', { threadId: thread.id, turnId: turn.id, itemId, delta: event.delta });
      }
    }
  }
  const item = { type: 'agentMessage', id: itemId, text: reply };
  notify('item/completed', { threadId: thread.id, turnId: turn.id, item });
  const done: FloorTurn = { id: turn.id, status: 'completed', items: [{ type: 'userMessage', id: randomUUID(), content: [{ type: 'text', text }] }, item] };
  thread.turns.push(done);
  thread.preview ||= text;
  thread.updatedAt = Date.now();
  appendFileSync(stateFile, `${JSON.stringify({ threadId: thread.id, turn: done })}\n`);
  running.delete(thread.id);
  notify('turn/completed', { threadId: thread.id, turn: { ...done, items: [item] } });
  const next = queues.get(thread.id)?.shift();
  if (next !== undefined) {
    notify('thread/queue/changed', { threadId: thread.id, queuedTurns: [] });
    void runTurn(thread, next);
  }
}

function inputText(params: Record<string, unknown> | undefined): string {
  const input = (params?.input ?? []) as Array<{ text?: string }>;
  return input.map((part) => part.text ?? '').join('');
}

function handle(request: Request): void {
  const { id, method, params } = request;
  const threadId = typeof params?.threadId === 'string' ? params.threadId : '';
  const thread = threads.get(threadId);
  const answer = (result: object) => send({ id, result });
  switch (method) {
    case 'initialize':
      return answer({ userAgent: 'floor/0.0.0', codexHome: home, platformFamily: 'unix', platformOs: 'linux' });
    case 'thread/start': {
      const now = Date.now();
      const created: FloorThread = { id: randomUUID(), preview: '', createdAt: now, updatedAt: now, turns: [] };
      threads.set(created.id, created);
      appendFileSync(stateFile, `${JSON.stringify({ thread: created })}\n`);
      answer({ thread: summary(created, true) });
      return notify('thread/started', { thread: summary(created, true) });
    }
    case 'turn/start':
      if (!thread) break;
      void runTurn(thread, inputText(params), id);
      return;
    case 'thread/read':
      if (!thread) break;
      return answer({ thread: summary(thread, params?.includeTurns === true), readState: null });
    case 'thread/resume': {
      const resumed = thread ?? loadFromFile(threadId);
      if (!resumed) break;
      threads.set(resumed.id, resumed);
      return answer({ thread: summary(resumed, true) });
    }
    case 'thread/list': {
      const listed = [...threads.values()].filter((t) => t.turns.length > 0).sort((a, b) => b.createdAt - a.createdAt);
      const from = typeof params?.cursor === 'string' ? Number(params.cursor) : 0;
      const to = from + 25;
      return answer({ data: listed.slice(from, to).map((t) => summary(t, false)), nextCursor: to < listed.length ? String(to) : null });
    }
    case 'thread/queue/add': {
      if (!thread) break;
      const text = inputText(params?.turnStartParams as Record<string, unknown>);
      answer({ queuedTurn: { id: randomUUID(), status: { type: 'pending' } } });
      if (running.has(thread.id)) {
        const queue = queues.get(thread.id) ?? [];
        queue.push(text);
        queues.set(thread.id, queue);
        notify('thread/queue/changed', { threadId: thread.id, queuedTurns: queue });
      } else {
        void runTurn(thread, text);
      }
      return;
    }
    default:
      if (id === undefined) return;
      return send({ id, error: { code: -32600, message: `floor: no ${String(method)}` } });
  }
  send({ id, error: { code: -32600, message: `thread not found: ${threadId}` } });
}

createInterface({ input: process.stdin, crlfDelay: Infinity }).on('line', (line) => {
  if (line.trim() === '') return;
  try {
    handle(JSON.parse(line) as Request);
  } catch (error) {
    process.stderr.write(`floor: ${String(error)}\n`);
  }
});

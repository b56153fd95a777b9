// Crash safety of the SQLite store: a child process (tests/support/crash-child.ts) keeps an engine on the
// store busy and is SIGKILLed at random points, again and again on the same directory; after every kill
// the store must open cleanly, pass SQLite's integrity check, and hold everything the child was told
// was saved — including turns killed mid-turn, which an engine over the reopened store reads back as
// interrupted with their user message. Needs the napi addon built first.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { SpindleClient } from '../../ts/src/client/index.ts';
import { createEngine, openSqliteStore, type NativeStore } from '../../ts/src/index.ts';
import { connectInProcess } from '../../ts/src/transports/in-process.ts';
import type { Ack } from '../support/crash-child.ts';
import { createdEvent, plainTurnEvents, startMockResponses, type MockResponse } from '../support/mock-responses.ts';

const childPath = fileURLToPath(new URL('../support/crash-child.ts', import.meta.url));
const KILLS = 20;
/** The child's marker for turns whose model stream the mock holds open until the kill. */
const HELD = '[held]';

/** The mock's answer: a held-open stream for a turn whose last user message is marked HELD, else a reply. */
function answer(_index: number, body: unknown): MockResponse {
  const input = (body as { input?: Array<{ role?: string; content?: Array<{ text?: string }> }> }).input ?? [];
  const lastUser = input.filter((item) => item.role === 'user').at(-1);
  const held = lastUser?.content?.some((part) => part.text?.includes(HELD)) ?? false;
  return held ? { events: [createdEvent('resp_held')], keepOpen: true } : { events: plainTurnEvents('Saved.') };
}

/** Runs the child until it has been busy for `busyMs` after saying it is ready, then SIGKILLs it. */
async function runAndKill(dir: string, baseUrl: string, runTag: string, busyMs: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', childPath, dir, baseUrl, runTag], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acks: Ack[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  let killTimer: NodeJS.Timeout | undefined;
  const lines = createInterface({ input: child.stdout });
  const drained = new Promise<void>((resolve) => lines.once('close', resolve));
  lines.on('line', (line) => {
    const parsed = JSON.parse(line) as Ack;
    acks.push(parsed);
    if (parsed.kind === 'ready') killTimer = setTimeout(() => child.kill('SIGKILL'), busyMs);
  });
  const ended = await Promise.race([
    exited,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000).unref()),
  ]);
  clearTimeout(killTimer);
  if (ended === 'timeout') child.kill('SIGKILL');
  assert.equal(ended, 'SIGKILL', `the child ended on its own (${String(ended)}): ${stderr}`);
  // Lines already in the pipe when the child died still count: they were acknowledged.
  await drained;
  return acks;
}

async function call<T>(store: NativeStore, op: string, ...args: unknown[]): Promise<T> {
  return JSON.parse(await store.call(op, JSON.stringify(args))) as T;
}

interface Loaded {
  stored: { thread: { name: string | null } };
  records: Array<{ type: string; turn?: { id: string } }>;
}

/** Checks that every acknowledged write is in the store. */
async function assertAcknowledgedWritesKept(store: NativeStore, acks: Ack[]): Promise<void> {
  const lastName = new Map<string, number>();
  const queued = new Map<string, string[]>();
  for (const ack of acks) {
    if (ack.kind === 'name') lastName.set(ack.threadId, ack.sequence);
    if (ack.kind === 'queued') queued.set(ack.threadId, [...(queued.get(ack.threadId) ?? []), ack.queuedTurnId]);
  }
  const loaded = new Map<string, Loaded | null>();
  const load = async (threadId: string): Promise<Loaded | null> => {
    if (!loaded.has(threadId)) loaded.set(threadId, await call<Loaded | null>(store, 'load', threadId, null));
    return loaded.get(threadId) ?? null;
  };
  for (const ack of acks) {
    if (ack.kind === 'thread') {
      assert.ok(await load(ack.threadId), `acknowledged thread ${ack.threadId} is missing`);
    } else if (ack.kind === 'turn') {
      const turns = (await load(ack.threadId))?.records.filter((record) => record.type === 'turn').map((r) => r.turn?.id);
      assert.ok(turns?.includes(ack.turnId), `acknowledged turn ${ack.turnId} of ${ack.threadId} is missing`);
    }
  }
  for (const [threadId, sequence] of lastName) {
    // A rename sent after the last acknowledged one may have been saved too, never an older one.
    const name = (await load(threadId))?.stored.thread.name ?? '';
    const saved = Number(name.split('#').at(-1));
    assert.ok(saved >= sequence, `thread ${threadId} is named ${JSON.stringify(name)}, older than rename #${sequence}`);
  }
  for (const [threadId, ids] of queued) {
    const page = await call<{ rows: Array<{ queuedTurnId: string }> }>(store, 'listQueuedTurns', threadId, 0, 100_000);
    const kept = new Set(page.rows.map((row) => row.queuedTurnId));
    const lost = ids.filter((id) => !kept.has(id));
    assert.deepEqual(lost, [], `acknowledged queued turns of ${threadId} are missing`);
  }
}

/** Each acknowledged turn the kill cut off (a `started` ack) reads back, through an engine over the
 * reopened store, as an interrupted turn holding its user message. */
async function assertStartedTurnsReadBackInterrupted(store: NativeStore, acks: Ack[]): Promise<void> {
  const engine = createEngine({ options: { model: 'mock-model', modelProvider: 'mock_provider' }, store });
  const client = new SpindleClient(connectInProcess(engine));
  try {
    await client.initialize({ name: 'crash-check', title: null, version: '1' });
    for (const ack of acks) {
      if (ack.kind !== 'started') continue;
      const { thread } = await client.request('thread/read', { threadId: ack.threadId, includeTurns: true });
      const turn = thread.turns.find((candidate) => candidate.id === ack.turnId);
      assert.ok(turn, `acknowledged turn ${ack.turnId} of ${ack.threadId} is missing`);
      assert.equal(turn.status, 'interrupted', `turn ${ack.turnId}`);
      assert.equal(turn.error, null);
      const first = turn.items[0];
      assert.equal(first?.type, 'userMessage', `turn ${ack.turnId} lost its user message`);
      assert.deepEqual(first.type === 'userMessage' ? first.content : null, [{ type: 'text', text: ack.text, text_elements: [] }]);
    }
  } finally {
    client.close();
  }
}

test(`a SQLite store keeps every acknowledged write across ${KILLS} SIGKILLs in busy traffic`, { timeout: 240_000 }, async () => {
  const mock = await startMockResponses(answer);
  const dir = mkdtempSync(join(tmpdir(), 'spindle-crash-'));
  const acknowledged: Ack[] = [];
  try {
    for (let kill = 1; kill <= KILLS; kill += 1) {
      const busyMs = Math.floor(Math.random() * 400);
      const acks = await runAndKill(dir, mock.baseUrl, `run${kill}`, busyMs);
      assert.ok(acks.some((ack) => ack.kind === 'ready'), `run ${kill} never became ready`);
      acknowledged.push(...acks);
      const store = await openSqliteStore(dir);
      assert.equal(await store.integrityCheck(), 'ok', `after kill ${kill} (${busyMs} ms busy)`);
      await assertAcknowledgedWritesKept(store, acknowledged);
      // Nothing touches a held turn's thread again, so each kill checks only its own run's.
      await assertStartedTurnsReadBackInterrupted(store, acks);
    }
    // The kills hit real traffic, not an idle process.
    for (const kind of ['thread', 'turn', 'name', 'queued'] as const) {
      assert.ok(acknowledged.filter((ack) => ack.kind === kind).length > KILLS, `too few ${kind} writes to mean anything`);
    }
    // Held turns start at a gentler pace (one per 100 ms), so that they leave the store to the others.
    const started = acknowledged.filter((ack) => ack.kind === 'started').length;
    assert.ok(started > KILLS / 2, `too few turns were cut off mid-turn (${started}) to mean anything`);
  } finally {
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Driving one server the way every workload does: threads, turns timed to their turn/completed,
// loads spread over a few concurrent workers, and a child's resident memory.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import type { SpindleClient } from '../ts/src/index.ts';

/** `thread/start` with no params; resolves with the thread id. */
export async function startThread(client: SpindleClient): Promise<string> {
  const { thread } = await client.request('thread/start', {});
  return thread.id;
}

export function textInput(text: string) {
  return [{ type: 'text' as const, text, text_elements: [] }];
}

/** One turn's wall time (turn/start sent → its turn/completed) and the deltas it delivered. */
export interface TurnTiming {
  ms: number;
  deltas: number;
}

/** Waits for `turns` turn/completed notifications of `threadId`, counting its agent message deltas. */
export function turnsCompleted(client: SpindleClient, threadId: string, turns: number): Promise<TurnTiming> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let deltas = 0;
    let completed = 0;
    const offClose = client.onClose(reject);
    const offNotification = client.onNotification((notification) => {
      const params = notification.params as { threadId?: string; turn?: { status?: string; error?: unknown } };
      if (params.threadId !== threadId) return;
      if (notification.method === 'item/agentMessage/delta') {
        deltas += 1;
      } else if (notification.method === 'turn/completed') {
        // A failed turn timed as a fast one would flatter the server: stop the run instead.
        if (params.turn?.status !== 'completed') {
          off();
          reject(new Error(`a turn on ${threadId} ended ${params.turn?.status}: ${JSON.stringify(params.turn?.error)}`));
          return;
        }
        completed += 1;
        if (completed === turns) {
          off();
          resolve({ ms: performance.now() - started, deltas });
        }
      }
    });
    function off(): void {
      offNotification();
      offClose();
    }
  });
}

/** Runs one turn with `text` and resolves at its turn/completed. */
export async function timedTurn(client: SpindleClient, threadId: string, text: string): Promise<TurnTiming> {
  const done = turnsCompleted(client, threadId, 1);
  await client.request('turn/start', { threadId, input: textInput(text) });
  return done;
}

/** `turns` turns one after the other on `threadId`. */
export async function runTurns(client: SpindleClient, threadId: string, turns: number): Promise<void> {
  for (let turn = 1; turn <= turns; turn += 1) await timedTurn(client, threadId, `Turn ${turn}: summarise what we did so far.`);
}

/** Calls `work(i)` for i in 0..count-1, at most `concurrency` at a time. */
export async function inParallel(count: number, concurrency: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      await work(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Resident set size of a process, from /proc/<pid>/status (Linux), in KB. */
export function rssKb(pid: number | 'self'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

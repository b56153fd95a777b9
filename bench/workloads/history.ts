// A long thread: 200 turns, then thread/read with turns while it is loaded, and thread/resume of
// it in a fresh server on the same home (a restarted process; in process, a new engine over the
// same store).

import { interleave, timeMs } from '../measure.ts';
import type { Row } from '../report.ts';
import { runTurns, startThread } from '../session.ts';
import type { Server, Target, TargetName } from '../targets.ts';
import type { Context } from './context.ts';

const TURNS = 200;

interface LongThread {
  home: string;
  threadId: string;
  server: Server;
}

function expectTurns(result: unknown, method: string): void {
  const turns = (result as { thread?: { turns?: unknown[] } }).thread?.turns?.length;
  if (turns !== TURNS) throw new Error(`${method} returned ${turns} turns, not ${TURNS}`);
}

export async function history(context: Context): Promise<Row[]> {
  context.progress(`${TURNS}-turn thread: building on every target at once`);
  const built = new Map<TargetName, LongThread>();
  // Setup is not measured, so every target builds its thread at the same time.
  await Promise.all(
    context.targets.map(async (target: Target) => {
      const home = target.newHome();
      const server = await target.start(home);
      const threadId = await startThread(server.client);
      await runTurns(server.client, threadId, TURNS);
      built.set(target.name, { home, threadId, server });
    }),
  );
  const thread = (target: Target): LongThread => {
    const entry = built.get(target.name);
    if (!entry) throw new Error(`no long thread for ${target.name}`);
    return entry;
  };

  context.progress(`thread/read of ${TURNS} turns (loaded)`);
  const read = await interleave(context.targets, context.rounds.read, async (target) => {
    const { server, threadId } = thread(target);
    let result: unknown;
    const ms = await timeMs(async () => {
      result = await server.client.request('thread/read', { threadId, includeTurns: true });
    });
    expectTurns(result, 'thread/read');
    return ms;
  });
  for (const { server } of built.values()) await server.close();

  context.progress(`thread/resume of ${TURNS} turns in a fresh server`);
  const resume = await interleave(context.targets, context.rounds.resume, async (target) => {
    const { home, threadId } = thread(target);
    const server = await target.start(home);
    let result: unknown;
    const ms = await timeMs(async () => {
      result = await server.client.request('thread/resume', { threadId, excludeTurns: false });
    });
    await server.close();
    expectTurns(result, 'thread/resume');
    return ms;
  });
  return [
    { id: 'read-200', title: `thread/read, ${TURNS} turns, loaded`, unit: 'ms', samples: read, p95: true },
    { id: 'resume-200', title: `thread/resume, ${TURNS} turns, fresh server`, unit: 'ms', samples: resume, p95: true },
  ];
}

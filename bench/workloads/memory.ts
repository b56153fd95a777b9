// Resident memory with 100 threads × 5 turns loaded. A child server's own RSS (/proc/<pid>/status);
// an in-process engine runs in a fresh Node child (memory-child.ts), which reports its RSS before
// the engine exists and after the load, so the growth is the engine's own.

import { spawn } from 'node:child_process';
import { join } from 'node:path';

import type { Row } from '../report.ts';
import { inParallel, rssKb, runTurns, sleep, startThread } from '../session.ts';
import { repoRoot, type Server, type TargetName } from '../targets.ts';
import type { Context } from './context.ts';

export const THREADS = 100;
export const TURNS = 5;

/** `THREADS` threads with `TURNS` turns each, ten threads at a time, then a moment to settle. */
export async function loadThreads(server: Server): Promise<void> {
  await inParallel(THREADS, 10, async () => runTurns(server.client, await startThread(server.client), TURNS));
  await sleep(500);
}

/** What memory-child.ts prints. */
export interface ChildMemory {
  beforeKb: number;
  afterKb: number;
}

async function inFreshNode(context: Context, name: TargetName): Promise<ChildMemory> {
  const script = join(repoRoot, 'bench', 'workloads', 'memory-child.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, name, context.env.mockUrl, context.env.workDir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`memory-child ${name} exited with ${code}`);
  return JSON.parse(output) as ChildMemory;
}

export async function memory(context: Context): Promise<Row[]> {
  context.progress(`RSS with ${THREADS} threads × ${TURNS} turns: loading every target at once`);
  const after: Row['samples'] = {};
  const growth: Row['samples'] = {};
  const notes: Row['notes'] = {};
  await Promise.all(
    context.targets.map(async (target) => {
      let measured: ChildMemory;
      if (target.name === 'napi' || target.name === 'wasm') {
        measured = await inFreshNode(context, target.name);
        notes[target.name] = '(node+tsx child)';
      } else {
        const server = await target.start(target.newHome());
        const pid = server.pid;
        if (pid === null) throw new Error(`${target.name} has no process to measure`);
        const beforeKb = rssKb(pid);
        await loadThreads(server);
        measured = { beforeKb, afterKb: rssKb(pid) };
        await server.close();
      }
      after[target.name] = [measured.afterKb / 1024];
      growth[target.name] = [(measured.afterKb - measured.beforeKb) / 1024];
    }),
  );
  return [
    { id: 'rss-100x5', title: `RSS, ${THREADS} threads × ${TURNS} turns loaded`, unit: 'MB', samples: after, notes },
    { id: 'rss-growth', title: '  growth (child: since initialize; in process: since before the engine)', unit: 'MB', samples: growth },
  ];
}

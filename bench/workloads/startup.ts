// spawn → initialize: from starting the server (a child process, or an engine in process) to the
// answer of `initialize`. Each target restarts on one home, so stores exist after the warm-up.

import { interleave } from '../measure.ts';
import type { Row } from '../report.ts';
import type { Context } from './context.ts';
import { performance } from 'node:perf_hooks';

export async function startup({ targets, rounds, progress }: Context): Promise<Row[]> {
  progress('spawn → initialize');
  const homes = new Map(targets.map((target) => [target.name, target.newHome()]));
  const samples = await interleave(targets, rounds.spawn, async (target) => {
    const started = performance.now();
    const server = await target.start(homes.get(target.name) ?? target.newHome());
    const ms = performance.now() - started;
    await server.close();
    return ms;
  });
  return [{ id: 'spawn-init', title: 'spawn → initialize', unit: 'ms', samples, p95: true }];
}

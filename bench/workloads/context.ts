// What every workload receives: the targets, their long-lived servers, how many rounds to take,
// and a progress line for the terminal.

import type { Row } from '../report.ts';
import type { BenchEnv, Server, Target } from '../targets.ts';

/** Samples per measurement; `--quick` takes fewer. Workload sizes (200 turns, 500 threads…) never change. */
export interface Rounds {
  spawn: number;
  threadStart: number;
  turns: number;
  deltas: number;
  drain: number;
  read: number;
  resume: number;
  firstPage: number;
  allPages: number;
}

export const FULL_ROUNDS: Rounds = { spawn: 10, threadStart: 50, turns: 100, deltas: 5, drain: 3, read: 30, resume: 7, firstPage: 30, allPages: 7 };
export const QUICK_ROUNDS: Rounds = { spawn: 3, threadStart: 20, turns: 30, deltas: 2, drain: 1, read: 10, resume: 3, firstPage: 10, allPages: 3 };

export interface Context {
  env: BenchEnv;
  targets: Target[];
  rounds: Rounds;
  /** One started server per target, shared by the workloads that need no fresh state. */
  server(target: Target): Server;
  progress(text: string): void;
}

export type Workload = (context: Context) => Promise<Row[]>;

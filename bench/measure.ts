// Sampling and statistics every workload shares: interleaved rounds over the targets, timers,
// medians and 95th percentiles.

import { performance } from 'node:perf_hooks';

/** Samples per target, in the unit of the row they feed. */
export type Samples = Partial<Record<string, number[]>>;

/** Runs `work` and resolves with its wall time in ms. */
export async function timeMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/**
 * Takes `rounds` samples of every item, interleaved: each round visits every item once, starting
 * one further along than the round before, so machine noise (another process, a GC, a CPU clock
 * change) spreads over all of them instead of landing on whichever ran during it. `warmup` rounds
 * run first and are not kept.
 */
export async function interleave<T extends { name: string }>(
  items: readonly T[],
  rounds: number,
  sample: (item: T, round: number) => Promise<number>,
  warmup = 1,
): Promise<Samples> {
  const samples: Samples = {};
  for (let round = -warmup; round < rounds; round += 1) {
    const offset = ((round % items.length) + items.length) % items.length;
    for (let i = 0; i < items.length; i += 1) {
      const item = items[(i + offset) % items.length];
      if (!item) continue;
      const value = await sample(item, round);
      if (round >= 0) (samples[item.name] ??= []).push(value);
    }
  }
  return samples;
}

/** The p-th percentile (0–100) by nearest rank; `NaN` for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? NaN;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

/** The figures kept for one target on one row. */
export interface Summary {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    median: median(values),
    p95: percentile(values, 95),
    min: values.length ? Math.min(...values) : NaN,
    max: values.length ? Math.max(...values) : NaN,
  };
}

// Timing helpers every bench section shares: repeated runs and the figures printed for them.
import { performance } from 'node:perf_hooks';

/** One measured operation: its name, what one run does, and the time of each run in ms. */
export interface Measurement {
  name: string;
  detail: string;
  runsMs: number[];
}

/** A titled group of measurements, printed together. */
export interface Section {
  title: string;
  setup: string;
  measurements: Measurement[];
}

/** Times `work` and adds its time to the run's; what a run does outside it is setup. */
export type Timed = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * Runs `once` `runs` times, one after the other, after one warm-up run; a run's time is what it
 * spent inside `timed`.
 */
export async function measure(
  name: string,
  detail: string,
  runs: number,
  once: (timed: Timed) => Promise<void>,
): Promise<Measurement> {
  const runsMs: number[] = [];
  for (let run = 0; run <= runs; run += 1) {
    let spent = 0;
    const timed: Timed = async (work) => {
      const started = performance.now();
      try {
        return await work();
      } finally {
        spent += performance.now() - started;
      }
    };
    await once(timed);
    if (run > 0) runsMs.push(spent);
  }
  return { name, detail, runsMs };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

/** The section as aligned text: median, then min and max, per measurement. */
export function formatSection(section: Section): string {
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const width = Math.max(...section.measurements.map((m) => m.name.length));
  const lines = section.measurements.map((m) => {
    const spread = `min ${ms(Math.min(...m.runsMs))}, max ${ms(Math.max(...m.runsMs))}, ${m.runsMs.length} runs`;
    return `  ${m.name.padEnd(width)}  median ${ms(median(m.runsMs)).padStart(11)}  (${spread}) — ${m.detail}`;
  });
  return [`${section.title}`, `  ${section.setup}`, ...lines].join('\n');
}

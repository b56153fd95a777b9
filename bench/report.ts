// What a run prints and keeps: rows of figures per target, the goals from issue 8 marked met or
// missed, ratios to codex, and the JSON written to bench/results/.

import { median, summarize, type Samples } from './measure.ts';
import type { Target, TargetName } from './targets.ts';

export type Unit = 'ms' | 'µs' | 'MB' | 'KB' | '/s';

/** One measured quantity across the targets. */
export interface Row {
  /** Stable key: goals and the JSON refer to it. */
  id: string;
  title: string;
  unit: Unit;
  samples: Samples;
  /** Print the 95th percentile after the median. */
  p95?: boolean;
  /** Words printed after a target's figure (e.g. how many deltas arrived). */
  notes?: Partial<Record<TargetName, string>>;
}

/** A goal on one target's median of one row. */
export interface Goal {
  row: string;
  target: TargetName;
  text: string;
  unit: Unit;
  /** The largest median that meets it, or `null` when the row lacks what it compares with. */
  limit(rows: ReadonlyMap<string, Row>): number | null;
}

export interface GoalResult {
  row: string;
  target: TargetName;
  text: string;
  unit: Unit;
  value: number | null;
  limit: number | null;
  met: boolean | null;
}

const at = (max: number) => () => max;

/** Spindle's goals (issue 8): over stdio unless the target says otherwise. */
export const GOALS: Goal[] = [
  {
    row: 'spawn-init',
    target: 'stdio',
    text: 'spawn → initialize within 10 % of a bare Node process (the floor)',
    unit: 'ms',
    limit: (rows) => {
      const floor = median(rows.get('spawn-init')?.samples.floor ?? []);
      return Number.isNaN(floor) ? null : floor * 1.1;
    },
  },
  { row: 'turn-rtt', target: 'stdio', text: 'turn round trip ≤ 1.6 ms', unit: 'ms', limit: at(1.6) },
  { row: 'deltas-5k', target: 'stdio', text: '5,000 deltas ≤ 65 ms', unit: 'ms', limit: at(65) },
  { row: 'read-200', target: 'stdio', text: 'thread/read of 200 turns ≤ 1 ms', unit: 'ms', limit: at(1) },
  { row: 'resume-200', target: 'stdio', text: 'fresh-process thread/resume of 200 turns ≤ 5 ms', unit: 'ms', limit: at(5) },
  { row: 'list-all', target: 'stdio', text: 'paging 500 threads ≤ 12 ms', unit: 'ms', limit: at(12) },
  { row: 'rss-100x5', target: 'stdio', text: 'RSS with 100 threads × 5 turns ≤ 60 MB', unit: 'MB', limit: at(60) },
  { row: 'drain-100', target: 'stdio', text: 'draining 100 queued turns ≤ 220 ms', unit: 'ms', limit: at(220) },
  { row: 'turn-overhead', target: 'napi', text: 'in-process (napi) turn overhead ≤ 100 µs', unit: 'µs', limit: at(100) },
  { row: 'wasm-gzip', target: 'wasm', text: 'wasm ≤ 400 KB gzipped', unit: 'KB', limit: at(400) },
];

export function checkGoals(rows: ReadonlyMap<string, Row>): GoalResult[] {
  return GOALS.map((goal) => {
    const samples = rows.get(goal.row)?.samples[goal.target];
    const value = samples && samples.length > 0 ? median(samples) : null;
    const limit = goal.limit(rows);
    const met = value === null || limit === null ? null : value <= limit;
    return { row: goal.row, target: goal.target, text: goal.text, unit: goal.unit, value, limit, met };
  });
}

export function format(value: number, unit: Unit): string {
  if (Number.isNaN(value)) return '—';
  const digits = unit === 'KB' || unit === '/s' ? 0 : unit === 'MB' || unit === 'µs' ? 1 : value < 10 ? 2 : value < 100 ? 1 : 0;
  const text = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit === '/s' ? text : `${text} ${unit}`;
}

function cell(row: Row, name: TargetName): string {
  const samples = row.samples[name];
  if (!samples || samples.length === 0) return '';
  const stats = summarize(samples);
  const figure = row.p95 ? `${format(stats.median, row.unit)} / ${format(stats.p95, row.unit).replace(/ \S+$/, '')}` : format(stats.median, row.unit);
  const note = row.notes?.[name];
  return note ? `${figure} ${note}` : figure;
}

function table(header: string[], lines: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)));
  const render = (line: string[]) => line.map((text, column) => (column === 0 ? text.padEnd(widths[column] ?? 0) : text.padStart(widths[column] ?? 0))).join('  ').trimEnd();
  return [render(header), widths.map((width) => '─'.repeat(width)).join('  '), ...lines.map(render)].join('\n');
}

/** The printed report: figures, ratios to codex, goals. */
export function formatReport(targets: readonly Target[], rows: readonly Row[], goals: readonly GoalResult[]): string {
  const names = targets.map((target) => target.name);
  const out: string[] = [];
  out.push('Targets:');
  for (const target of targets) out.push(`  ${target.name.padEnd(6)} ${target.label}`);
  if (!names.includes('codex')) out.push('  (no codex column: set CODEX_BIN to a codex app-server binary)');
  out.push('', 'Medians (median / p95 where shown):');
  out.push(table(['', ...names], rows.map((row) => [row.title, ...names.map((name) => cell(row, name))])));

  if (names.includes('codex')) {
    const others = names.filter((name) => name !== 'codex');
    const ratioLines = rows.flatMap((row) => {
      const codex = median(row.samples.codex ?? []);
      if (Number.isNaN(codex) || codex === 0) return [];
      const ratios = others.map((name) => {
        const value = median(row.samples[name] ?? []);
        return Number.isNaN(value) ? '' : `${(value / codex).toFixed(value / codex < 0.1 ? 3 : 2)}×`;
      });
      return [[row.title, ...ratios]];
    });
    out.push('', 'Ratio to codex (median ÷ codex median; below 1 is less time or memory, above 1 a higher rate):');
    out.push(table(['', ...others.map((name) => `${name}÷codex`)], ratioLines));
  }

  out.push('', `Goals: ${goals.filter((goal) => goal.met).length} of ${goals.length} met`);
  for (const goal of goals) {
    const unit = goal.unit;
    const mark = goal.met === null ? '?  not measured' : goal.met ? '✓  met   ' : '✗  missed';
    const value = goal.value === null ? 'no figure' : `${goal.target} ${format(goal.value, unit)}`;
    const limit = goal.limit === null ? '' : ` (limit ${format(goal.limit, unit)})`;
    out.push(`  ${mark}  ${goal.text}: ${value}${limit}`);
  }
  return out.join('\n');
}

/** The JSON kept for a run: every sample, its summary, the goals. */
export function reportJson(meta: object, targets: readonly Target[], rows: readonly Row[], goals: readonly GoalResult[]): object {
  return {
    ...meta,
    targets: targets.map(({ name, label }) => ({ name, label })),
    rows: rows.map((row) => ({
      id: row.id,
      title: row.title,
      unit: row.unit,
      notes: row.notes ?? {},
      results: Object.fromEntries(
        Object.entries(row.samples).map(([name, samples]) => [name, { ...summarize(samples ?? []), samples }]),
      ),
    })),
    goals,
  };
}

// `npm run bench`: the same workloads against `spindle app-server` over stdio, the napi and wasm
// engines in process, a real `codex app-server` when CODEX_BIN is set, and a do-nothing Node
// stdio server (the floor), all on one mock Responses server; prints medians, p95, ratios to
// codex and the goals, and writes every sample to bench/results/<timestamp>.json.
// A benchmark, not a test: it asserts only that each workload did what it claims (all deltas
// arrived, every thread listed), never a timing.
//
// Usage: npm run bench -- [--quick] [--targets stdio,napi,…] [--only startup,turns,…]

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { buildSync } from 'esbuild';

import { checkGoals, formatReport, reportJson, type Row } from './report.ts';
import { createTargets, repoRoot, TARGET_NAMES, wasmInstantiateMs, type Server, type Target, type TargetName } from './targets.ts';
import { FULL_ROUNDS, QUICK_ROUNDS, type Context, type Workload } from './workloads/context.ts';
import { history } from './workloads/history.ts';
import { listing } from './workloads/listing.ts';
import { memory } from './workloads/memory.ts';
import { sizes } from './workloads/sizes.ts';
import { startup } from './workloads/startup.ts';
import { queueDrain, streamedDeltas, threadStart, turnRoundTrip } from './workloads/turns.ts';

/** In print order; the ones under `shared` run on one long-lived server per target. */
const WORKLOADS = {
  startup: { run: startup, shared: false },
  threads: { run: threadStart, shared: true },
  turns: { run: turnRoundTrip, shared: true },
  deltas: { run: streamedDeltas, shared: true },
  drain: { run: queueDrain, shared: true },
  history: { run: history, shared: false },
  listing: { run: listing, shared: false },
  memory: { run: memory, shared: false },
  sizes: { run: sizes, shared: false },
} satisfies Record<string, { run: Workload; shared: boolean }>;
type WorkloadName = keyof typeof WORKLOADS;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    targets: { type: 'string' },
    only: { type: 'string' },
  },
});

function pick<T extends string>(list: string | undefined, known: readonly T[], what: string): T[] {
  if (list === undefined) return [...known];
  const names = list.split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of names) if (!known.includes(name as T)) throw new Error(`unknown ${what} '${name}' (known: ${known.join(', ')})`);
  return known.filter((name) => names.includes(name));
}

const targetNames = pick(args.targets, TARGET_NAMES, 'target');
const workloadNames = pick(args.only, Object.keys(WORKLOADS) as WorkloadName[], 'workload');
const started = performance.now();
const progress = (text: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${text}\n`);

/** The mock Responses server in its own process; resolves with its base URL and how to stop it. */
async function startMock(): Promise<{ baseUrl: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench', 'mock-server.ts')], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('close', (code) => reject(new Error(`the mock server exited with ${code}`)));
  });
  const { baseUrl } = JSON.parse(first) as { baseUrl: string };
  return { baseUrl, stop: () => child.stdin.end() };
}

/** The floor server as plain JavaScript, so it starts like any bare Node script. */
function compileFloor(workDir: string): string {
  const outfile = join(workDir, 'floor-server.mjs');
  buildSync({ entryPoints: [join(repoRoot, 'bench', 'floor-server.ts')], outfile, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
  return outfile;
}

const workDir = mkdtempSync(join(tmpdir(), 'spindle-bench-'));
const mock = await startMock();
const rows: Row[] = [];
let targets: Target[] = [];
try {
  const codexBin = process.env.CODEX_BIN?.trim() || undefined;
  const env = { mockUrl: mock.baseUrl, workDir, floorScript: compileFloor(workDir), codexBin };
  targets = await createTargets(env, targetNames);
  progress(`targets: ${targets.map((target) => target.name).join(', ')}${args.quick ? ' (quick)' : ''}; mock at ${mock.baseUrl}`);

  const servers = new Map<TargetName, Server>();
  const context: Context = {
    env,
    targets,
    rounds: args.quick ? QUICK_ROUNDS : FULL_ROUNDS,
    server(target) {
      const server = servers.get(target.name);
      if (!server) throw new Error(`no shared server for ${target.name}`);
      return server;
    },
    progress,
  };
  const closeShared = async () => {
    for (const server of servers.values()) await server.close();
    servers.clear();
  };
  for (const name of workloadNames) {
    const workload = WORKLOADS[name];
    if (workload.shared && servers.size === 0) {
      for (const target of targets) servers.set(target.name, await target.start(target.newHome()));
    } else if (!workload.shared) {
      await closeShared();
    }
    rows.push(...(await workload.run(context)));
  }
  await closeShared();
} finally {
  mock.stop();
  rmSync(workDir, { recursive: true, force: true });
}

const byId = new Map(rows.map((row) => [row.id, row]));
const goals = checkGoals(byId);
process.stdout.write(`\n${formatReport(targets, rows, goals)}\n`);

const meta = {
  startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
  seconds: Math.round((performance.now() - started) / 100) / 10,
  quick: args.quick,
  workloads: workloadNames,
  wasmInstantiateMs,
  machine: { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpus().length, cpu: cpus()[0]?.model, loadavg: loadavg() },
};
const resultsDir = join(repoRoot, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `${meta.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(reportJson(meta, targets, rows, goals), null, 2)}\n`);
process.stdout.write(`\nAll samples: ${relative(process.cwd(), file)} (${meta.seconds} s)\n`);

// The servers the bench compares, behind one shape: `spindle app-server` over stdio, the napi and
// wasm engines in this process, a real `codex app-server` (CODEX_BIN) and the do-nothing floor.
// Each keeps its state in a "home" directory, so a restart on the same home sees the same threads.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { createEngine as createWasmEngine, initWasm } from '../ts/src/browser.ts';
import {
  connectInProcess,
  createEngine,
  createFetchTransport,
  createMemoryStore,
  openSqliteStore,
  spawnTransport,
  SpindleClient,
  type StoreAdapter,
} from '../ts/src/index.ts';

export const repoRoot = fileURLToPath(new URL('../', import.meta.url));

export const TARGET_NAMES = ['stdio', 'napi', 'wasm', 'codex', 'floor'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** A started, initialized server and the one client connected to it. */
export interface Server {
  readonly client: SpindleClient;
  /** The child process, for its RSS; `null` in process. */
  readonly pid: number | null;
  close(): Promise<void>;
}

export interface Target {
  readonly name: TargetName;
  readonly label: string;
  /** A new state directory configured for the mock model. */
  newHome(): string;
  /** Starts a server over `home` and initializes it with `experimentalApi`. */
  start(home: string): Promise<Server>;
  /** `thread/queue/add` params in this server's dialect (codex 0.169 drifted from the seed: PROTOCOL.md §6.2). */
  queueAdd(threadId: string, text: string, n: number): object;
}

/** What every target needs from the run. */
export interface BenchEnv {
  /** The mock's `http://127.0.0.1:<port>/v1`. */
  mockUrl: string;
  /** Where homes are made; removed after the run. */
  workDir: string;
  /** The compiled floor server. */
  floorScript: string;
  codexBin: string | undefined;
}

const API_KEY = 'sk-bench';
const clientInfo = { name: 'spindle_bench', title: null, version: '1' };

function makeHome(env: BenchEnv, name: TargetName): string {
  return mkdtempSync(join(env.workDir, `${name}-`));
}

/** A home for a child app-server: `config.toml` naming the mock as the model provider, as codex reads it. */
function childHome(env: BenchEnv, name: TargetName): string {
  const home = makeHome(env, name);
  writeFileSync(
    join(home, 'config.toml'),
    [
      'model = "mock-model"',
      'model_provider = "mock_provider"',
      '[model_providers.mock_provider]',
      'name = "Bench mock"',
      `base_url = "${env.mockUrl}"`,
      'wire_api = "responses"',
      'env_key = "BENCH_MOCK_KEY"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ].join('\n'),
  );
  return home;
}

async function startChild(env: BenchEnv, home: string, command: string, args: string[]): Promise<Server> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, CODEX_HOME: home, BENCH_MOCK_KEY: API_KEY, BENCH_MODEL_URL: env.mockUrl };
  delete childEnv.OPENAI_API_KEY;
  delete childEnv.OPENAI_BASE_URL;
  const stderr: string[] = [];
  const transport = spawnTransport(command, args, {
    cwd: home,
    env: childEnv,
    stderr: (line) => {
      stderr.push(line);
      if (stderr.length > 20) stderr.shift();
    },
  });
  const client = new SpindleClient(transport);
  try {
    await client.initialize(clientInfo, { experimentalApi: true, optOutNotificationMethods: null });
  } catch (error) {
    transport.child.kill('SIGKILL');
    throw new Error(`${command} ${args.join(' ')} did not initialize: ${String(error)}\n${stderr.join('\n')}`);
  }
  const close = async (): Promise<void> => {
    client.close();
    const timer = setTimeout(() => transport.child.kill('SIGKILL'), 5_000);
    await transport.exited;
    clearTimeout(timer);
  };
  return { client, pid: transport.child.pid ?? null, close };
}

function engineOptions(home: string) {
  return { codexHome: home, cwd: home, model: 'mock-model', modelProvider: 'mock_provider' };
}

async function inProcess(engine: Parameters<typeof connectInProcess>[0]): Promise<Server> {
  const client = new SpindleClient(connectInProcess(engine));
  await client.initialize(clientInfo, { experimentalApi: true, optOutNotificationMethods: null });
  return { client, pid: null, close: async () => client.close() };
}

const seedQueueAdd = (threadId: string, text: string) => ({
  threadId,
  turnStartParams: { threadId, input: [{ type: 'text', text, text_elements: [] }] },
});

/** The wasm module's load time in this process, once (compile + instantiate), in ms. */
export let wasmInstantiateMs: number | null = null;

/** The targets named in `names` that can run here (codex needs `env.codexBin`). */
export async function createTargets(env: BenchEnv, names: readonly TargetName[]): Promise<Target[]> {
  const model = () => createFetchTransport({ baseUrl: env.mockUrl, apiKey: API_KEY });
  const all: Record<TargetName, () => Promise<Target | null>> = {
    stdio: async () => ({
      name: 'stdio',
      label: 'spindle app-server (stdio)',
      newHome: () => childHome(env, 'stdio'),
      // What `npx spindle app-server` runs once npx has found the bin.
      start: (home) => startChild(env, home, process.execPath, [join(repoRoot, 'ts', 'bin', 'spindle.js'), 'app-server']),
      queueAdd: seedQueueAdd,
    }),
    napi: async () => ({
      name: 'napi',
      label: 'napi engine in process (SQLite store)',
      newHome: () => makeHome(env, 'napi'),
      start: async (home) => inProcess(createEngine({ options: engineOptions(home), transport: model(), store: await openSqliteStore(join(home, 'spindle')) })),
      queueAdd: seedQueueAdd,
    }),
    wasm: async () => {
      const started = performance.now();
      await initWasm(readFileSync(join(repoRoot, 'wasm', 'pkg-web', 'spindle_wasm_bg.wasm')));
      wasmInstantiateMs = performance.now() - started;
      // A restarted wasm engine finds its threads in the same JS store, as a reloaded page finds IndexedDB.
      const stores = new Map<string, StoreAdapter>();
      return {
        name: 'wasm',
        label: 'wasm engine in Node (JS memory store)',
        newHome: () => makeHome(env, 'wasm'),
        start: async (home) => {
          const store = stores.get(home) ?? createMemoryStore();
          stores.set(home, store);
          return inProcess(createWasmEngine({ options: engineOptions(home), transport: model(), store }));
        },
        queueAdd: seedQueueAdd,
      };
    },
    codex: async () => {
      const bin = env.codexBin;
      if (bin === undefined) return null;
      return {
        name: 'codex',
        label: `codex app-server (${codexVersion(bin)})`,
        newHome: () => childHome(env, 'codex'),
        start: (home) => startChild(env, home, bin, ['app-server']),
        queueAdd: (threadId, text, n) => ({ threadId, input: [{ type: 'text', text, text_elements: [] }], clientUserMessageId: `bench-${n}` }),
      };
    },
    floor: async () => ({
      name: 'floor',
      label: 'do-nothing Node stdio server',
      newHome: () => childHome(env, 'floor'),
      start: (home) => startChild(env, home, process.execPath, [env.floorScript]),
      queueAdd: seedQueueAdd,
    }),
  };
  const targets: Target[] = [];
  for (const name of names) {
    const target = await all[name]();
    if (target) targets.push(target);
  }
  return targets;
}

function codexVersion(bin: string): string {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch (error) {
    throw new Error(`CODEX_BIN=${bin} does not run: ${String(error)}`);
  }
}

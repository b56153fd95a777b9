// Every golden transcript Spindle covers, replayed through the in-process napi engine and through
// `spindle app-server` over stdio, each against a mock Responses server serving what the capture's mock did.
// Needs the napi addon and `npx tsc -p ts/tsconfig.json` (for the CLI) built first.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createBindingEngine } from '../../ts/src/runtime/node.js';
import { createMemoryStore, toStoreCall } from '../../ts/src/stores/index.js';
import { spawnTransport } from '../../ts/src/transports/child-process.js';
import { createFetchTransport } from '../../ts/src/transports/fetch.js';
import { startMockResponses, type RecordedRequest } from '../support/mock-responses.js';
import {
  assertMessagesMatch,
  assertRequestsMatch,
  assertSchemaValid,
  replay,
  type HostPaths,
  type OpenConnection,
  type Replay,
} from '../support/replay.js';
import { everyScenario, observedAborts, scenarios, type Scenario } from '../support/scenarios.js';
import { loadTranscript, type Transcript } from '../support/transcript.js';

const cliPath = fileURLToPath(new URL('../../ts/dist/cli/main.js', import.meta.url));

interface Target {
  name: string;
  /** Connections to fresh servers on one store, talking to the mock at `baseUrl`, set up for `scenario`. */
  connect(baseUrl: string, host: HostPaths, scenario: Scenario): OpenConnection;
  /** What this target still lacks for `scenario`, if anything. */
  missing?(scenario: Scenario): string | undefined;
}

const napi: Target = {
  name: 'the napi engine',
  connect(baseUrl, host, scenario) {
    // The store outlives each engine, so a second connection after a restart sees the same threads.
    const store = toStoreCall(createMemoryStore());
    return async (receive) => {
      const options = {
        model: 'mock-model',
        modelProvider: 'mock_provider',
        cwd: host.cwd,
        codexHome: host.codexHome,
        ...(scenario.models ? { models: scenario.models } : {}),
        requestMaxRetries: scenario.providerRetries?.request ?? 0,
        streamMaxRetries: scenario.providerRetries?.stream ?? 0,
      };
      const engine = createBindingEngine(JSON.stringify(options), createFetchTransport({ baseUrl }), store);
      const connection = engine.connect(receive);
      return {
        send: (text) => connection.send(text),
        close: async () => connection.close(),
      };
    };
  },
};

const cli: Target = {
  name: 'spindle app-server over stdio',
  connect(baseUrl, host, scenario) {
    assert.ok(existsSync(cliPath), `build the package first: npx tsc -p ts/tsconfig.json (missing ${cliPath})`);
    writeFileSync(
      join(host.codexHome, 'config.toml'),
      [
        'model = "mock-model"',
        'model_provider = "mock_provider"',
        '',
        '[model_providers.mock_provider]',
        'name = "Mock provider for test"',
        `base_url = "${baseUrl}"`,
        'wire_api = "responses"',
        // As the capture's config: 0 except in 06b.
        `request_max_retries = ${scenario.providerRetries?.request ?? 0}`,
        `stream_max_retries = ${scenario.providerRetries?.stream ?? 0}`,
        '',
      ].join('\n'),
    );
    const catalog = join(host.codexHome, 'models.json');
    if (scenario.models) writeFileSync(catalog, JSON.stringify(scenario.models));
    return async (receive) => {
      const env: NodeJS.ProcessEnv = { ...process.env, CODEX_HOME: host.codexHome };
      if (scenario.models) env.SPINDLE_MODEL_CATALOG = catalog;
      delete env.OPENAI_API_KEY;
      delete env.OPENAI_BASE_URL;
      // stderr carries only diagnostics, worth seeing when a replay goes wrong.
      const child = spawnTransport(process.execPath, [cliPath, 'app-server'], { cwd: host.cwd, env, stderr: 'inherit' });
      child.onMessage(receive);
      return {
        send: (text) => child.send(text),
        async close() {
          // The server exits once stdin ends and its work is done; a turn left hanging on a stalled
          // mock stream (a replay that went wrong) would keep it alive, so it gets a grace period.
          child.close();
          const grace = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 3_000).unref());
          if ((await Promise.race([child.exited, grace])) === 'late') {
            child.child.kill();
            await child.exited;
          }
        },
      };
    };
  },
};

interface Outcome {
  result: Replay;
  requests: RecordedRequest[];
  host: HostPaths;
  /** The model requests the client had aborted mid-stream when the last server closed. */
  aborted: number[];
}

async function run(scenario: Scenario, transcript: Transcript, target: Target): Promise<Outcome> {
  const mock = await startMockResponses(scenario.mock);
  // realpath: the CLI reports process.cwd(), which resolves symlinks in the temp path.
  const host: HostPaths = {
    cwd: realpathSync(mkdtempSync(join(tmpdir(), 'spindle-replay-cwd-'))),
    codexHome: realpathSync(mkdtempSync(join(tmpdir(), 'spindle-replay-home-'))),
  };
  const open = target.connect(mock.baseUrl, host, scenario);
  let aborted: number[] = [];
  // Looked at before each server closes: a server process killed at close would close its streams too.
  const watched: OpenConnection = async (receive) => {
    const connection = await open(receive);
    return {
      send: (text) => connection.send(text),
      async close() {
        aborted = await observedAborts(scenario, mock);
        await connection.close();
      },
    };
  };
  try {
    const result = await replay(transcript, watched);
    return { result, requests: [...mock.requests], host, aborted };
  } finally {
    await mock.close();
    rmSync(host.cwd, { recursive: true, force: true });
    rmSync(host.codexHome, { recursive: true, force: true });
  }
}

for (const scenario of scenarios) {
  const transcript = loadTranscript(scenario.name);
  const tolerated = { ...everyScenario, ...scenario.tolerated };
  for (const target of [napi, cli]) {
    const todo = [scenario.todo, target.missing?.(scenario)].filter(Boolean).join('; ') || undefined;
    describe(`transcript ${scenario.name} through ${target.name}`, { timeout: 120_000 }, () => {
      let outcome: Promise<Outcome> | undefined;
      const replayed = () => (outcome ??= run(scenario, transcript, target));

      it('sends only messages the v2 schema accepts', { todo }, async () => {
        assertSchemaValid((await replayed()).result);
      });

      it('matches the golden server messages after normalisation', { todo }, async () => {
        const { result, host } = await replayed();
        assertMessagesMatch(result, transcript, tolerated, host);
      });

      it('makes the model requests the capture made, on the fields Spindle sends', { todo }, async () => {
        const { result, requests, host } = await replayed();
        assertRequestsMatch(result, requests, transcript, tolerated, host);
      });

      it('aborts the HTTP request of each stream an interrupt or a steer cut short, and no other', { todo }, async () => {
        assert.deepEqual((await replayed()).aborted, scenario.clientAborts ?? []);
      });
    });
  }
}

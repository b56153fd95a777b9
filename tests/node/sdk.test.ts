// The TypeScript SDK in Node: the shared cases (tests/sdk/cases.ts) on the napi engine in-process, on a
// child `spindle app-server` over stdio and, when CODEX_BIN names a codex 0.169 binary, on a real
// `codex app-server` (skipped with the reason otherwise), all against the mock Responses server; then
// what only Node can check (a killed child, missing events, the queue's wire shapes, the SDK version).
// The stdio target needs `npx tsc -p ts/tsconfig.json` and the napi addon built first.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  createMemoryStore,
  IncompleteTurnError,
  SDK_VERSION,
  Spindle,
  spawnTransport,
  SpindleClient,
  startTurn,
  type ChildProcessTransport,
} from '../../ts/src/index.ts';
import { fakeServer, tick } from '../support/fake-server.ts';
import { startMockResponses, type MockResponsesServer } from '../support/mock-responses.ts';
import { messageAddedEvent, createdEvent } from '../support/responses-events.ts';
import { sdkCases, type SdkContext, type SdkTarget } from '../sdk/cases.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliPath = join(repoRoot, 'ts', 'dist', 'cli', 'main.js');

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'spindle-sdk-')));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

// A real `codex app-server` to run the cases against, when the machine has one.
const codexBin = process.env.CODEX_BIN?.trim() || undefined;

/**
 * Starts `spindle app-server` (or, for `codex`, the binary at CODEX_BIN) with the mock as its model
 * provider, configured the way codex reads it: `$CODEX_HOME/config.toml`.
 */
function spawnAppServer(mock: MockResponsesServer, stderr: string[], server: 'spindle' | 'codex' = 'spindle'): ChildProcessTransport {
  const home = tempDir();
  writeFileSync(
    join(home, 'config.toml'),
    [
      'model = "mock-model"',
      'model_provider = "mock_provider"',
      '[model_providers.mock_provider]',
      'name = "Mock provider for test"',
      `base_url = "${mock.baseUrl}"`,
      'wire_api = "responses"',
      'env_key = "SPINDLE_TEST_MOCK_KEY"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, CODEX_HOME: home, SPINDLE_TEST_MOCK_KEY: 'sk-sdk-test' };
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;
  const options = { cwd: home, env, stderr: (line: string) => stderr.push(line) };
  if (server === 'codex') return spawnTransport(codexBin ?? 'codex', ['app-server'], options);
  assert.ok(existsSync(cliPath), `build the package first: npx tsc -p ts/tsconfig.json (missing ${cliPath})`);
  return spawnTransport(process.execPath, [cliPath, 'app-server'], options);
}

/** A context for `target` on `mock`, and the cleanup that closes everything it opened. */
function context(target: Exclude<SdkTarget, 'wasm'>, mock: MockResponsesServer) {
  const opened: Spindle[] = [];
  const children: ChildProcessTransport[] = [];
  const stderr: string[] = [];
  const ctx: SdkContext = {
    target,
    async connect(options = {}) {
      const { storage, ...connectOptions } = options;
      let spindle: Spindle;
      if (target === 'napi') {
        spindle = await Spindle.create({
          ...connectOptions,
          storage,
          baseUrl: mock.baseUrl,
          apiKey: 'sk-sdk-test',
          codexHome: '/virtual/codex-home',
          cwd: '/virtual/cwd',
        });
      } else {
        assert.equal(storage, undefined, 'a child app-server keeps its own storage');
        const child = spawnAppServer(mock, stderr, target === 'codex' ? 'codex' : 'spindle');
        children.push(child);
        spindle = await Spindle.connect(child, connectOptions);
      }
      opened.push(spindle);
      return spindle;
    },
    async connectSecond(first, options = {}) {
      assert.ok(first.engine, 'a second client needs an in-process engine');
      const spindle = await Spindle.connect(first.engine, options);
      opened.push(spindle);
      return spindle;
    },
    modelRequests: async () => mock.requests.filter((request) => request.path === '/v1/responses'),
    memoryStore: createMemoryStore,
  };
  const cleanup = async () => {
    for (const spindle of opened) spindle.close();
    await mock.close();
    // Ending stdin (close) lets a child finish; the mock closing ended any stream it still waited on.
    await Promise.all(children.map((child) => exitWithin(child, 5_000)));
  };
  return { ctx, cleanup, stderr };
}

async function exitWithin(child: ChildProcessTransport, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const outcome = await Promise.race([child.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    child.child.kill('SIGKILL');
    assert.fail(`the child app-server did not exit within ${ms} ms of its stdin closing`);
  }
}

const targets = {
  napi: 'the napi engine in-process',
  stdio: 'a child spindle app-server (stdio)',
  codex: 'a real codex app-server (CODEX_BIN)',
} as const;

for (const target of ['napi', 'stdio', 'codex'] as const) {
  describe(`SDK over ${targets[target]}`, () => {
    for (const sdkCase of sdkCases) {
      const skip =
        target === 'codex' && codexBin === undefined
          ? 'CODEX_BIN is not set (point it at a codex 0.169 binary to run the SDK against it)'
          : sdkCase.targets && !sdkCase.targets.includes(target)
            ? `needs ${sdkCase.targets.join(' or ')}`
            : false;
      test(sdkCase.name, { timeout: 30_000, skip }, async () => {
        const mock = await startMockResponses(sdkCase.mock);
        const { ctx, cleanup, stderr } = context(target, mock);
        try {
          await sdkCase.run(ctx);
        } catch (error) {
          if (stderr.length > 0) (error as Error).message += `\nchild stderr:\n${stderr.join('\n')}`;
          throw error;
        } finally {
          await cleanup();
        }
      });
    }
  });
}

describe('SDK edges only Node can reach', () => {
  test('a child app-server killed mid-turn rejects the run with IncompleteTurnError naming the signal', { timeout: 30_000 }, async () => {
    const mock = await startMockResponses([{ events: [createdEvent('resp_1'), messageAddedEvent('msg_1')], keepOpen: true }]);
    const stderr: string[] = [];
    const child = spawnAppServer(mock, stderr);
    try {
      const spindle = await Spindle.connect(child);
      const thread = await spindle.startThread();
      const running = thread.run('Talk.');
      await new Promise<void>((resolve) => {
        const off = thread.onNotification((n) => {
          if (n.method === 'item/started' && n.params.item.type === 'agentMessage') {
            off();
            resolve();
          }
        });
      });
      child.child.kill('SIGKILL');
      await assert.rejects(running, (error: unknown) => {
        assert.ok(error instanceof IncompleteTurnError, String(error));
        assert.equal(error.threadId, thread.id);
        assert.match(error.message, /closed before turn\/completed of turn [0-9a-f-]+ .* was killed by SIGKILL$/);
        return true;
      });
    } finally {
      await mock.close();
    }
  });

  test('a turn/completed listing an item no item/completed delivered rejects the result', async () => {
    const server = fakeServer();
    const client = new SpindleClient(server.transport);
    const stream = startTurn(client, { threadId: 't1', input: [] });
    const turn = (status: string, items: unknown[]) => ({ id: 'u1', items, status, error: null, startedAt: 1, completedAt: null, durationMs: null });
    // Notifications before the answer are kept until the turn id is known.
    server.reply({ method: 'turn/started', params: { threadId: 't1', turn: turn('inProgress', []) } });
    server.reply({ id: 1, result: { turn: turn('inProgress', []) } });
    const agent = { type: 'agentMessage', id: 'msg_lost', text: 'never completed' };
    server.reply({ method: 'turn/completed', params: { threadId: 't1', turn: turn('completed', [agent]) } });
    await assert.rejects(stream.result, (error: unknown) => {
      assert.ok(error instanceof IncompleteTurnError);
      assert.equal(error.message, 'turn u1 completed listing agentMessage msg_lost, but no item/completed delivered it');
      return true;
    });
    assert.equal(await stream.turnId, 'u1');
  });

  test('the queue methods send the thread/queue/* shapes and onChanged keeps to its thread', async () => {
    const server = fakeServer();
    const connecting = Spindle.connect(server.transport);
    server.reply({ id: 1, result: { userAgent: 'fake/0.169.0', codexHome: '/', platformFamily: 'unix', platformOs: 'linux' } });
    const spindle = await connecting;
    assert.deepEqual(server.toServer[0]?.params, {
      clientInfo: { name: 'spindle_sdk', title: 'Spindle SDK', version: SDK_VERSION },
      capabilities: { experimentalApi: true, optOutNotificationMethods: null },
    });
    const starting = spindle.resumeThread('t1');
    server.reply({ id: 2, result: { thread: { id: 't1', turns: [] } } });
    const thread = await starting;
    const { queue } = thread;

    const changes: unknown[] = [];
    queue.onChanged((queuedTurns) => changes.push(queuedTurns));
    const queued = { id: 'q1', turnStartParams: { threadId: 't1', input: [] }, status: { type: 'pending' } };
    const calls: Array<[Promise<unknown>, unknown]> = [
      [queue.add('Next.', { model: 'm' }), { queuedTurn: queued }],
      [queue.list({ limit: 5 }), { data: [queued], nextCursor: null }],
      [queue.update('q1', 'Edited.'), { queuedTurn: queued }],
      [queue.reorder(['q1']), { queuedTurns: [queued] }],
      [queue.delete('q1'), { deleted: true }],
      [queue.start(), { turn: { id: 'u9' } }],
    ];
    const text = (value: string) => [{ type: 'text', text: value, text_elements: [] }];
    const requests = server.toServer.slice(3);
    assert.deepEqual(
      requests.map((m) => [m.method, m.params]),
      [
        ['thread/queue/add', { threadId: 't1', turnStartParams: { model: 'm', threadId: 't1', input: text('Next.') } }],
        ['thread/queue/list', { limit: 5, threadId: 't1' }],
        ['thread/queue/update', { threadId: 't1', queuedTurnId: 'q1', turnStartParams: { threadId: 't1', input: text('Edited.') } }],
        ['thread/queue/reorder', { threadId: 't1', queuedTurnIds: ['q1'] }],
        ['thread/queue/delete', { threadId: 't1', queuedTurnId: 'q1' }],
        ['thread/queue/start', { threadId: 't1' }],
      ],
    );
    for (const [index, request] of requests.entries()) server.reply({ id: request.id, result: calls[index][1] });
    assert.deepEqual(await Promise.all(calls.map(([call]) => call)), [queued, { data: [queued], nextCursor: null }, queued, [queued], true, { id: 'u9' }]);

    server.reply({ method: 'thread/queue/changed', params: { threadId: 't2', queuedTurns: [] } });
    server.reply({ method: 'thread/queue/changed', params: { threadId: 't1', queuedTurns: [queued] } });
    await tick();
    assert.deepEqual(changes, [[queued]]);
  });

  test('SDK_VERSION is the package version', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'ts', 'package.json'), 'utf8')) as { version: string };
    assert.equal(SDK_VERSION, pkg.version);
  });
});

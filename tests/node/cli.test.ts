// The `spindle` CLI as a child process (stdio app-server against the mock Responses server), its
// config resolution, and the TS package pieces it is built from (client, fetch transport, store bridge).
// Needs `npx tsc -p ts/tsconfig.json` and the napi addon built first.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  ConfigError,
  DEFAULT_OPENAI_BASE_URL,
  resolveCodexHome,
  resolveModelConfig,
  resolveStoreChoice,
} from '../../ts/src/cli/config.js';
import { RequestError, SpindleClient, type Transport } from '../../ts/src/client/index.js';
import { spawnTransport, type ChildProcessTransport } from '../../ts/src/transports/child-process.js';
import { createFetchTransport } from '../../ts/src/transports/fetch.js';
import { cancellationScript, interruptAndSteerMidStream } from '../support/cancellation.js';
import { fakeServer, tick } from '../support/fake-server.ts';
import { plainTurnEvents, startMockResponses } from '../support/mock-responses.js';
import { assertValidServerMessage } from '../support/schema.js';
import { comparableTranscript, loadTranscript } from '../support/transcript.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliPath = join(repoRoot, 'ts', 'dist', 'cli', 'main.js');

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  // realpath: the CLI reports process.cwd(), which resolves symlinks in the temp path.
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `spindle-cli-${prefix}-`)));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** The environment minus anything that would pick a model behind the test's back. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;
  return env;
}

interface Cli {
  transport: ChildProcessTransport;
  /** Every stdout line, raw. */
  lines: string[];
  /** What the client wrote, parsed. */
  sent: Array<Record<string, unknown>>;
  stderr: string[];
  client: SpindleClient;
}

function startCli(options: { cwd: string; codexHome: string; env?: Record<string, string>; args?: string[] }): Cli {
  assert.ok(existsSync(cliPath), `build the package first: npx tsc -p ts/tsconfig.json (missing ${cliPath})`);
  const stderr: string[] = [];
  const transport = spawnTransport(process.execPath, [cliPath, 'app-server', ...(options.args ?? [])], {
    cwd: options.cwd,
    env: cleanEnv({ CODEX_HOME: options.codexHome, ...options.env }),
    stderr: (line) => stderr.push(line),
  });
  const lines: string[] = [];
  const sent: Array<Record<string, unknown>> = [];
  transport.onMessage((line) => lines.push(line));
  const recording: Transport = {
    send(message) {
      sent.push(JSON.parse(message) as Record<string, unknown>);
      transport.send(message);
    },
    onMessage: (listener) => transport.onMessage(listener),
    onClose: (listener) => transport.onClose(listener),
    close: () => transport.close(),
  };
  return { transport, lines, sent, stderr, client: new SpindleClient(recording) };
}

/** Parses every stdout line (failing on anything that is not one JSON object) and schema-checks it. */
function validatedMessages(cli: Cli): Array<Record<string, unknown>> {
  const methods = new Map(cli.sent.filter((m) => 'method' in m && 'id' in m).map((m) => [JSON.stringify(m.id), String(m.method)]));
  return cli.lines.map((line) => {
    const message = JSON.parse(line) as Record<string, unknown>;
    assert.equal(typeof message, 'object', `stdout line is not a JSON object: ${line}`);
    const isResponse = 'id' in message && !('method' in message);
    assertValidServerMessage(message, isResponse ? methods.get(JSON.stringify(message.id)) : undefined);
    return message;
  });
}

function writeConfig(codexHome: string, baseUrl: string, extra = ''): void {
  writeFileSync(
    join(codexHome, 'config.toml'),
    [
      'model = "mock-model"',
      'model_provider = "mock_provider"',
      '',
      '[model_providers.mock_provider]',
      'name = "Mock provider for test"',
      `base_url = "${baseUrl}"`,
      'wire_api = "responses"',
      'env_key = "SPINDLE_TEST_MOCK_KEY"',
      extra,
    ].join('\n'),
  );
}

describe('spindle app-server', () => {
  test('runs a plain turn against the config.toml provider, matching transcript 01', { timeout: 30_000 }, async () => {
    const mock = await startMockResponses([{ events: plainTurnEvents('Hello! How can I help?') }]);
    const codexHome = tempDir('home');
    const cwd = tempDir('cwd');
    writeConfig(codexHome, mock.baseUrl);
    const cli = startCli({ cwd, codexHome, env: { SPINDLE_TEST_MOCK_KEY: 'sk-mock-key' } });
    try {
      const init = await cli.client.initialize(
        { name: 'golden-capture', title: null, version: '0.0.1' },
        { experimentalApi: true, optOutNotificationMethods: null },
      );
      assert.equal(init.codexHome, codexHome);
      const { thread } = await cli.client.threadStart({ model: 'mock-model', baseInstructions: 'You are a terse test assistant.' });
      assert.equal(thread.modelProvider, 'mock_provider');
      assert.equal(thread.cwd, cwd);

      const { status, error, items } = await cli.client.runTurn(thread.id, 'Say hello.');
      assert.equal(status, 'completed', JSON.stringify(error));
      const agent = items.find((item) => item.type === 'agentMessage');
      assert.ok(agent && agent.type === 'agentMessage', `no agent message among ${JSON.stringify(items)}`);
      assert.equal(agent.text, 'Hello! How can I help?');

      assert.equal(mock.requests.length, 1, JSON.stringify(mock.requests.map((r) => `${r.method} ${r.path}`)));
      const [request] = mock.requests;
      assert.equal(request.method, 'POST');
      assert.equal(request.path, '/v1/responses');
      assert.equal(request.headers.authorization, 'Bearer sk-mock-key');
      const body = request.body as { stream: unknown; model: unknown; input: Array<{ role?: string; content?: Array<{ text?: string }> }> };
      assert.equal(body.stream, true);
      assert.equal(body.model, 'mock-model');
      const last = body.input.at(-1);
      assert.equal(last?.role, 'user');
      assert.equal(last?.content?.[0]?.text, 'Say hello.');

      cli.transport.close();
      assert.equal(await cli.transport.exited, 0, cli.stderr.join('\n'));
      const ours = validatedMessages(cli);
      const golden = loadTranscript('01_plain_turn');
      assert.deepEqual(comparableTranscript(ours, { cwd, codexHome }), comparableTranscript(golden.s2c));
    } finally {
      cli.transport.child.kill();
      await mock.close();
    }
  });

  test('aborts the model request a turn/interrupt or turn/steer cuts short', { timeout: 30_000 }, async () => {
    const mock = await startMockResponses(cancellationScript());
    const codexHome = tempDir('home');
    writeConfig(codexHome, mock.baseUrl);
    const cli = startCli({ cwd: tempDir('cwd'), codexHome, env: { SPINDLE_TEST_MOCK_KEY: 'sk-mock-key' } });
    try {
      await interruptAndSteerMidStream(cli.transport, mock);
      assert.equal(await cli.transport.exited, 0, cli.stderr.join('\n'));
    } finally {
      cli.transport.child.kill();
      await mock.close();
    }
  });

  test('finishes what stdin asked for before exiting when stdin ends', { timeout: 30_000 }, async () => {
    const cli = startCli({ cwd: tempDir('cwd'), codexHome: tempDir('home') });
    const threadId = '0b6f7c3e-8d2a-4f1e-9c55-2a7d3e1f4b60';
    try {
      // Everything is written at once and stdin closed right away: the answers and the whole
      // turn (scripted model, no config, no OPENAI_API_KEY) must still come out.
      for (const message of [
        { id: 1, method: 'initialize', params: { clientInfo: { name: 'pipe', title: null, version: '1' } } },
        { method: 'initialized' },
        { id: 2, method: 'thread/start', params: { threadId } },
        { id: 3, method: 'turn/start', params: { threadId, input: [{ type: 'text', text: 'hi', text_elements: [] }] } },
      ]) {
        cli.sent.push(message);
        cli.transport.send(JSON.stringify(message));
      }
      cli.transport.close();
      assert.equal(await cli.transport.exited, 0, cli.stderr.join('\n'));
      const messages = validatedMessages(cli);
      for (const id of [1, 2, 3]) {
        const answer = messages.find((m) => m.id === id);
        assert.ok(answer && 'result' in answer, `request ${id}: ${JSON.stringify(answer)}`);
      }
      const started = messages.find((m) => m.id === 2) as { result: { thread: { id: string; modelProvider: string } } };
      assert.equal(started.result.thread.id, threadId);
      assert.equal(started.result.thread.modelProvider, 'scripted');
      const completed = messages.filter((m) => m.method === 'turn/completed');
      assert.equal(completed.length, 1, cli.lines.join('\n'));
      assert.equal(messages.at(-1)?.method, 'turn/completed');
    } finally {
      cli.transport.child.kill();
    }
  });

  test('keeps threads in $CODEX_HOME/spindle, so a restarted server lists and reads them', { timeout: 30_000 }, async () => {
    const codexHome = tempDir('home');
    const cwd = tempDir('cwd');
    const first = startCli({ cwd, codexHome });
    let threadId: string;
    try {
      await first.client.initialize({ name: 'store', title: null, version: '1' });
      const { thread } = await first.client.threadStart({});
      threadId = thread.id;
      const turn = await first.client.runTurn(thread.id, 'Remember me.');
      assert.equal(turn.status, 'completed', JSON.stringify(turn.error));
      await first.client.request('thread/name/set', { threadId, name: 'Kept across restarts' });
      first.transport.close();
      assert.equal(await first.transport.exited, 0, first.stderr.join('\n'));
    } finally {
      first.transport.child.kill();
    }
    assert.ok(existsSync(join(codexHome, 'spindle', 'spindle.sqlite')), 'the store file is in $CODEX_HOME/spindle');

    const second = startCli({ cwd, codexHome });
    try {
      await second.client.initialize({ name: 'store', title: null, version: '1' });
      const listed = await second.client.request('thread/list', {});
      assert.deepEqual(
        listed.data.map((thread) => [thread.id, thread.name, thread.preview]),
        [[threadId, 'Kept across restarts', 'Remember me.']],
      );
      const read = await second.client.request('thread/read', { threadId, includeTurns: true });
      assert.equal(read.thread.turns.length, 1);
      assert.equal(read.thread.turns[0]?.status, 'completed');
      second.transport.close();
      assert.equal(await second.transport.exited, 0, second.stderr.join('\n'));
      validatedMessages(second);
    } finally {
      second.transport.child.kill();
    }
  });

  test('--store picks another directory, and --store memory keeps nothing on disk', { timeout: 30_000 }, async () => {
    const codexHome = tempDir('home');
    const elsewhere = join(tempDir('store'), 'threads');
    for (const args of [['--store', elsewhere], ['--store', 'memory']]) {
      const cli = startCli({ cwd: tempDir('cwd'), codexHome, args });
      try {
        await cli.client.initialize({ name: 'store', title: null, version: '1' });
        await cli.client.threadStart({});
        cli.transport.close();
        assert.equal(await cli.transport.exited, 0, cli.stderr.join('\n'));
      } finally {
        cli.transport.child.kill();
      }
    }
    assert.ok(existsSync(join(elsewhere, 'spindle.sqlite')), 'the store file is in the --store directory');
    assert.ok(!existsSync(join(codexHome, 'spindle')), 'nothing was written under $CODEX_HOME');
  });

  test('refuses a store directory it cannot create, on stderr, with exit code 1', { timeout: 15_000 }, async () => {
    const blocker = join(tempDir('store'), 'a-file');
    writeFileSync(blocker, '');
    const cli = startCli({ cwd: tempDir('cwd'), codexHome: tempDir('home'), args: ['--store', join(blocker, 'store')] });
    assert.equal(await cli.transport.exited, 1);
    assert.deepEqual(cli.lines, []);
    assert.match(cli.stderr.join('\n'), /spindle app-server: cannot open the store in .*a-file/);
  });

  test('plays a --script model script: a host tool call, an HTTP error, then the echo', { timeout: 30_000 }, async () => {
    const codexHome = tempDir('home');
    // A configured provider the script must win over: nothing listens on port 9.
    writeConfig(codexHome, 'http://127.0.0.1:9/v1');
    const script = join(tempDir('script'), 'script.json');
    writeFileSync(
      script,
      JSON.stringify({
        responses: [
          { output: [{ type: 'functionCall', name: 'lookup_ticket', arguments: { id: 'ABC-123' }, callId: 'call_1' }] },
          { output: [{ type: 'message', text: ['Ticket ABC-123 is open ', 'and owned by kim.'] }] },
          { status: 503, error: { message: 'upstream unavailable' } },
        ],
      }),
    );
    const cli = startCli({ cwd: tempDir('cwd'), codexHome, args: ['--script', script] });
    try {
      await cli.client.initialize({ name: 'script-test', title: null, version: '1' }, { experimentalApi: true, optOutNotificationMethods: null });
      const calls: unknown[] = [];
      cli.client.onServerRequest((request) => {
        calls.push(request.params);
        return { contentItems: [{ type: 'inputText', text: 'open, owned by kim' }], success: true };
      });
      const tools = [{ type: 'function', name: 'lookup_ticket', description: 'Fetch a ticket', inputSchema: { type: 'object' } }];
      const { thread } = await cli.client.threadStart({ dynamicTools: tools });
      assert.equal(thread.modelProvider, 'scripted');

      const tool = await cli.client.runTurn(thread.id, 'What about ABC-123?');
      assert.equal(tool.status, 'completed', JSON.stringify(tool.error));
      assert.deepEqual(calls, [
        { threadId: thread.id, turnId: tool.id, callId: 'call_1', namespace: null, tool: 'lookup_ticket', arguments: { id: 'ABC-123' } },
      ]);
      assert.deepEqual(
        tool.items.map((item) => item.type),
        ['userMessage', 'dynamicToolCall', 'agentMessage'],
      );
      const answer = tool.items.at(-1);
      assert.ok(answer?.type === 'agentMessage' && answer.text === 'Ticket ABC-123 is open and owned by kim.', JSON.stringify(answer));

      const failed = await cli.client.runTurn(thread.id, 'Again?');
      assert.equal(failed.status, 'failed');
      assert.deepEqual(failed.error, {
        message: 'We\u2019re currently experiencing high demand, which may cause temporary errors.',
        codexErrorInfo: 'internalServerError',
        additionalDetails: null,
        misalignment: null,
      });

      const echoed = await cli.client.runTurn(thread.id, 'Still there?');
      assert.equal(echoed.status, 'completed');
      const echo = echoed.items.find((item) => item.type === 'agentMessage');
      assert.ok(echo?.type === 'agentMessage' && echo.text.startsWith('You said: \u201cStill there?\u201d'), JSON.stringify(echo));

      cli.transport.close();
      assert.equal(await cli.transport.exited, 0, cli.stderr.join('\n'));
      validatedMessages(cli);
    } finally {
      cli.transport.child.kill();
    }
  });

  test('refuses a model script that does not check out, naming the problem, with exit code 1', { timeout: 15_000 }, async () => {
    const dir = tempDir('script');
    const cases: Array<[string, string, RegExp]> = [
      ['status.json', JSON.stringify({ responses: [{}, { status: 42 }] }), /invalid engine options: modelScript\.responses\[1\]: status 42 is not an HTTP status/],
      ['typo.json', JSON.stringify({ responses: [{ output: [{ type: 'mesage', text: 'x' }] }] }), /modelScript\.responses\[0\]\.output\[0\]\.type: unknown variant `mesage`/],
      ['broken.json', '{"responses": [', /model script: .*broken\.json is not JSON/],
    ];
    for (const [name, text, pattern] of cases) {
      writeFileSync(join(dir, name), text);
      const cli = startCli({ cwd: tempDir('cwd'), codexHome: tempDir('home'), env: { SPINDLE_MODEL_SCRIPT: join(dir, name) } });
      assert.equal(await cli.transport.exited, 1, name);
      assert.deepEqual(cli.lines, []);
      const stderr = cli.stderr.join('\n');
      assert.match(stderr, pattern);
      assert.doesNotMatch(stderr, /\n\s+at /, 'a configuration error prints no stack');
    }
  });

  test('refuses a provider whose wire_api is not responses, on stderr, with exit code 1', { timeout: 15_000 }, async () => {
    const codexHome = tempDir('home');
    writeConfig(codexHome, 'http://127.0.0.1:9/v1', '');
    const text = readFileSync(join(codexHome, 'config.toml'), 'utf8').replace('wire_api = "responses"', 'wire_api = "chat"');
    writeFileSync(join(codexHome, 'config.toml'), text);
    const cli = startCli({ cwd: tempDir('cwd'), codexHome, env: { SPINDLE_TEST_MOCK_KEY: 'k' } });
    assert.equal(await cli.transport.exited, 1);
    assert.deepEqual(cli.lines, []);
    assert.match(cli.stderr.join('\n'), /wire_api = "chat".*only "responses"/);
  });
});

test('the package bin (what `npx spindle` links) runs the compiled CLI', () => {
  const run = spawnSync(process.execPath, [join(repoRoot, 'ts', 'bin', 'spindle.js'), '--version'], { encoding: 'utf8' });
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'ts', 'package.json'), 'utf8')) as { version: string };
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, `spindle ${version}\n`);
});

describe('config resolution', () => {
  const config = (extra = '') =>
    ['model = "m1"', 'model_provider = "p"', '[model_providers.p]', 'base_url = "http://127.0.0.1:1/v1"', 'env_key = "P_KEY"', extra].join('\n');

  test('a provider named in config.toml wins over OPENAI_API_KEY', () => {
    const resolved = resolveModelConfig(config(), { OPENAI_API_KEY: 'openai-key', P_KEY: 'p-key' });
    assert.deepEqual(resolved, {
      model: 'm1',
      modelProvider: 'p',
      baseUrl: 'http://127.0.0.1:1/v1',
      apiKey: 'p-key',
      requestMaxRetries: 0,
      streamMaxRetries: 0,
    });
  });

  test("a provider's retry counts are read as codex names them", () => {
    const resolved = resolveModelConfig(config('request_max_retries = 2\nstream_max_retries = 3'), { P_KEY: 'k' });
    assert.deepEqual([resolved.requestMaxRetries, resolved.streamMaxRetries], [2, 3]);
  });

  test('without a configured provider, OPENAI_API_KEY selects OpenAI at OPENAI_BASE_URL or the default', () => {
    assert.deepEqual(resolveModelConfig(null, { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'http://127.0.0.1:2/v1' }), {
      model: null,
      modelProvider: 'openai',
      baseUrl: 'http://127.0.0.1:2/v1',
      apiKey: 'k',
      requestMaxRetries: 0,
      streamMaxRetries: 0,
    });
    assert.deepEqual(resolveModelConfig('model = "m2"\n', { OPENAI_API_KEY: 'k' }), {
      model: 'm2',
      modelProvider: 'openai',
      baseUrl: DEFAULT_OPENAI_BASE_URL,
      apiKey: 'k',
      requestMaxRetries: 0,
      streamMaxRetries: 0,
    });
  });

  test('with neither, the scripted model', () => {
    const none = { requestMaxRetries: 0, streamMaxRetries: 0 };
    assert.deepEqual(resolveModelConfig(null, {}), { model: null, modelProvider: 'scripted', baseUrl: null, apiKey: null, ...none });
    assert.deepEqual(resolveModelConfig('model = "m3"\n', { OPENAI_BASE_URL: 'http://127.0.0.1:3/v1' }), {
      model: 'm3',
      modelProvider: 'scripted',
      baseUrl: null,
      apiKey: null,
      ...none,
    });
  });

  test('model_provider = "openai" without a table is the built-in provider', () => {
    assert.deepEqual(resolveModelConfig('model_provider = "openai"\n', { OPENAI_API_KEY: 'k' }), {
      model: null,
      modelProvider: 'openai',
      baseUrl: DEFAULT_OPENAI_BASE_URL,
      apiKey: 'k',
      requestMaxRetries: 0,
      streamMaxRetries: 0,
    });
  });

  test('unusable configurations fail with a ConfigError that says why', () => {
    const cases: Array<[string | null, Record<string, string>, RegExp]> = [
      [config('wire_api = "chat"'), { P_KEY: 'k' }, /wire_api = "chat".*only "responses"/],
      [config(), {}, /P_KEY, which is not set/],
      ['model_provider = "nowhere"\n', {}, /no \[model_providers\.nowhere\] table/],
      ['model_provider = "p"\n[model_providers.p]\nwire_api = "responses"\n', {}, /has no base_url/],
      ['model = [1]\n', {}, /model must be a string/],
      ['model = \n', {}, /not valid TOML/],
      ['model_provider = "openai"\n', {}, /needs OPENAI_API_KEY/],
      [config('stream_max_retries = -1'), { P_KEY: 'k' }, /stream_max_retries must be a whole number/],
    ];
    for (const [text, env, pattern] of cases) {
      assert.throws(() => resolveModelConfig(text, env), (error: unknown) => error instanceof ConfigError && pattern.test(error.message));
    }
  });

  test('app-server keeps threads in SQLite under $CODEX_HOME/spindle unless --store says otherwise', () => {
    const home = join('/srv', 'codex');
    assert.deepEqual(resolveStoreChoice([], home), { store: { type: 'sqlite', dir: join(home, 'spindle') }, ignored: [] });
    assert.deepEqual(resolveStoreChoice(['--store', '/data/s'], home).store, { type: 'sqlite', dir: '/data/s' });
    assert.deepEqual(resolveStoreChoice(['--store=/data/t', 'extra'], home), {
      store: { type: 'sqlite', dir: '/data/t' },
      ignored: ['extra'],
    });
    assert.deepEqual(resolveStoreChoice(['--store', 'memory'], home).store, { type: 'memory' });
    assert.deepEqual(resolveStoreChoice(['--store', './memory'], home).store, { type: 'sqlite', dir: './memory' });
    for (const args of [['--store'], ['--store='], ['--store', '']]) {
      assert.throws(() => resolveStoreChoice(args, home), ConfigError, JSON.stringify(args));
    }
  });

  test('CODEX_HOME wins over ~/.codex', () => {
    assert.equal(resolveCodexHome({ CODEX_HOME: '/srv/codex' }, '/home/u'), '/srv/codex');
    assert.equal(resolveCodexHome({}, '/home/u'), join('/home/u', '.codex'));
    assert.equal(resolveCodexHome({ CODEX_HOME: '' }, '/home/u'), join('/home/u', '.codex'));
  });
});

describe('client over a fake transport', () => {
  test('numbers requests from 1 and turns a JSON-RPC error into a RequestError', async () => {
    const server = fakeServer();
    const client = new SpindleClient(server.transport);
    const first = client.request('thread/read', { threadId: 'x', includeTurns: false });
    const second = client.request('thread/loaded/list', {});
    assert.deepEqual(server.toServer.map((m) => [m.id, m.method]), [[1, 'thread/read'], [2, 'thread/loaded/list']]);
    server.reply({ id: 2, result: { data: ['t'], nextCursor: null } });
    server.reply({ error: { code: -32600, message: 'thread not loaded: x' }, id: 1 });
    assert.deepEqual(await second, { data: ['t'], nextCursor: null });
    await assert.rejects(first, (error: unknown) => error instanceof RequestError && error.code === -32600 && error.message === 'thread not loaded: x');
  });

  test('answers server requests through the handler, and with an error when there is none', async () => {
    const server = fakeServer();
    const client = new SpindleClient(server.transport);
    server.reply({ id: 0, method: 'item/tool/call', params: { tool: 'lookup' } });
    await tick();
    assert.deepEqual(server.toServer.at(-1), { id: 0, error: { code: -32601, message: 'no handler for server request item/tool/call' } });
    client.onServerRequest(async (request) => ({ contentItems: [{ type: 'inputText', text: String((request.params as { tool: string }).tool) }], success: true }));
    server.reply({ id: 1, method: 'item/tool/call', params: { tool: 'lookup' } });
    await tick();
    assert.deepEqual(server.toServer.at(-1), { id: 1, result: { contentItems: [{ type: 'inputText', text: 'lookup' }], success: true } });
    client.onServerRequest(() => {
      throw new Error('tool broke');
    });
    server.reply({ id: 2, method: 'item/tool/call', params: {} });
    await tick();
    assert.deepEqual(server.toServer.at(-1), { id: 2, error: { code: -32603, message: 'tool broke' } });
  });

  test('runTurn collects the items of its own turn only and resolves on its turn/completed', async () => {
    const server = fakeServer();
    const client = new SpindleClient(server.transport);
    const running = client.runTurn('t1', 'hi');
    assert.deepEqual(server.toServer[0], { id: 1, method: 'turn/start', params: { threadId: 't1', input: [{ type: 'text', text: 'hi', text_elements: [] }] } });
    const item = (id: string, turnId: string, threadId = 't1') => ({
      method: 'item/completed',
      params: { item: { type: 'agentMessage', id, text: id }, threadId, turnId, contentTokenCount: null, completedAtMs: 1 },
    });
    server.reply({ id: 1, result: { turn: { id: 'u1', status: 'inProgress' } } });
    server.reply(item('mine', 'u1'));
    server.reply(item('other-turn', 'u0'));
    server.reply(item('other-thread', 'u1', 't2'));
    server.reply({ method: 'turn/completed', params: { threadId: 't1', turn: { id: 'u0', status: 'completed' } } });
    server.reply({ method: 'turn/completed', params: { threadId: 't1', turn: { id: 'u1', status: 'completed' } } });
    const { id, items } = await running;
    assert.equal(id, 'u1');
    assert.deepEqual(items.map((i) => i.id), ['mine']);
  });

  test('a transport that closes rejects what is pending', async () => {
    const closeListeners = new Set<(error?: Error) => void>();
    const server = fakeServer();
    const client = new SpindleClient({
      ...server.transport,
      onClose: (listener) => {
        closeListeners.add(listener);
        return () => closeListeners.delete(listener);
      },
    });
    const pending = client.request('thread/loaded/list', {});
    for (const listener of closeListeners) listener(new Error('child exited with code 3'));
    await assert.rejects(pending, /child exited with code 3/);
    await assert.rejects(client.request('thread/loaded/list', {}), /child exited with code 3/);
  });
});

describe('fetch transport', () => {
  test('posts to baseUrl + path with the bearer key, then streams the body until null', { timeout: 15_000 }, async () => {
    const mock = await startMockResponses([{ events: plainTurnEvents('streamed') }]);
    try {
      const transport = createFetchTransport({ baseUrl: `${mock.baseUrl}/`, apiKey: 'sk-1' });
      const head = JSON.parse(
        await transport.post(JSON.stringify({ id: 7, path: '/responses', headers: { accept: 'text/event-stream' }, body: '{"stream":true}' })),
      ) as { status: number; headers: Record<string, string> };
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-type'], 'text/event-stream');
      const chunks: Uint8Array[] = [];
      for (let chunk = await transport.read(7); chunk !== null; chunk = await transport.read(7)) chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('utf8');
      assert.match(text, /event: response\.output_text\.delta\ndata: .*"delta":"streamed"/);
      assert.match(text, /event: response\.completed/);
      await assert.rejects(transport.read(7), /not open/);
      assert.equal(mock.requests[0]?.path, '/v1/responses');
      assert.equal(mock.requests[0]?.headers.authorization, 'Bearer sk-1');
      assert.deepEqual(mock.requests[0]?.body, { stream: true });
    } finally {
      await mock.close();
    }
  });

  test('cancel aborts a stream that is still open', { timeout: 15_000 }, async () => {
    const mock = await startMockResponses([{ events: plainTurnEvents('slow'), keepOpen: true }]);
    try {
      const transport = createFetchTransport({ baseUrl: mock.baseUrl });
      await transport.post(JSON.stringify({ id: 1, path: '/responses', headers: {}, body: '{}' }));
      const drained: Uint8Array[] = [];
      // The mock keeps the stream open after its last event, so this read waits until cancel.
      const reading = (async () => {
        for (;;) {
          const chunk = await transport.read(1);
          if (chunk === null) return 'ended';
          drained.push(chunk);
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 100));
      transport.cancel(1);
      await assert.rejects(reading, /cancelled/);
      assert.ok(drained.length > 0);
      assert.equal(mock.requests[0]?.headers.authorization, undefined);
    } finally {
      await mock.close();
    }
  });

  test('a refused connection rejects with the URL and the cause', async () => {
    const mock = await startMockResponses([]);
    const baseUrl = mock.baseUrl;
    await mock.close();
    const transport = createFetchTransport({ baseUrl });
    await assert.rejects(
      transport.post(JSON.stringify({ id: 1, path: '/responses', headers: {}, body: '{}' })),
      (error: unknown) => error instanceof Error && error.message.startsWith(`model request to ${baseUrl}/responses failed:`) && /ECONNREFUSED/.test(error.message),
    );
  });
});

test('ts/src/types.ts re-exports every generated type', () => {
  const tsSrc = join(repoRoot, 'ts', 'src');
  const generated = join(tsSrc, 'generated');
  const files = (readdirSync(generated, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts')).sort();
  assert.ok(files.length > 0);
  const index = readFileSync(join(tsSrc, 'types.ts'), 'utf8');
  const missing = files.filter((file) => {
    const specifier = `./${relative(tsSrc, join(generated, file)).split('\\').join('/').replace(/\.ts$/, '.js')}`;
    return !index.includes(`export type * from '${specifier}';`);
  });
  assert.deepEqual(missing, []);
});

// The README's Node quick start, run as a newcomer would (`node hello.mjs` in the repository) with
// the scripted model, and the VS Code-style example it points to. Need the napi addon and
// `npx tsc -p ts/tsconfig.json` built first.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { readmeSnippet } from '../support/readme.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const storage = mkdtempSync(join(tmpdir(), 'spindle-vscode-host-test-'));
after(() => rmSync(storage, { recursive: true, force: true }));

/** The scripted model's deterministic reply (core/src/model/scripted.rs). */
const scriptedReply = (prompt: string) => `You said: “${prompt}”. I am Spindle's scripted model`;

// Offline whatever the machine has set: the scripted model answers.
const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, ...offlineEnv } = process.env;

/** Runs `node args…` in the repository root with `stdin`; resolves with its exit code and output. */
function runNode(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, env: offlineEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

test('the README Node quick start streams a reply and reports the second turn', { timeout: 30_000 }, async () => {
  // A module read from stdin resolves `spindle` from the working directory, as hello.mjs would there.
  const { code, stdout, stderr } = await runNode(['--input-type=module'], readmeSnippet('node'));
  assert.equal(code, 0, stderr);
  const [streamed, summary, ...rest] = stdout.split('\n');
  assert.ok(streamed?.startsWith(scriptedReply('Say hello in five words.')), stdout);
  assert.match(summary ?? '', /^completed: You said: “Now in three\.”\. .* \(\d+ tokens so far\)$/);
  assert.deepEqual(rest, ['']);
});

test('the VS Code-style example: both webviews get every reply, the queued turn runs, the folder keeps it', { timeout: 60_000 }, async () => {
  const run = () => runNode(['--import', 'tsx', 'examples/vscode-host/main.ts', storage]);
  const first = await run();
  assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
  const lines = first.stdout.split('\n');
  const has = (pattern: RegExp) => assert.ok(lines.some((line) => pattern.test(line)), `no line matches ${pattern}:\n${first.stdout}`);
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  const prompts = ['Hello! What can you do?', 'Describe a spindle in one sentence.', 'And in three words?'];
  for (const [index, prompt] of prompts.entries()) {
    const reply = escape(scriptedReply(prompt));
    // Each webview shows each reply once: streamed live, or in its summary of the turn.
    for (const panel of ['A', 'B']) has(new RegExp(`^\\[${panel}\\] (assistant › |turn ${index + 1}.* completed: “)${reply}`));
    has(new RegExp(`^\\[B\\] turn ${index + 1}.* completed.*\\(the same \\d+ events as A\\)$`));
  }
  has(/^\[A\] queue changed: 1 waiting: “And in three words\?”$/);
  has(/^\[B\] queued “And in three words\?” while turn 2 runs/);
  has(/^\[C\] found 1 thread\(s\); thread [0-9a-f-]{36} has 3 turns \(completed, completed, completed\)$/);
  has(new RegExp(`^\\[C\\] last reply: “${escape(scriptedReply(prompts[2] ?? ''))}`));
  assert.doesNotMatch(first.stdout, /MISMATCH/);

  // A second run on the same folder finds the first run's thread too.
  const second = await run();
  assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
  assert.match(second.stdout, /^\[C\] found 2 thread\(s\); thread [0-9a-f-]{36} has 3 turns/m);
});

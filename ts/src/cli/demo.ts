// `spindle demo`: a short conversation in the terminal with an in-process engine. Offline with the
// scripted model; the real Responses API when OPENAI_API_KEY is set.

import { SpindleClient } from '../client/client.js';
import type { Notification } from '../client/methods.js';
import { createEngine } from '../runtime/node.js';
import { connectInProcess } from '../transports/in-process.js';
import type { CliHost } from './host.js';

export const DEMO_PROMPTS: readonly string[] = [
  'Hello! What can you do?',
  'Describe a spindle in one sentence.',
];

/** Slow enough that the scripted model's tokens visibly stream. */
const SCRIPTED_CHUNK_DELAY_MS = 40;

/** Runs one thread with a turn per prompt, printing deltas as they arrive; resolves with the exit code. */
export async function runDemo(host: CliHost, prompts: readonly string[], version: string): Promise<number> {
  const out = process.stdout;
  const color = out.isTTY === true && !process.env.NO_COLOR;
  const dim = (text: string): string => (color ? `\x1b[2m${text}\x1b[22m` : text);
  const bold = (text: string): string => (color ? `\x1b[1m${text}\x1b[22m` : text);

  const engine = createEngine({
    options: { ...host.options, scriptedChunkDelayMs: SCRIPTED_CHUNK_DELAY_MS },
    transport: host.transport,
  });
  const client = new SpindleClient(connectInProcess(engine));

  let streaming = false;
  const endLine = (): void => {
    if (streaming) out.write('\n');
    streaming = false;
  };
  client.onNotification((notification) => {
    if (notification.method === 'item/agentMessage/delta') {
      if (!streaming) out.write(bold('assistant › '));
      streaming = true;
      out.write(notification.params.delta);
      return;
    }
    endLine();
    out.write(`${dim(`  · ${describe(notification)}`)}\n`);
  });

  const model = host.config.baseUrl === null ? 'the scripted model (offline)' : `${host.config.modelProvider} at ${host.config.baseUrl}`;
  out.write(dim(`spindle ${version} demo — an in-process engine talking to ${model}\n`));
  await client.initialize({ name: 'spindle_demo', title: 'Spindle demo', version });
  // `thread/started` follows the response; wait for it so the first prompt prints after it.
  const announced = new Promise<void>((resolve) => {
    const off = client.onNotification((notification) => {
      if (notification.method === 'thread/started') {
        off();
        resolve();
      }
    });
  });
  const { thread } = await client.threadStart({});
  await announced;

  let failures = 0;
  for (const prompt of prompts) {
    out.write(`\n${bold('you › ')}${prompt}\n`);
    const result = await client.runTurn(thread.id, prompt);
    endLine();
    if (result.status !== 'completed') {
      failures += 1;
      out.write(`turn ${result.status}${result.error ? `: ${result.error.message}` : ''}\n`);
    }
  }
  client.close();
  return failures === 0 ? 0 : 1;
}

function describe(notification: Notification): string {
  switch (notification.method) {
    case 'item/started':
    case 'item/completed':
      return `${notification.method} (${notification.params.item.type})`;
    case 'turn/completed':
      return `${notification.method} (${notification.params.turn.status})`;
    case 'thread/status/changed':
      return `${notification.method} (${notification.params.status.type})`;
    default:
      return notification.method;
  }
}

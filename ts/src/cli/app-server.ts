// `spindle app-server`: the engine on stdio, newline-delimited JSON-RPC exactly as `codex app-server`
// speaks it. Stdout carries protocol messages only; diagnostics go to stderr.
//
// Lifecycle: when stdin ends, the server keeps running until every request it was sent has been
// answered and no turn is in progress, so `printf '…' | spindle app-server` prints whole
// conversations; then it flushes stdout and exits. A server request (`item/tool/call`) after stdin
// has ended could never be answered, so it ends the wait too.
//
// Threads and queued turns live in the store `--store` selects (SQLite under $CODEX_HOME/spindle by
// default), opened before the first message is read, so a restarted server resumes its threads.

import { createInterface } from 'node:readline';

// Not '../index.js': the server needs none of the SDK, and every module loaded delays `initialize`.
import { openSqliteStore } from '../runtime/node.js';
import { connectInProcess } from '../transports/in-process.js';
import type { StoreChoice } from './config.js';
import { createHostEngine, type CliHost } from './host.js';

/** Runs until stdin ends and the engine has settled; resolves with the exit code. */
export async function runAppServer(host: CliHost, storeChoice: StoreChoice): Promise<number> {
  const store = storeChoice.type === 'sqlite' ? await openStore(storeChoice.dir) : null;
  const engine = createHostEngine(host, { store });
  const transport = connectInProcess(engine);

  let stdinEnded = false;
  let orphanedServerRequest: () => void = () => {};
  const orphaned = new Promise<void>((resolve) => {
    orphanedServerRequest = resolve;
  });

  const stdout = process.stdout;
  let corked = false;
  transport.onMessage((message) => {
    // A streamed turn sends thousands of messages in bursts: buffered until the next tick, a burst
    // leaves in one write instead of one system call per message, and no message waits longer.
    if (!corked) {
      corked = true;
      stdout.cork();
      process.nextTick(() => {
        corked = false;
        stdout.uncork();
      });
    }
    stdout.write(`${message}\n`);
    if (stdinEnded && isServerRequest(message)) orphanedServerRequest();
  });

  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    try {
      transport.send(line);
    } catch (error) {
      process.stderr.write(`spindle app-server: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  });
  await new Promise<void>((resolve) => lines.once('close', resolve));
  stdinEnded = true;

  await Promise.race([transport.whenIdle(), orphaned]);
  transport.close();
  return 0;
}

async function openStore(dir: string): ReturnType<typeof openSqliteStore> {
  try {
    return await openSqliteStore(dir);
  } catch (error) {
    throw new Error(`spindle app-server: cannot open the store in ${dir}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function isServerRequest(text: string): boolean {
  try {
    const message = JSON.parse(text) as { id?: unknown; method?: unknown };
    return message.id !== undefined && typeof message.method === 'string';
  } catch {
    return false;
  }
}

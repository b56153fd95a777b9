// A Transport to a child app-server (`spindle app-server`, `codex app-server`): NDJSON over its
// stdio, one message per line each way. Node only.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

import type { Transport } from '../client/transport.js';
import { Listeners } from '../client/transport.js';

/** How to start the child. */
export interface ChildProcessTransportOptions {
  /** The child's working directory; default: this process's. */
  cwd?: string;
  /** The child's environment; default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** The child's stderr: inherited (the default), ignored, or handed to a callback line by line. */
  stderr?: 'inherit' | 'ignore' | ((line: string) => void);
}

/** A Transport that also exposes the child and its exit. */
export interface ChildProcessTransport extends Transport {
  /** The spawned process. */
  readonly child: ChildProcess;
  /** Calls `listener` once when the child has gone, with an error saying how (exit code, signal). */
  onClose(listener: (error?: Error) => void): () => void;
  /** Resolves with the exit code (or `null` when killed by a signal). */
  readonly exited: Promise<number | null>;
}

/** Spawns `command args…` and speaks newline-delimited JSON-RPC over its stdin/stdout. */
export function spawnTransport(
  command: string,
  args: readonly string[] = [],
  options: ChildProcessTransportOptions = {},
): ChildProcessTransport {
  const stderr = options.stderr ?? 'inherit';
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', typeof stderr === 'function' ? 'pipe' : stderr],
  };
  const child = spawn(command, args, spawnOptions);
  const stdin = child.stdin;
  const stdout = child.stdout;
  if (!stdin || !stdout) throw new Error(`could not open the stdio of ${command}`);

  const messages = new Listeners<[string]>();
  const closed = new Listeners<[Error | undefined]>();
  let exitError: Error | undefined;
  let gone = false;

  createInterface({ input: stdout, crlfDelay: Infinity }).on('line', (line) => {
    if (line.trim() !== '') messages.emit(line);
  });
  // The last stderr lines explain an unexpected exit better than its code alone.
  const stderrTail: string[] = [];
  if (typeof stderr === 'function' && child.stderr) {
    createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 5) stderrTail.shift();
      stderr(line);
    });
  }
  // A child that dies mid-write would otherwise crash the parent with EPIPE.
  stdin.on('error', () => {});

  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      exitError = new Error(`${command} failed to start: ${error.message}`);
      finish(null);
    });
    // 'close' (not 'exit') waits for stdout to end, so every line is delivered before we report.
    child.once('close', (code, signal) => {
      const why = stderrTail.length > 0 ? `: ${stderrTail.join('\n')}` : '';
      if (code !== 0 && code !== null) exitError ??= new Error(`${command} exited with code ${code}${why}`);
      if (signal) exitError ??= new Error(`${command} was killed by ${signal}`);
      finish(code);
    });
    function finish(code: number | null): void {
      if (gone) return;
      gone = true;
      closed.emit(exitError ?? new Error(`${command} exited`));
      closed.clear();
      resolve(code);
    }
  });

  return {
    child,
    exited,
    send(message: string): void {
      if (gone || stdin.destroyed || stdin.writableEnded) throw new Error(`${command} is not running`);
      // Pretty-printed JSON would break the line framing; one message must stay one line.
      const line = message.includes('\n') ? JSON.stringify(JSON.parse(message)) : message;
      stdin.write(`${line}\n`);
    },
    onMessage: (listener) => messages.add(listener),
    onClose: (listener) => closed.add(listener),
    close(): void {
      // Ending stdin is how an app-server is asked to finish; it exits once its output is flushed.
      if (!stdin.writableEnded) stdin.end();
    },
  };
}

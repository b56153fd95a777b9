#!/usr/bin/env node
// The `spindle` command: `app-server` (stdio JSON-RPC, like `codex app-server`) and `demo`.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';

import { appServerArgs, ConfigError, resolveCodexHome } from './config.js';
import { loadHost } from './host.js';

const usage = `Usage: spindle <command>

Commands:
  app-server [--store <dir>|memory] [--script <file>]
                    serve the Codex app-server v2 protocol on stdin/stdout
                    (newline-delimited JSON-RPC); the model comes from
                    $CODEX_HOME/config.toml, else OPENAI_API_KEY, else the
                    scripted model; SPINDLE_MODEL_CATALOG names a JSON
                    file with the model/list catalog (Model[] or a
                    saved model/list result); threads are kept in a
                    SQLite store in $CODEX_HOME/spindle, or in <dir>, or
                    only in memory
  demo [prompt...]  a short conversation with an in-process engine, offline
                    unless OPENAI_API_KEY is set

Options:
  --script <file>   play a model script (JSON, see the README's "Scripted
                    model") with the scripted model; SPINDLE_MODEL_SCRIPT
                    names one too
  -h, --help        show this help
  -v, --version     show the version
`;

// Both src/cli/ and dist/cli/ sit two levels below the package root.
function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'app-server': {
      const { store, scriptPath, ignored } = appServerArgs(rest, resolveCodexHome(process.env, homedir()));
      if (ignored.length > 0) process.stderr.write(`spindle app-server: ignoring arguments: ${ignored.join(' ')}\n`);
      // Each command loads only its own modules: the server's startup is part of its latency.
      const { runAppServer } = await import('./app-server.js');
      return runAppServer(loadHost(process.env, { readConfig: true, scriptPath }), store);
    }
    case 'demo': {
      const { runDemo, DEMO_PROMPTS } = await import('./demo.js');
      return runDemo(loadHost(process.env, { readConfig: false }), rest.length > 0 ? rest : DEMO_PROMPTS, packageVersion());
    }
    case '-v':
    case '--version':
      process.stdout.write(`spindle ${packageVersion()}\n`);
      return 0;
    case '-h':
    case '--help':
      process.stdout.write(usage);
      return 0;
    default:
      process.stderr.write(command === undefined ? usage : `spindle: unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

// A peer that stops reading is not our error: leave quietly instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    // Exit only once stdout has drained, so the last messages are not cut off.
    process.stdout.write('', () => process.exit(code));
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(message.startsWith('spindle') ? `${message}\n` : `spindle: ${message}\n`);
    // A configuration problem is the user's to fix; anything else is worth a stack in the bug report.
    if (error instanceof Error && !(error instanceof ConfigError) && error.stack) {
      process.stderr.write(`${error.stack.split('\n').slice(1).join('\n')}\n`);
    }
    process.exit(1);
  },
);

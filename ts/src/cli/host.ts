// The CLI's host: engine options from this process (cwd, platform, CODEX_HOME) and the model
// transport its configuration selects.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arch, homedir, platform } from 'node:os';

import type { EngineOptions } from '../generated/EngineOptions.js';
import type { ModelTransportAdapter } from '../runtime/binding.js';
import { createFetchTransport } from '../transports/fetch.js';
import { resolveCodexHome, resolveModelConfig, type Env, type ModelConfig } from './config.js';

/** Everything `createEngine` needs, resolved once at startup. */
export interface CliHost {
  config: ModelConfig;
  options: Partial<EngineOptions>;
  transport: ModelTransportAdapter | null;
}

/** Reads `$CODEX_HOME/config.toml` (when `readConfig`) and the environment. Throws `ConfigError`. */
export function loadHost(env: Env, { readConfig }: { readConfig: boolean }): CliHost {
  const codexHome = resolveCodexHome(env, homedir());
  const config = resolveModelConfig(readConfig ? readConfigFile(join(codexHome, 'config.toml')) : null, env);
  const options: Partial<EngineOptions> = {
    modelProvider: config.modelProvider,
    cwd: process.cwd(),
    codexHome,
    platformFamily: process.platform === 'win32' ? 'windows' : 'unix',
    platformOs: osName(),
    platform: `node ${platform()} ${arch()}`,
  };
  if (config.model !== null) options.model = config.model;
  const transport = config.baseUrl === null ? null : createFetchTransport({ baseUrl: config.baseUrl, apiKey: config.apiKey });
  return { config, options, transport };
}

function readConfigFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

// The names codex reports as `platformOs` (Rust's std::env::consts::OS).
function osName(): string {
  switch (process.platform) {
    case 'darwin':
      return 'macos';
    case 'win32':
      return 'windows';
    default:
      return process.platform;
  }
}

// The CLI's host: engine options from this process (cwd, platform, CODEX_HOME) and the model
// transport its configuration selects.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arch, homedir, platform } from 'node:os';

import type { EngineOptions } from '../generated/EngineOptions.js';
import type { Model } from '../generated/Model.js';
import type { ModelTransportAdapter } from '../runtime/binding.js';
import { createFetchTransport } from '../transports/fetch.js';
import { ConfigError, resolveCodexHome, resolveModelConfig, type Env, type ModelConfig } from './config.js';

/** Everything `createEngine` needs, resolved once at startup. */
export interface CliHost {
  /** `$CODEX_HOME`, or `~/.codex`. */
  codexHome: string;
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
    requestMaxRetries: config.requestMaxRetries,
    streamMaxRetries: config.streamMaxRetries,
  };
  if (config.model !== null) options.model = config.model;
  const catalog = env.SPINDLE_MODEL_CATALOG?.trim();
  if (catalog) options.models = readModelCatalog(catalog);
  const transport = config.baseUrl === null ? null : createFetchTransport({ baseUrl: config.baseUrl, apiKey: config.apiKey });
  return { codexHome, config, options, transport };
}

/**
 * The `model/list` catalog from a JSON file: an array of `Model` objects, or a saved `model/list`
 * result (`{"data": [...]}`). The engine checks each entry's shape.
 */
function readModelCatalog(path: string): Model[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`SPINDLE_MODEL_CATALOG: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const models = Array.isArray(parsed) ? parsed : (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(models)) throw new ConfigError(`SPINDLE_MODEL_CATALOG: ${path} holds neither an array nor {"data": [...]}`);
  return models as Model[];
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

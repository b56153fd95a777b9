// The CLI's host: engine options from this process (cwd, platform, CODEX_HOME), the model
// transport its configuration selects (or a model script), and the engine built from them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arch, homedir, platform } from 'node:os';

import type { EngineOptions } from '../generated/EngineOptions.js';
import type { Model } from '../generated/Model.js';
import type { ModelScript } from '../generated/ModelScript.js';
import { createEngine } from '../runtime/node.js';
import type { BindingEngine, ModelTransportAdapter, NativeStore } from '../runtime/binding.js';
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

/** How the command line chose the host: whether to read config.toml, and a model script file (`--script`). */
export interface HostChoices {
  readConfig: boolean;
  /** The `--script` file; `SPINDLE_MODEL_SCRIPT` names one otherwise. */
  scriptPath?: string | null;
}

/**
 * Reads `$CODEX_HOME/config.toml` (when `readConfig`) and the environment. A model script (`--script`
 * or `SPINDLE_MODEL_SCRIPT`) selects the scripted model whatever else is configured. Throws `ConfigError`.
 */
export function loadHost(env: Env, { readConfig, scriptPath = null }: HostChoices): CliHost {
  const codexHome = resolveCodexHome(env, homedir());
  const scriptFile = scriptPath ?? (env.SPINDLE_MODEL_SCRIPT?.trim() || null);
  const modelScript = scriptFile === null ? null : readModelScript(scriptFile);
  const config = modelScript
    ? resolveModelConfig(null, {})
    : resolveModelConfig(readConfig ? readConfigFile(join(codexHome, 'config.toml')) : null, env);
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
  if (modelScript) options.modelScript = modelScript;
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
  const parsed = readJsonFile(path, 'SPINDLE_MODEL_CATALOG');
  const models = Array.isArray(parsed) ? parsed : (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(models)) throw new ConfigError(`SPINDLE_MODEL_CATALOG: ${path} holds neither an array nor {"data": [...]}`);
  return models as Model[];
}

/**
 * Builds the engine; options it refuses (a model script that does not check out) are the user's to
 * fix, so they surface as a `ConfigError`, without a stack.
 */
export function createHostEngine(
  host: CliHost,
  { options = {}, store = null }: { options?: Partial<EngineOptions>; store?: NativeStore | null } = {},
): BindingEngine {
  try {
    return createEngine({ options: { ...host.options, ...options }, transport: host.transport, store });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith('invalid engine options')) throw new ConfigError(message);
    throw error;
  }
}

/** A model script from a JSON file; the engine checks its shape when it is built. */
function readModelScript(path: string): ModelScript {
  return readJsonFile(path, 'model script') as ModelScript;
}

/** The JSON in file `path`; `what` names the file's role in the error. */
function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${what}: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError(`${what}: ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
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

// Model configuration the way codex reads it: `$CODEX_HOME/config.toml` first, then the OpenAI
// environment variables, else the scripted model; and where `app-server` keeps threads. Pure
// functions, so tests need no files.

import { join } from 'node:path';

import { parse } from 'smol-toml';

/** What the CLI hands the engine and the fetch transport. */
export interface ModelConfig {
  /** `model` from config.toml; `null` keeps the engine's default. */
  model: string | null;
  /** The provider id threads report: the config's, `openai` for the env case, `scripted` otherwise. */
  modelProvider: string;
  /** The Responses API base URL; `null` selects the built-in scripted model (no network). */
  baseUrl: string | null;
  /** Sent as a bearer token when set. */
  apiKey: string | null;
  /** The provider's `request_max_retries` and `stream_max_retries`; 0 (no retries) when unset, Spindle's default. */
  requestMaxRetries: number;
  streamMaxRetries: number;
}

/** A configuration the CLI cannot run with; its message is meant for stderr as is. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** `$CODEX_HOME`, or `~/.codex` as codex defaults it. */
export function resolveCodexHome(env: Env, homeDir: string): string {
  const fromEnv = env.CODEX_HOME?.trim();
  return fromEnv ? fromEnv : join(homeDir, '.codex');
}

/** Where `spindle app-server` keeps threads and queued turns. */
export type StoreChoice = { type: 'memory' } | { type: 'sqlite'; dir: string };

/**
 * Takes `--<name> <value>` and `--<name>=<value>` out of `args`: the last value given (`undefined`
 * when absent) and the arguments left. A flag without a value is a `ConfigError` saying `needs`.
 */
function takeOption(args: string[], name: string, needs: string): { value: string | undefined; rest: string[] } {
  const flag = `--${name}`;
  let value: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === flag || arg.startsWith(`${flag}=`)) {
      value = arg === flag ? args[(i += 1)] : arg.slice(flag.length + 1);
      if (value === undefined || value === '') throw new ConfigError(`${flag} needs ${needs}`);
    } else {
      rest.push(arg);
    }
  }
  return { value, rest };
}

/** `--store <dir>|memory`: SQLite in `<dir>` (default `$CODEX_HOME/spindle`), or none. */
export function resolveStoreChoice(args: string[], codexHome: string): { store: StoreChoice; ignored: string[] } {
  const { value, rest } = takeOption(args, 'store', 'a directory, or "memory"');
  if (value === 'memory') return { store: { type: 'memory' }, ignored: rest };
  return { store: { type: 'sqlite', dir: value ?? join(codexHome, 'spindle') }, ignored: rest };
}

/** `spindle app-server`'s arguments: the store choice and `--script <file>` (a model script). */
export function appServerArgs(
  args: string[],
  codexHome: string,
): { store: StoreChoice; scriptPath: string | null; ignored: string[] } {
  const { value: scriptPath, rest } = takeOption(args, 'script', 'a file name');
  const { store, ignored } = resolveStoreChoice(rest, codexHome);
  return { store, scriptPath: scriptPath ?? null, ignored };
}

/**
 * Resolves the model from config.toml's text (`null` when there is no file) and the environment.
 * A provider named in the config wins over the environment; without one, `OPENAI_API_KEY` selects
 * OpenAI (at `OPENAI_BASE_URL` when set); with neither, the scripted model.
 */
export function resolveModelConfig(configToml: string | null, env: Env): ModelConfig {
  const config = configToml === null ? {} : parseConfig(configToml);
  const model = optionalString(config, 'model', 'model');
  const providerId = optionalString(config, 'model_provider', 'model_provider');

  if (providerId !== null) {
    const providers = config.model_providers;
    const table = isTable(providers) ? providers[providerId] : undefined;
    if (table === undefined && providerId === 'openai') return openai(model, env, 'model_provider = "openai"');
    if (!isTable(table)) {
      throw new ConfigError(`config.toml: model_provider = "${providerId}" but there is no [model_providers.${providerId}] table`);
    }
    const where = `[model_providers.${providerId}]`;
    const wireApi = optionalString(table, 'wire_api', `${where} wire_api`) ?? 'responses';
    if (wireApi !== 'responses') {
      throw new ConfigError(`config.toml: ${where} has wire_api = "${wireApi}"; spindle supports only "responses"`);
    }
    const baseUrl = optionalString(table, 'base_url', `${where} base_url`);
    if (baseUrl === null) throw new ConfigError(`config.toml: ${where} has no base_url`);
    const envKey = optionalString(table, 'env_key', `${where} env_key`);
    let apiKey: string | null = null;
    if (envKey !== null) {
      apiKey = env[envKey] || null;
      if (apiKey === null) throw new ConfigError(`${where} reads its API key from ${envKey}, which is not set`);
    }
    const requestMaxRetries = optionalCount(table, 'request_max_retries', `${where} request_max_retries`);
    const streamMaxRetries = optionalCount(table, 'stream_max_retries', `${where} stream_max_retries`);
    return { model, modelProvider: providerId, baseUrl, apiKey, requestMaxRetries, streamMaxRetries };
  }

  if (env.OPENAI_API_KEY) return openai(model, env, 'OPENAI_API_KEY');
  return { model, modelProvider: 'scripted', baseUrl: null, apiKey: null, requestMaxRetries: 0, streamMaxRetries: 0 };
}

function openai(model: string | null, env: Env, reason: string): ModelConfig {
  const apiKey = env.OPENAI_API_KEY || null;
  if (apiKey === null) throw new ConfigError(`${reason} needs OPENAI_API_KEY to be set`);
  const baseUrl = env.OPENAI_BASE_URL || DEFAULT_OPENAI_BASE_URL;
  return { model, modelProvider: 'openai', baseUrl, apiKey, requestMaxRetries: 0, streamMaxRetries: 0 };
}

function parseConfig(text: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`config.toml is not valid TOML: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function optionalString(table: Record<string, unknown>, key: string, label: string): string | null {
  const value = table[key];
  if (value === undefined) return null;
  if (typeof value !== 'string') throw new ConfigError(`config.toml: ${label} must be a string`);
  return value;
}

function optionalCount(table: Record<string, unknown>, key: string, label: string): number {
  const value = table[key];
  if (value === undefined) return 0;
  const count = typeof value === 'bigint' ? Number(value) : value;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 100) {
    throw new ConfigError(`config.toml: ${label} must be a whole number from 0 to 100`);
  }
  return count;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

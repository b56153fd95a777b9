// Golden transcripts (../shared/protocol/transcripts/): loading, the README's normalisation, and Spindle's tolerated differences.
import { readFileSync } from 'node:fs';

// <repo>/../shared/protocol/transcripts/, and this file is <repo>/tests/support/.
const transcriptDir = new URL('../../../shared/protocol/transcripts/', import.meta.url);

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** One line of `<name>.jsonl`: a message (`msg`), a non-JSON client line (`raw`), or a harness marker (`meta`). */
export interface TranscriptEntry {
  dir: 'c2s' | 's2c' | 'meta';
  msg?: JsonObject;
  raw?: string;
}

export interface Transcript {
  /** Client→server messages in order (raw non-JSON lines are only in `entries`). */
  c2s: JsonObject[];
  /** Server→client messages in order. */
  s2c: JsonObject[];
  /** The HTTP requests the mock Responses server received (`<name>.requests.jsonl`). */
  requests: JsonObject[];
  /** Every line, in order, including `raw` and `meta` entries. */
  entries: TranscriptEntry[];
}

/** Reads `<name>.jsonl` and `<name>.requests.jsonl`, e.g. `loadTranscript('01_plain_turn')`. */
export function loadTranscript(name: string): Transcript {
  const entries = readJsonLines(`${name}.jsonl`) as unknown as TranscriptEntry[];
  const messages = (dir: 'c2s' | 's2c') =>
    entries.filter((entry) => entry.dir === dir && entry.msg !== undefined).map((entry) => entry.msg as JsonObject);
  return { c2s: messages('c2s'), s2c: messages('s2c'), requests: readJsonLines(`${name}.requests.jsonl`), entries };
}

function readJsonLines(file: string): JsonObject[] {
  return readFileSync(new URL(file, transcriptDir), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JsonObject);
}

/** Notifications only 0.169 sends (PROTOCOL.md §7 rule 5); comparisons drop them on both sides. */
export const noiseMethods: readonly string[] = [
  'configWarning',
  'remoteControl/status/changed',
  'warning',
  'account/rateLimits/updated',
  'thread/readState/changed',
  'deprecationNotice',
];

/** `messages` without upstream-only noise notifications. */
export function withoutNoise<T extends object>(messages: T[]): T[] {
  return messages.filter((message) => {
    const { id, method } = message as { id?: unknown; method?: unknown };
    return !(id === undefined && typeof method === 'string' && noiseMethods.includes(method));
  });
}

const uuidPattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const isoTimestampPattern = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g;
const secondsFields = new Set(['createdAt', 'updatedAt', 'recencyAt', 'startedAt', 'completedAt', 'sectionEnteredAt']);
const millisecondsFields = new Set(['startedAtMs', 'completedAtMs', 'emittedAtMs', 'turn_started_at_unix_ms']);
const userAgentFields = new Set(['userAgent', 'user-agent']);

/** UUID → placeholder number, shared by every `normalize` call given the same map (a scenario's two files). */
export type UuidNumbering = Map<string, number>;

/**
 * Applies the transcript README's normalisation to our messages so they compare with the golden ones: UUIDs
 * (also inside strings) → `<uuid:N>` by first appearance, `<UUID:N>` for an all-uppercase spelling; numeric
 * timestamps → `"<ts>"` / `"<ts_ms>"`; `durationMs` → `"<duration_ms>"`; ISO-8601 → `<iso_ts>`; `userAgent` →
 * `"<user_agent>"`; noise notifications dropped. Idempotent on golden messages.
 */
export function normalize<T extends object>(messages: T[], numbering: UuidNumbering = new Map()): JsonObject[] {
  return withoutNoise(messages).map((message) => normalizeValue(message as Json, undefined, numbering) as JsonObject);
}

function normalizeValue(value: Json, key: string | undefined, numbering: UuidNumbering): Json {
  if (typeof value === 'number' && key !== undefined) {
    if (secondsFields.has(key)) return '<ts>';
    if (millisecondsFields.has(key)) return '<ts_ms>';
    if (key === 'durationMs') return '<duration_ms>';
    return value;
  }
  if (typeof value === 'string') {
    if (key !== undefined && userAgentFields.has(key)) return '<user_agent>';
    return normalizeText(value, numbering);
  }
  if (Array.isArray(value)) return value.map((item) => normalizeValue(item, undefined, numbering));
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [name, item] of Object.entries(value)) {
      out[normalizeText(name, numbering)] = normalizeValue(item, name, numbering);
    }
    return out;
  }
  return value;
}

function normalizeText(text: string, numbering: UuidNumbering): string {
  return text
    .replace(uuidPattern, (uuid) => {
      const canonical = uuid.toLowerCase();
      let n = numbering.get(canonical);
      if (n === undefined) {
        n = numbering.size + 1;
        numbering.set(canonical, n);
      }
      const upper = uuid === uuid.toUpperCase() && uuid !== canonical;
      return upper ? `<UUID:${n}>` : `<uuid:${n}>`;
    })
    .replace(isoTimestampPattern, '<iso_ts>');
}

/** Values the test gave the engine, so they can be compared with the capture's `<cwd>` / `<codex_home>`. */
export interface ComparisonContext {
  cwd?: string;
  codexHome?: string;
}

/**
 * Every difference between Spindle and 0.169 the transcript comparison tolerates, and nothing else.
 * Each entry names the field, where it applies, the placeholder both sides get, and the reason.
 */
export const toleratedDifferences: ReadonlyArray<{
  field: string;
  appliesTo: string;
  placeholder: string;
  why: string;
  matches: (owner: JsonObject) => boolean;
}> = [
  {
    field: 'path',
    appliesTo: 'Thread',
    placeholder: '<path>',
    why: 'Spindle writes no rollout file, so path is null; 0.169 gives the rollout path (PROTOCOL.md §3.1)',
    matches: isThread,
  },
  {
    field: 'cliVersion',
    appliesTo: 'Thread',
    placeholder: '<cli_version>',
    why: "Spindle reports its own version, 0.169 its CLI's (PROTOCOL.md §3.1)",
    matches: isThread,
  },
  {
    field: 'modelProvider',
    appliesTo: 'Thread, thread/start|resume|fork results',
    placeholder: '<provider>',
    why: 'the provider id is host configuration, not protocol behaviour',
    matches: (owner) => isThread(owner) || isThread(owner.thread ?? null),
  },
];

function isThread(value: Json): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'sessionId' in value && 'historyMode' in value;
}

/**
 * Our messages or golden ones, made comparable: noise dropped, normalised, the host's `cwd`/`codexHome` strings
 * replaced by the capture's `<cwd>`/`<codex_home>` (exact values and path prefixes), the tolerated differences
 * above replaced by their placeholders, and UUID placeholders renumbered by first appearance in sorted-key order
 * so that neither key order nor the golden side's dropped noise shifts the numbering.
 */
export function comparableTranscript<T extends object>(messages: T[], context: ComparisonContext = {}): JsonObject[] {
  const hosted = withoutNoise(messages).map((message) => replaceHostPaths(message as Json, context) as JsonObject);
  const tolerated = normalize(hosted).map((message) => applyTolerances(message) as JsonObject);
  return renumber(tolerated) as JsonObject[];
}

function replaceHostPaths(value: Json, context: ComparisonContext): Json {
  if (typeof value === 'string') {
    for (const [path, placeholder] of [
      [context.codexHome, '<codex_home>'],
      [context.cwd, '<cwd>'],
    ] as const) {
      if (path && (value === path || value.startsWith(`${path}/`))) return placeholder + value.slice(path.length);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => replaceHostPaths(item, context));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceHostPaths(item, context)]));
  }
  return value;
}

function applyTolerances(value: Json): Json {
  if (Array.isArray(value)) return value.map(applyTolerances);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const tolerance = toleratedDifferences.find((t) => t.field === key && t.matches(value));
    out[key] = tolerance ? tolerance.placeholder : applyTolerances(item);
  }
  return out;
}

function renumber(messages: Json): Json {
  const numbers = new Map<string, number>();
  const visit = (value: Json): Json => {
    if (typeof value === 'string') {
      return value.replace(/<(uuid|UUID):(\d+)>/g, (_, spelling: string, n: string) => {
        let next = numbers.get(n);
        if (next === undefined) {
          next = numbers.size + 1;
          numbers.set(n, next);
        }
        return `<${spelling}:${next}>`;
      });
    }
    if (Array.isArray(value)) return value.map(visit);
    if (value !== null && typeof value === 'object') {
      const out: JsonObject = {};
      for (const key of Object.keys(value).sort()) out[visit(key) as string] = visit(value[key] as Json);
      return out;
    }
    return value;
  };
  return visit(messages);
}

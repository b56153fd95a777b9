// Validates messages the engine sends against the pinned app-server v2 JSON Schema (../shared/protocol/schema/).
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

// The schema files sit beside the repository: <repo>/../shared/protocol/schema/, and this file is <repo>/tests/support/.
const schemaDir = new URL('../../../shared/protocol/schema/', import.meta.url);

// Stable ids so `$ref`s resolve: the seed queue file refers to the v2 file by its file name.
const idBase = 'https://spindle.invalid/schema/';
const files = {
  v2: 'codex_app_server_protocol.v2.schemas.json',
  combined: 'codex_app_server_protocol.schemas.json',
  queue: 'seed_thread_queue.schema.json',
} as const;
type SchemaFile = keyof typeof files;

/** Where a definition lives: a file and a JSON pointer below its root. */
interface SchemaRef {
  file: SchemaFile;
  pointer: string;
}

/**
 * Methods whose shapes come from somewhere other than the v2 file's `<Name>Response` rule. Every exception is
 * listed here, so a reader sees which schema judges which message.
 * - `thread/queue/*`: the seed design (seed_thread_queue.schema.json) replaces the 0.169 queue shapes, for
 *   responses and for the `thread/queue/changed` notification (PROTOCOL.md §6.1).
 * - `thread/queue/update` and `thread/queue/start`: Spindle extensions the seed file does not define.
 *   `update` answers `{queuedTurn}`, the seed's `ThreadQueueAddResponse` shape; `start` answers `{turn}`,
 *   which is 0.169's `ThreadQueueStartResponse` in the v2 file.
 * - `initialize`: `InitializeResponse` exists only in the combined file.
 */
const responseOverrides: Record<string, SchemaRef> = {
  'thread/queue/update': { file: 'queue', pointer: '/definitions/ThreadQueueAddResponse' },
  'thread/queue/start': { file: 'v2', pointer: '/definitions/ThreadQueueStartResponse' },
};
const responseFileByPrefix: Array<[prefix: string, file: SchemaFile]> = [['thread/queue/', 'queue']];
const notificationOverrides: Record<string, SchemaRef> = {
  'thread/queue/changed': { file: 'queue', pointer: '/definitions/ThreadQueueChangedNotification' },
};

interface Loaded {
  ajv: Ajv;
  documents: Record<SchemaFile, { definitions: Record<string, unknown> }>;
  /** Client method → `<Name>` of its `<Name>Params`, read from the v2 `ClientRequest` union. */
  requestNames: Map<string, string>;
  /** Notification method → index of its variant in the v2 `ServerNotification` union. */
  notificationVariants: Map<string, number>;
  /** Server request method → index of its variant in the combined `ServerRequest` union. */
  serverRequestVariants: Map<string, number>;
}

let loaded: Loaded | undefined;
const compiled = new Map<string, ValidateFunction>();

function load(): Loaded {
  if (loaded) return loaded;
  // `strict: false`: the generated files use `$schema` inside definitions and keywords Ajv does not know.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addNumberFormats(ajv);
  const documents = {} as Loaded['documents'];
  for (const [key, name] of Object.entries(files) as Array<[SchemaFile, string]>) {
    const document = JSON.parse(readFileSync(new URL(name, schemaDir), 'utf8')) as Loaded['documents'][SchemaFile];
    documents[key] = document;
    ajv.addSchema({ ...document, $id: idBase + name });
  }
  loaded = {
    ajv,
    documents,
    requestNames: new Map(
      unionVariants(documents.v2.definitions.ClientRequest).map(({ method, paramsRef }) => [
        method,
        paramsRef?.replace(/^.*\//, '').replace(/Params$/, '') ?? '',
      ]),
    ),
    notificationVariants: new Map(
      unionVariants(documents.v2.definitions.ServerNotification).map(({ method }, index) => [method, index]),
    ),
    serverRequestVariants: new Map(
      unionVariants(documents.combined.definitions.ServerRequest).map(({ method }, index) => [method, index]),
    ),
  };
  return loaded;
}

// The generator tags integers with Rust widths; Ajv would only warn about unknown formats, so check them.
function addNumberFormats(ajv: Ajv): void {
  const integerRange = (min: number, max: number) => (value: number) =>
    Number.isInteger(value) && value >= min && value <= max;
  const formats: Record<string, (value: number) => boolean> = {
    int32: integerRange(-(2 ** 31), 2 ** 31 - 1),
    int64: integerRange(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    uint: integerRange(0, Number.MAX_SAFE_INTEGER),
    uint16: integerRange(0, 2 ** 16 - 1),
    uint32: integerRange(0, 2 ** 32 - 1),
    uint64: integerRange(0, Number.MAX_SAFE_INTEGER),
    double: (value) => Number.isFinite(value),
  };
  for (const [name, validate] of Object.entries(formats)) ajv.addFormat(name, { type: 'number', validate });
}

interface UnionVariant {
  method: string;
  paramsRef?: string;
}

function unionVariants(union: unknown): UnionVariant[] {
  const variants = (union as { oneOf: Array<{ properties: Record<string, { enum?: string[]; $ref?: string }> }> })
    .oneOf;
  return variants.map((variant) => ({
    method: variant.properties.method?.enum?.[0] ?? '',
    paramsRef: variant.properties.params?.$ref,
  }));
}

function validator(ref: SchemaRef): ValidateFunction {
  const key = `${ref.file}#${ref.pointer}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = load().ajv.compile({ $ref: `${idBase}${files[ref.file]}#${ref.pointer}` });
    compiled.set(key, validate);
  }
  return validate;
}

/** The schema that judges the `result` of a response to `method`. */
export function responseSchemaFor(method: string): SchemaRef {
  const { documents, requestNames } = load();
  const exception = responseOverrides[method];
  if (exception) return exception;
  const name = `${requestNames.get(method) || nameFromMethod(method)}Response`;
  const override = responseFileByPrefix.find(([prefix]) => method.startsWith(prefix));
  const candidates: SchemaRef[] = override
    ? [{ file: override[1], pointer: `/definitions/${name}` }]
    : [
        { file: 'v2', pointer: `/definitions/${name}` },
        { file: 'combined', pointer: `/definitions/${name}` },
      ];
  const found = candidates.find((ref) => name in documents[ref.file].definitions);
  if (!found) throw new Error(`no response schema for ${method} (looked for ${name} in ${candidates.map((c) => c.file)})`);
  return found;
}

// The schema README's rule, for methods the v2 union does not list (seed-only methods): thread/inject_items → ThreadInjectItems.
function nameFromMethod(method: string): string {
  return method
    .split(/[/_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function check(ref: SchemaRef, value: unknown, what: string, message: object): void {
  const validate = validator(ref);
  if (!validate(value)) fail(`${what} does not match ${files[ref.file]}#${ref.pointer}`, message, validate.errors);
}

function fail(reason: string, message: object, errors?: unknown): never {
  const details = errors ? `\n${JSON.stringify(errors, null, 2)}` : '';
  throw new Error(`${reason}${details}\nmessage: ${JSON.stringify(message)}`);
}

function onlyMembers(message: Record<string, unknown>, allowed: string[], kind: string): void {
  const extra = Object.keys(message).filter((key) => !allowed.includes(key));
  if (extra.length > 0) fail(`${kind} has unexpected top-level member(s) ${extra.join(', ')}`, message);
}

const errorObject: SchemaRef = { file: 'combined', pointer: '/definitions/JSONRPCErrorError' };

/**
 * Throws unless `message` is a valid server→client message. A response needs `requestMethod`, the method of the
 * request it answers. Notifications must carry a numeric `emittedAtMs`; no message may carry `jsonrpc`
 * (PROTOCOL.md §1.1).
 */
export function assertValidServerMessage(message: object, requestMethod?: string): void {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    fail('a server message must be a JSON object', { message });
  }
  const msg = message as Record<string, unknown>;
  const hasId = 'id' in msg;
  if (hasId && typeof msg.id !== 'number' && typeof msg.id !== 'string') fail('id must be a number or a string', msg);

  if (!hasId && typeof msg.method === 'string') {
    onlyMembers(msg, ['method', 'params', 'emittedAtMs'], 'notification');
    if (typeof msg.emittedAtMs !== 'number') fail('notification emittedAtMs must be a number', msg);
    const override = notificationOverrides[msg.method];
    if (override) {
      check(override, msg.params, `${msg.method} params`, msg);
      return;
    }
    const variant = load().notificationVariants.get(msg.method);
    if (variant === undefined) fail(`unknown notification method ${msg.method}`, msg);
    check(
      { file: 'v2', pointer: `/definitions/ServerNotification/oneOf/${variant}` },
      { method: msg.method, params: msg.params },
      'notification',
      msg,
    );
  } else if (hasId && typeof msg.method === 'string') {
    onlyMembers(msg, ['id', 'method', 'params'], 'server request');
    if (typeof msg.id !== 'number') fail('server request ids are integers (PROTOCOL.md §1.2)', msg);
    const variant = load().serverRequestVariants.get(msg.method);
    if (variant === undefined) fail(`unknown server request method ${msg.method}`, msg);
    check({ file: 'combined', pointer: `/definitions/ServerRequest/oneOf/${variant}` }, msg, 'server request', msg);
  } else if (hasId && 'result' in msg) {
    onlyMembers(msg, ['id', 'result'], 'response');
    if (requestMethod === undefined) fail('validating a response needs the method of its request', msg);
    check(responseSchemaFor(requestMethod), msg.result, `${requestMethod} result`, msg);
  } else if (hasId && 'error' in msg) {
    onlyMembers(msg, ['id', 'error'], 'error response');
    check(errorObject, msg.error, 'error object', msg);
  } else {
    fail('not a notification, request, response or error response', msg);
  }
}

// The assertions the shared SDK cases use, with no Node imports so the same cases run in Chromium.
// Same names and meaning as node:assert/strict's, except that deepEqual compares plain data as JSON
// does (a key whose value is undefined counts as absent).

export class AssertionError extends Error {
  override name = 'AssertionError';
}

function fail(message: string | undefined, fallback: string): never {
  throw new AssertionError(message ?? fallback);
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function ok(value: unknown, message?: string): asserts value {
  if (!value) fail(message, `expected a truthy value, got ${show(value)}`);
}

export function equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T {
  if (!Object.is(actual, expected)) fail(message, `expected ${show(expected)}, got ${show(actual)}`);
}

export function notEqual(actual: unknown, expected: unknown, message?: string): void {
  if (Object.is(actual, expected)) fail(message, `expected anything but ${show(expected)}`);
}

export function deepEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T {
  const difference = firstDifference(actual, expected, '$');
  if (difference !== null) fail(message, `${difference}\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`);
}

export function match(actual: string, pattern: RegExp, message?: string): void {
  if (!pattern.test(actual)) fail(message, `${show(actual)} does not match ${pattern}`);
}

/** Resolves with the rejection reason; fails if `promise` resolves. */
export async function rejects(promise: Promise<unknown>, message?: string): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return fail(message, 'expected a rejection, but the promise resolved');
}

// Plain data only (what crosses the wire): objects, arrays, primitives.
function firstDifference(actual: unknown, expected: unknown, path: string): string | null {
  if (Object.is(actual, expected)) return null;
  if (typeof actual !== 'object' || typeof expected !== 'object' || actual === null || expected === null) {
    return `${path}: ${show(actual)} !== ${show(expected)}`;
  }
  if (Array.isArray(actual) !== Array.isArray(expected)) return `${path}: one is an array, the other is not`;
  const actualKeys = Object.keys(actual).filter((key) => (actual as Record<string, unknown>)[key] !== undefined);
  const expectedKeys = Object.keys(expected).filter((key) => (expected as Record<string, unknown>)[key] !== undefined);
  if (actualKeys.length !== expectedKeys.length || actualKeys.some((key) => !expectedKeys.includes(key))) {
    return `${path}: keys ${show(actualKeys.sort())} !== ${show(expectedKeys.sort())}`;
  }
  for (const key of expectedKeys) {
    const inner = firstDifference((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`);
    if (inner !== null) return inner;
  }
  return null;
}

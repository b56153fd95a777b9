// Assertions that run in Node and in a browser page alike (node:assert does not bundle for a page).

/** JSON text with object keys sorted, so equal values read equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** Fails unless `actual` and `expected` are the same JSON value. */
export function equal(actual: unknown, expected: unknown, what: string): void {
  const [a, e] = [canonical(actual), canonical(expected)];
  if (a !== e) throw new Error(`${what}:\n  actual:   ${a}\n  expected: ${e}`);
}

/** Fails unless `condition` holds. */
export function ok(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/** Fails unless `promise` rejects. */
export async function rejects(promise: Promise<unknown>, what: string): Promise<void> {
  const outcome = await promise.then(
    (value) => ({ value }),
    () => null,
  );
  if (outcome !== null) throw new Error(`${what}: resolved with ${canonical(outcome.value)}`);
}

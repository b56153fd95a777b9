// Storage in a folder for the example: the package's JS memory store, with every change appended
// to `store.jsonl` and replayed when the folder is opened again. A stand-in until the addon's
// SQLite store is merged (see the TODO in main.ts).

import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { createMemoryStore, type StoreAdapter } from 'spindle';

// The operations that only read; every other one may change the store and is journaled.
const reads = new Set(['load', 'list', 'listQueuedTurns']);

type Operation = (...args: unknown[]) => unknown;

/** Opens (or creates) the store kept in `dir`. */
export function openFolderStore(dir: string): StoreAdapter {
  mkdirSync(dir, { recursive: true });
  const journal = join(dir, 'store.jsonl');
  const memory = createMemoryStore() as unknown as Record<string, Operation>;

  const lines = readJournal(journal);
  lines.forEach((line, index) => {
    let entry: { op: string; args: unknown[] };
    try {
      entry = JSON.parse(line) as { op: string; args: unknown[] };
    } catch (error) {
      // Only the last line can be cut short (the host died mid-write); it was never acknowledged.
      if (index === lines.length - 1) return;
      throw new Error(`${journal}:${index + 1} is not a journal entry`, { cause: error });
    }
    memory[entry.op]?.(...entry.args);
  });

  const store: Record<string, Operation> = {};
  for (const [op, operation] of Object.entries(memory)) {
    store[op] = reads.has(op)
      ? operation
      : (...args) => {
          // The memory store answers synchronously, so a change is on disk before the engine hears
          // of it, and an operation that throws is never journaled.
          const answer = operation(...args);
          appendFileSync(journal, `${JSON.stringify({ op, args })}\n`);
          return answer;
        };
  }
  return store as unknown as StoreAdapter;
}

function readJournal(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

// What a host ships: the wasm module (raw and gzipped, as a server would send it) and the addon.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import type { Row } from '../report.ts';
import { repoRoot } from '../targets.ts';
import type { Context } from './context.ts';

function only(dir: string, suffix: string): string {
  const matches = readdirSync(join(repoRoot, dir)).filter((file) => file.endsWith(suffix));
  if (matches.length !== 1) throw new Error(`expected one ${suffix} in ${dir}, found ${matches.length}: run scripts/setup.sh`);
  return join(repoRoot, dir, matches[0] ?? '');
}

export async function sizes({ progress }: Context): Promise<Row[]> {
  progress('bundle sizes');
  const wasm = readFileSync(only('wasm/pkg-web', '.wasm'));
  const addon = statSync(only('node-binding', '.node')).size;
  // KB are 1,000 bytes: the stricter reading of "400 KB".
  const kb = (bytes: number) => [bytes / 1000];
  return [
    { id: 'wasm-raw', title: 'wasm module (wasm/pkg-web), raw', unit: 'KB', samples: { wasm: kb(wasm.length) } },
    { id: 'wasm-gzip', title: 'wasm module, gzip -9', unit: 'KB', samples: { wasm: kb(gzipSync(wasm, { level: 9 }).length) } },
    { id: 'addon', title: 'napi addon (node-binding/*.node)', unit: 'KB', samples: { napi: kb(addon) } },
  ];
}

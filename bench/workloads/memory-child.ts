// Run by memory.ts in a fresh Node process: one in-process engine (napi or wasm) loaded with the
// memory workload; prints {beforeKb, afterKb} of this process's RSS as JSON.
// Usage: node --import tsx bench/workloads/memory-child.ts <napi|wasm> <mockUrl> <workDir>

import { join } from 'node:path';

import { rssKb } from '../session.ts';
import { createTargets, repoRoot, type TargetName } from '../targets.ts';
import { loadThreads, type ChildMemory } from './memory.ts';

const [name, mockUrl, workDir] = process.argv.slice(2);
if ((name !== 'napi' && name !== 'wasm') || !mockUrl || !workDir) {
  process.stderr.write('usage: memory-child.ts <napi|wasm> <mockUrl> <workDir>\n');
  process.exit(2);
}
const beforeKb = rssKb('self');
const env = { mockUrl, workDir, floorScript: join(repoRoot, 'bench', 'floor-server.ts'), codexBin: undefined };
const [target] = await createTargets(env, [name as TargetName]);
if (!target) throw new Error(`no target ${name}`);
const server = await target.start(target.newHome());
await loadThreads(server);
const result: ChildMemory = { beforeKb, afterKb: rssKb('self') };
await server.close();
process.stdout.write(`${JSON.stringify(result)}\n`);

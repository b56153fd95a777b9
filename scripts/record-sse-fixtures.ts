// Writes core/tests/fixtures/sse/*.sse: the SSE bodies the mock Responses server serves in the transcript
// replays. Run `node --import tsx scripts/record-sse-fixtures.ts` after changing tests/support/scenarios.ts.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';

import { sseFixtures } from '../tests/support/sse-fixtures.js';

const dir = new URL('../core/tests/fixtures/sse/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const stale of readdirSync(dir).filter((file) => file.endsWith('.sse'))) rmSync(new URL(stale, dir));
const fixtures = sseFixtures();
for (const [file, body] of fixtures) writeFileSync(new URL(file, dir), body);
console.log(`wrote ${fixtures.size} SSE fixtures to core/tests/fixtures/sse/`);

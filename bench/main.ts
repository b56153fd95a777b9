// `npm run bench`: runs every bench section and prints its figures. A benchmark, not a test: it
// asserts nothing and fails only when a section cannot run.
import { formatSection, type Section } from './measure.ts';
import { storeSection } from './store.ts';

const sections: Array<() => Promise<Section>> = [storeSection];

for (const run of sections) {
  process.stdout.write(`${formatSection(await run())}\n\n`);
}

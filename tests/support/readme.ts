// The README's quick-start snippets, as the tests run them: the fenced block after each
// `<!-- quickstart:<name> -->` marker.
import { readFileSync } from 'node:fs';

const readme = new URL('../../README.md', import.meta.url);

/** The code of the README's `quickstart:<name>` block; throws when the README has none. */
export function readmeSnippet(name: string): string {
  const text = readFileSync(readme, 'utf8');
  const marker = `<!-- quickstart:${name} -->`;
  const at = text.indexOf(marker);
  const block = at < 0 ? null : /^```[a-z]*\n([\s\S]*?)^```$/m.exec(text.slice(at + marker.length));
  if (!block?.[1]) throw new Error(`README.md has no code block after ${marker}`);
  return block[1];
}

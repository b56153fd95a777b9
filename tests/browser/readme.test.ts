// The README's browser quick start in headless Chromium: the page exactly as the README gives it,
// served by `npm run serve`'s server (scripts/serve.ts) from the repository, as a newcomer would
// open it. Needs ts/dist and wasm/pkg-web built.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startStaticServer, type StaticServer } from '../../scripts/serve.ts';
import { launchChromium, type LaunchedChromium } from '../support/chromium.ts';
import { readmeSnippet } from '../support/readme.ts';

let server: StaticServer;
let chromium: LaunchedChromium;

before(async () => {
  // `hello.html` is served from memory, where the README says to save it: the repository root.
  const root = fileURLToPath(new URL('../../', import.meta.url));
  server = await startStaticServer({ root, port: 0, pages: { '/hello.html': readmeSnippet('browser') } });
  chromium = await launchChromium();
});

after(async () => {
  await chromium?.close();
  await server?.close();
});

test('the README browser quick start streams the scripted reply into the page', { timeout: 60_000 }, async () => {
  const { page, pageErrors } = await chromium.openPage(`${server.origin}/hello.html`);
  try {
    const out = page.locator('#out');
    await out.filter({ hasText: 'turn completed' }).waitFor();
    const text = await out.textContent();
    assert.match(
      text ?? '',
      /^You said: “Say hello from the browser\.”\. I am Spindle's scripted model: .*\n\nturn completed$/,
    );
    assert.deepEqual(pageErrors, []);
  } finally {
    await page.close();
  }
});

// The TypeScript SDK in headless Chromium on the wasm engine: the shared cases of tests/sdk/cases.ts
// (the same bodies tests/node/sdk.test.ts runs through napi and stdio), each in a fresh page whose
// model is a fresh mock Responses server reached through the page's fetch.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBrowser, type BrowserHarness } from '../support/chromium.ts';
import { startMockResponses, type RecordedRequest } from '../support/mock-responses.ts';
import { sdkCases } from '../sdk/cases.ts';

declare global {
  interface Window {
    sdkHarness: { run(name: string, baseUrl: string): Promise<void> };
    modelRequests(): Promise<RecordedRequest[]>;
  }
}

let browser: BrowserHarness;

before(async () => {
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
});

for (const sdkCase of sdkCases) {
  const skip = sdkCase.targets && !sdkCase.targets.includes('wasm') ? `needs ${sdkCase.targets.join(' or ')}` : false;
  test(`SDK in Chromium (wasm): ${sdkCase.name}`, { timeout: 60_000, skip }, async () => {
    const mock = await startMockResponses(sdkCase.mock);
    const { page, pageErrors } = await browser.openPage('/tests/browser/sdk-page.html');
    try {
      await page.exposeFunction('modelRequests', () => mock.requests.filter((request) => request.path === '/v1/responses'));
      await page.waitForFunction(() => window.sdkHarness !== undefined);
      await page.evaluate(([name, baseUrl]) => window.sdkHarness.run(name, baseUrl), [sdkCase.name, mock.baseUrl] as const);
      assert.deepEqual(pageErrors, []);
    } finally {
      await page.close();
      await mock.close();
    }
  });
}

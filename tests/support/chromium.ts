// Headless Chromium for the browser tests: a 127.0.0.1 server for the built package, the wasm module
// and the test pages, plus one persistent browser context. TypeScript test modules (tests/sdk/,
// tests/support/) are served transpiled, so the shared SDK cases load in a page as they are.
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { chromium, type Page } from 'playwright-core';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
// Only the build outputs the pages load, the pages, and the test modules they import are served.
const servedDirs = ['ts/dist/', 'wasm/pkg-web/', 'tests/browser/', 'tests/sdk/', 'tests/support/'];
const mimeTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.ts': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

export interface BrowserHarness {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** A fresh page at `path`; errors the page throws or logs are collected in `pageErrors`. */
  openPage(path: string): Promise<{ page: Page; pageErrors: string[] }>;
  close(): Promise<void>;
}

/** Checks the builds exist, starts the server and launches Chromium. */
export async function startBrowser(): Promise<BrowserHarness> {
  for (const built of ['ts/dist/browser.js', 'wasm/pkg-web/spindle_wasm_bg.wasm']) {
    await access(join(repoRoot, built)).catch(() => {
      throw new Error(`${built} is missing: run scripts/build-wasm.sh, then npx tsc -p ts/tsconfig.json`);
    });
  }
  let origin = '';
  const server = createServer((req, res) => {
    serveFile(origin, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const userDataDir = await mkdtemp(join(tmpdir(), 'spindle-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    timeout: 30_000,
    // CI runs as root with no display and no network beyond 127.0.0.1.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

  return {
    origin,
    async openPage(path) {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(String(error)));
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(`${message.text()} (${message.location().url})`);
      });
      await page.goto(`${origin}${path}`);
      return { page, pageErrors };
    },
    async close() {
      await context.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Serves a file below one of `servedDirs` (TypeScript transpiled to a module); everything else is a 404. */
async function serveFile(origin: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The URL parser already resolves dot segments; `normalize` catches any that decoding revealed.
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', origin).pathname)).replace(/^[/\\]+/, '');
  const type = mimeTypes[extname(path)];
  if (!type || !servedDirs.some((dir) => path.startsWith(dir))) {
    res.writeHead(404).end();
    return;
  }
  let body: string | Buffer = await readFile(join(repoRoot, path));
  if (extname(path) === '.ts') {
    // Types are erased; relative `.ts` imports stay and are fetched (and transpiled) in turn.
    body = (await transform(body.toString('utf8'), { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: path })).code;
  }
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

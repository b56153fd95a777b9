// Headless Chromium for the browser tests: a server on 127.0.0.1 for the built package, the wasm
// module, the test pages and the TypeScript test modules they import (served transpiled, so the
// shared SDK cases load in a page as they are), one persistent browser context (`launchChromium`
// alone for pages served elsewhere, e.g. the playground's Vite server), and helpers that drive the
// harness of tests/browser/page.html from Node.
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { chromium as playwright, type Page } from 'playwright-core';
import { assertValidServerMessage } from './schema.ts';

export type Message = Record<string, unknown>;

/** The page's `window.harness` (tests/browser/page.html). */
export interface Harness {
  ready(): Promise<void>;
  open(options?: {
    baseUrl?: string | null;
    apiKey?: string | null;
    /** A failing store, an IndexedDB database by name, `default` for the browser entry's own choice, or memory. */
    store?: 'rejecting' | 'throwing' | 'default' | { indexedDb: string } | null;
    /** Engine options over the page's defaults. */
    options?: Record<string, unknown>;
  }): number;
  request(session: number, id: number, method: string, params?: unknown): Promise<Message>;
  notification(session: number, method: string, key: string, value: unknown): Promise<Message>;
  send(session: number, text: string): { name?: string; message: string } | null;
  close(session: number): void;
  unsubscribedThreads(session: number): Promise<string[]>;
  unloadThread(session: number, threadId: string): Promise<boolean>;
  messages(session: number): Message[];
  listenerErrors(session: number): string[];
  /** One operation on the IndexedDB store `name`, as the engine's bridge would call it. */
  storeCall(name: string, op: string, argsJson: string): Promise<string>;
  /** Fires `count` claims of the thread's queue head at once on the IndexedDB store `name`. */
  claimMany(name: string, threadId: string, count: number): Promise<string[]>;
  /** Runs the conformance case `caseName` on a fresh IndexedDB database; answers the failure or `null`. */
  conformance(caseName: string, databaseName: string): Promise<string | null>;
}
declare global {
  interface Window {
    harness: Harness;
  }
}

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

/** A running server and browser. */
export interface BrowserHarness {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** A fresh page at `path`; errors the page throws or logs are collected in `pageErrors`. */
  openPage(path: string): Promise<{ page: Page; pageErrors: string[] }>;
  close(): Promise<void>;
}

/** The browser harness with pages opened on tests/browser/page.html, its harness ready. */
export interface Chromium extends Omit<BrowserHarness, 'openPage'> {
  /** A fresh page with the wasm module loaded; errors the page reports are collected in `pageErrors`. */
  openPage(): Promise<{ page: Page; pageErrors: string[] }>;
}

/** Starts the server and the browser for tests/browser/page.html. */
export async function startChromium(scripts: Record<string, string> = {}): Promise<Chromium> {
  const browser = await startBrowser(scripts);
  return {
    origin: browser.origin,
    close: () => browser.close(),
    async openPage() {
      const opened = await browser.openPage('/tests/browser/page.html');
      await opened.page.waitForFunction(() => window.harness !== undefined);
      await opened.page.evaluate(() => window.harness.ready());
      return opened;
    },
  };
}

/**
 * Checks the builds exist, starts the server and launches Chromium. `scripts` maps extra URL paths
 * to JavaScript served from memory (a bundle built for the test).
 */
export async function startBrowser(scripts: Record<string, string> = {}): Promise<BrowserHarness> {
  for (const built of ['ts/dist/browser.js', 'wasm/pkg-web/spindle_wasm_bg.wasm']) {
    await access(join(repoRoot, built)).catch(() => {
      throw new Error(`${built} is missing: run scripts/build-wasm.sh, then npx tsc -p ts/tsconfig.json`);
    });
  }
  let origin = '';
  const server = createServer((req, res) => {
    serveFile(origin, scripts, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const chromium = await launchChromium();
  return {
    origin,
    openPage: (path) => chromium.openPage(`${origin}${path}`),
    async close() {
      await chromium.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Headless Chromium with a fresh profile. */
export interface LaunchedChromium {
  /** A fresh page at `url`; errors the page throws or logs are collected in `pageErrors`. */
  openPage(url: string): Promise<{ page: Page; pageErrors: string[] }>;
  close(): Promise<void>;
}

/** Launches Chromium (CHROMIUM_PATH, else Debian's) headless on a temporary profile. */
export async function launchChromium(): Promise<LaunchedChromium> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'spindle-chromium-'));
  const context = await playwright.launchPersistentContext(userDataDir, {
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
    async openPage(url) {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(String(error)));
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(`${message.text()} (${message.location().url})`);
      });
      await page.goto(url);
      return { page, pageErrors };
    },
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Serves a script from memory, or a file below one of `servedDirs` (TypeScript transpiled to a
 * module); everything else is a 404.
 */
async function serveFile(origin: string, scripts: Record<string, string>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const pathname = new URL(req.url ?? '/', origin).pathname;
  const script = scripts[pathname];
  if (script !== undefined) {
    res.writeHead(200, { 'content-type': mimeTypes['.js'], 'cache-control': 'no-store' }).end(script);
    return;
  }
  // The URL parser already resolves dot segments; `normalize` catches any that decoding revealed.
  const path = normalize(decodeURIComponent(pathname)).replace(/^[/\\]+/, '');
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

/** Drives one connection in the page, remembering which method each request id asked for. */
export function session(page: Page, index: number) {
  const methods = new Map<number, string>();
  let nextId = 1;
  return {
    async request(method: string, params: unknown = {}): Promise<Message> {
      const id = nextId++;
      methods.set(id, method);
      return page.evaluate(([s, i, m, p]) => window.harness.request(s, i, m, p), [index, id, method, params] as const);
    },
    notification(method: string, key: string, value: unknown): Promise<Message> {
      return page.evaluate(([s, m, k, v]) => window.harness.notification(s, m, k, v), [index, method, key, value] as const);
    },
    messages(): Promise<Message[]> {
      return page.evaluate((s) => window.harness.messages(s), index);
    },
    /** Every message the engine sent validates against the v2 schema (responses by their request's method). */
    async assertAllValid(): Promise<Message[]> {
      const messages = await this.messages();
      for (const message of messages) {
        assertValidServerMessage(message, 'method' in message ? undefined : methods.get(message.id as number));
      }
      assert.deepEqual(await page.evaluate((s) => window.harness.listenerErrors(s), index), []);
      return messages;
    },
  };
}

export type Session = ReturnType<typeof session>;

export const initializeParams = { clientInfo: { name: 'chromium-test', title: null, version: '1.0.0' } };

export function textInput(text: string): unknown[] {
  return [{ type: 'text', text, text_elements: [] }];
}

export function resultOf<T>(message: Message): T {
  assert.ok('result' in message, `expected a result, got ${JSON.stringify(message)}`);
  return message.result as T;
}

export interface TurnShape {
  id: string;
  status: string;
  items: Array<{ type: string; id: string; text?: string }>;
}

/** initialize → thread/start → turn/start; resolves with the thread id and the turn/completed notification's turn. */
export async function runTurn(conversation: Session, text: string): Promise<TurnShape & { threadId: string }> {
  resultOf(await conversation.request('initialize', initializeParams));
  const { thread } = resultOf<{ thread: { id: string } }>(await conversation.request('thread/start'));
  const { turn } = resultOf<{ turn: { id: string } }>(
    await conversation.request('turn/start', { threadId: thread.id, input: textInput(text) }),
  );
  const completed = await conversation.notification('turn/completed', 'threadId', thread.id);
  const completedTurn = (completed.params as { turn: TurnShape }).turn;
  assert.equal(completedTurn.id, turn.id);
  return { ...completedTurn, threadId: thread.id };
}

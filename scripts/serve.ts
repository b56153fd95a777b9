// `npm run serve`: a static file server for trying Spindle in a browser. Serves the repository on
// http://127.0.0.1:8080/ (PORT overrides) with the content types browsers insist on: a `.wasm` must
// come as application/wasm to be compiled, a module script as JavaScript.

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** A running server. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  close(): Promise<void>;
}

/** What to serve. */
export interface StaticServerOptions {
  /** The directory served at `/`. */
  root: string;
  /** 0 picks a free port. */
  port: number;
  /** Extra pages served from memory, by URL path (e.g. a test's page). */
  pages?: Record<string, string>;
}

/** Serves `root` on 127.0.0.1 until closed; `/` and directories answer with their `index.html`. */
export async function startStaticServer({ root, port, pages = {} }: StaticServerOptions): Promise<StaticServer> {
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const page = pages[pathname];
    if (page !== undefined) {
      res.writeHead(200, { 'content-type': contentTypes['.html'], 'cache-control': 'no-store' }).end(page);
      return;
    }
    let path = join(root, normalize(pathname));
    if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (pathname.endsWith('/')) path = join(path, 'index.html');
    readFile(path).then(
      (body) => {
        const type = contentTypes[extname(path)] ?? 'application/octet-stream';
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
      },
      // Browsers ask for a favicon on their own; an empty answer keeps a 404 out of the console.
      () => res.writeHead(pathname === '/favicon.ico' ? 204 : 404).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const server = await startStaticServer({ root, port: Number(process.env.PORT ?? 8080) });
  console.log(`serving ${root} at ${server.origin}/ (Ctrl-C stops)`);
}

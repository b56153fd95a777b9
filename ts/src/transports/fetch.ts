// The model transport on the runtime's own `fetch` (Node 20, Electron, browsers): the core's
// ModelRequest in, status + headers out, then the body chunk by chunk; cancel aborts.

import type { ModelRequest } from '../generated/ModelRequest.js';
import type { ModelResponseHead } from '../generated/ModelResponseHead.js';
import type { ModelTransportAdapter } from '../runtime/binding.js';

/** Where the Responses API lives and how to reach it. */
export interface FetchTransportOptions {
  /** The provider's base URL, e.g. `https://api.openai.com/v1`; the core's path (`/responses`) is appended. */
  baseUrl: string;
  /** Sent as `authorization: Bearer <apiKey>` when given. */
  apiKey?: string | null;
  /** Another `fetch` (a proxy, a test double); defaults to the global one. */
  fetch?: typeof fetch;
}

interface OpenRequest {
  controller: AbortController;
  reader?: ReadableStreamDefaultReader<Uint8Array>;
}

/** Builds the adapter the bindings call for model HTTP. */
export function createFetchTransport(options: FetchTransportOptions): ModelTransportAdapter {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const open = new Map<number, OpenRequest>();

  return {
    async post(requestJson: string): Promise<string> {
      const request = JSON.parse(requestJson) as ModelRequest;
      const url = baseUrl + request.path;
      const entry: OpenRequest = { controller: new AbortController() };
      open.set(request.id, entry);
      const headers: Record<string, string> = { ...request.headers };
      if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
      let response: Response;
      try {
        response = await fetchImpl(url, { method: 'POST', headers, body: request.body, signal: entry.controller.signal });
      } catch (error) {
        open.delete(request.id);
        if (entry.controller.signal.aborted) throw new Error(`model request ${request.id} was cancelled`);
        throw new Error(`model request to ${url} failed: ${describe(error)}`);
      }
      if (open.get(request.id) !== entry) {
        // Cancelled while the head was on its way: release the body nobody will read.
        void response.body?.cancel().catch(() => {});
        throw new Error(`model request ${request.id} was cancelled`);
      }
      if (response.body) entry.reader = response.body.getReader();
      const head: ModelResponseHead = { status: response.status, headers: {} };
      response.headers.forEach((value, name) => {
        head.headers[name.toLowerCase()] = value;
      });
      return JSON.stringify(head);
    },

    async read(id: number): Promise<Uint8Array | null> {
      const entry = open.get(id);
      if (!entry) throw new Error(`model request ${id} is not open (ended or cancelled)`);
      if (!entry.reader) {
        open.delete(id);
        return null;
      }
      try {
        const { done, value } = await entry.reader.read();
        if (done) {
          open.delete(id);
          return null;
        }
        return value;
      } catch (error) {
        open.delete(id);
        if (entry.controller.signal.aborted) throw new Error(`model request ${id} was cancelled`);
        throw new Error(`model response stream failed: ${describe(error)}`);
      }
    },

    cancel(id: number): void {
      const entry = open.get(id);
      open.delete(id);
      entry?.controller.abort();
    },
  };
}

// Node's fetch hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`.
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message && cause.message !== error.message) return `${error.message} (${cause.message})`;
  return error.message;
}

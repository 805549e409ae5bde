import { vi } from "vitest";

export type Handler = (request: Request) => Response | Promise<Response>;

export interface RouteMock {
  method: string;
  path: string;
  handler: Handler;
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

/**
 * Replace `fetch` with a tiny router: each call is matched on method and path; anything
 * unmatched fails the test loudly. Returns the spy so tests can inspect the requests.
 */
export function mockFetch(routes: RouteMock[]) {
  const spy = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const { pathname } = new URL(request.url);
    const route = routes.find((r) => r.method === request.method && r.path === pathname);
    if (!route) throw new Error(`Unexpected request: ${request.method} ${pathname}`);
    return route.handler(request);
  });
  vi.stubGlobal("fetch", spy);
  return spy;
}

const encoder = new TextEncoder();

/**
 * A streaming `text/event-stream` response: sends `chunks` and then stays open until the
 * request is aborted (like a model that keeps generating), unless `close` is set.
 */
export function sseResponse(
  request: Request,
  chunks: string[],
  options: { close?: boolean; onCancel?: () => void } = {},
): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (options.close) controller.close();
      request.signal.addEventListener("abort", () => {
        try {
          controller.error(new DOMException("The operation was aborted.", "AbortError"));
        } catch {
          // already closed
        }
      });
    },
    cancel() {
      options.onCancel?.();
    },
  });
  return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
}

import { afterEach, describe, expect, it, vi } from "vitest";
import { json, mockFetch } from "@/testing/fetch-mock";
import {
  COMPLETION_CONTEXT_CHARS,
  COMPLETION_TYPES,
  CompletionPausedError,
  completerFor,
  contextFor,
  GHOST_MAX_TOKENS,
  resetCompletionBackoff,
  retryAfterMs,
} from "../completion";
import { ApiError } from "../http";

describe("completerFor", () => {
  afterEach(() => resetCompletionBackoff());

  it("asks for the type's completion and returns the continuation", async () => {
    let body: unknown;
    const spy = mockFetch([
      {
        method: "POST",
        path: "/api/completion/generate",
        handler: async (request) => {
          body = await request.json();
          return json({ completion: " fox", timestamp: 1 });
        },
      },
    ]);
    const complete = completerFor("general");
    await expect(complete("The quick brown", new AbortController().signal)).resolves.toBe(" fox");
    expect(body).toEqual({
      text: "The quick brown",
      completion_type: "general",
      max_tokens: GHOST_MAX_TOKENS,
      stream: false,
    });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("sends only the end of a long text (the server refuses texts over 10,000 characters)", async () => {
    let body: { text: string } | undefined;
    mockFetch([
      {
        method: "POST",
        path: "/api/completion/generate",
        handler: async (request) => {
          body = (await request.json()) as { text: string };
          return json({ completion: " end", timestamp: 1 });
        },
      },
    ]);
    const text = `${"a".repeat(5_000)}${"b".repeat(7_000)} and the`;
    await expect(completerFor("general")(text, new AbortController().signal)).resolves.toBe(" end");
    expect(COMPLETION_CONTEXT_CHARS).toBeLessThanOrEqual(10_000);
    expect(body?.text).toHaveLength(COMPLETION_CONTEXT_CHARS);
    expect(body?.text).toBe(text.slice(-COMPLETION_CONTEXT_CHARS));
    // Never half an emoji at the start.
    expect(contextFor(`😀${"x".repeat(COMPLETION_CONTEXT_CHARS - 1)}`)).toBe(
      "x".repeat(COMPLETION_CONTEXT_CHARS - 1),
    );
  });

  it("is the same function for the same type (so the editor's cache survives)", () => {
    expect(completerFor("email")).toBe(completerFor("email"));
    expect(completerFor("email")).not.toBe(completerFor("code"));
    expect(COMPLETION_TYPES).toHaveLength(7);
  });

  it("passes the abort signal to the request", async () => {
    let seen: Request | undefined;
    mockFetch([
      {
        method: "POST",
        path: "/api/completion/generate",
        handler: (request) => {
          seen = request;
          return new Promise<Response>((_resolve, reject) => {
            const fail = () => reject(new DOMException("aborted", "AbortError"));
            if (request.signal.aborted) fail();
            request.signal.addEventListener("abort", fail);
          });
        },
      },
    ]);
    const controller = new AbortController();
    const pending = completerFor("message")("Hi", controller.signal);
    await vi.waitFor(() => expect(seen).toBeDefined());
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(seen?.signal.aborted).toBe(true);
  });

  it("after a 429, stays quiet until Retry-After has passed", async () => {
    const spy = mockFetch([
      {
        method: "POST",
        path: "/api/completion/generate",
        handler: () =>
          new Response(JSON.stringify({ error: "Too many requests", timestamp: 1 }), {
            status: 429,
            headers: { "Content-Type": "application/json", "Retry-After": "30" },
          }),
      },
    ]);
    const complete = completerFor("general");
    const signal = new AbortController().signal;
    await expect(complete("a", signal)).rejects.toBeInstanceOf(ApiError);
    await expect(complete("b", signal)).rejects.toBeInstanceOf(CompletionPausedError);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("reports the server's message for other errors", async () => {
    mockFetch([
      {
        method: "POST",
        path: "/api/completion/generate",
        handler: () => json({ error: "Input text too long", timestamp: 1 }, 400),
      },
    ]);
    await expect(
      completerFor("general")("x".repeat(10), new AbortController().signal),
    ).rejects.toMatchObject({ status: 400, message: "Input text too long" });
  });

  it("reads Retry-After in seconds, with a fallback", () => {
    expect(retryAfterMs("3", 1000)).toBe(3000);
    expect(retryAfterMs(null, 1000)).toBe(1000);
    expect(retryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT", 1000)).toBe(1000);
  });
});

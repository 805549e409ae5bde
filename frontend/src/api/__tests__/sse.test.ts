import { describe, expect, it } from "vitest";
import { mockFetch, sseResponse } from "@/testing/fetch-mock";
import { ApiError } from "../http";
import { postSse, type SseMessage, SseParser } from "../sse";

function parseAll(chunks: string[]): SseMessage[] {
  const out: SseMessage[] = [];
  const parser = new SseParser((message) => out.push(message));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return out;
}

describe("SseParser", () => {
  it("parses data events and a named done event", () => {
    const events = parseAll([
      'data: {"delta": "Hel"}\n\ndata: {"delta": "lo"}\n\n',
      'event: done\ndata: {"response": "Hello"}\n\n',
    ]);
    expect(events).toEqual([
      { event: "message", data: '{"delta": "Hel"}' },
      { event: "message", data: '{"delta": "lo"}' },
      { event: "done", data: '{"response": "Hello"}' },
    ]);
  });

  it("reassembles events split anywhere across chunks, including inside CRLF", () => {
    const stream = 'data: {"delta": "a"}\r\n\r\nevent: error\r\ndata: {"error": "boom"}\r\n\r\n';
    const whole = parseAll([stream]);
    for (let size = 1; size <= 7; size++) {
      const chunks = stream.match(new RegExp(`[\\s\\S]{1,${size}}`, "g")) ?? [];
      expect(parseAll(chunks)).toEqual(whole);
    }
    expect(whole).toEqual([
      { event: "message", data: '{"delta": "a"}' },
      { event: "error", data: '{"error": "boom"}' },
    ]);
  });

  it("ignores comments (keep-alives), joins multi-line data and drops an unfinished event", () => {
    const events = parseAll([": keep-alive\n\n", "data: one\ndata: two\n\n", "data: cut off"]);
    expect(events).toEqual([{ event: "message", data: "one\ntwo" }]);
  });
});

describe("postSse", () => {
  it("reports deltas in order and resolves with the done payload", async () => {
    mockFetch([
      {
        method: "POST",
        path: "/api/llm/chat/session",
        handler: (request) =>
          sseResponse(
            request,
            [
              'data: {"delta": "Par',
              'is"}\n\ndata: {"delta": "!"}\n',
              '\nevent: done\ndata: {"session_id": "s1", "response": "Paris!"}\n\n',
            ],
            { close: true },
          ),
      },
    ]);
    const deltas: string[] = [];
    const result = await postSse(
      "/api/llm/chat/session",
      { message: "hi" },
      {
        onDelta: (delta) => deltas.push(delta),
      },
    );
    expect(deltas).toEqual(["Paris", "!"]);
    expect(result).toEqual({ status: "done", done: { session_id: "s1", response: "Paris!" } });
  });

  it("hands other named events to onEvent, never to onDelta", async () => {
    mockFetch([
      {
        method: "POST",
        path: "/api/llm/chat/session",
        handler: (request) =>
          sseResponse(
            request,
            [
              'event: session\ndata: {"session_id": "s9", "created": true}\n\n',
              'data: {"delta": "Hi"}\n\nevent: done\ndata: {"response": "Hi"}\n\n',
            ],
            { close: true },
          ),
      },
    ]);
    const events: [string, unknown][] = [];
    const deltas: string[] = [];
    const result = await postSse(
      "/api/llm/chat/session",
      { message: "hi" },
      {
        onDelta: (delta) => deltas.push(delta),
        onEvent: (event, data) => events.push([event, data]),
      },
    );
    expect(events).toEqual([["session", { session_id: "s9", created: true }]]);
    expect(deltas).toEqual(["Hi"]);
    expect(result).toEqual({ status: "done", done: { response: "Hi" } });
  });

  it("sends a JSON body asking for a stream", async () => {
    const spy = mockFetch([
      {
        method: "POST",
        path: "/api/llm/chat/session",
        handler: (request) => sseResponse(request, ["event: done\ndata: {}\n\n"], { close: true }),
      },
    ]);
    await postSse("/api/llm/chat/session", { message: "hi", stream: true });
    const request = spy.mock.calls[0]?.[0] as Request;
    expect(request.headers.get("Accept")).toBe("text/event-stream");
    expect(await request.json()).toEqual({ message: "hi", stream: true });
  });

  it("resolves with the error event's body", async () => {
    mockFetch([
      {
        method: "POST",
        path: "/api/llm/chat/session",
        handler: (request) =>
          sseResponse(
            request,
            [
              'data: {"delta": "x"}\n\n',
              'event: error\ndata: {"error": "LLM server timed out", "timestamp": 1, "code": "llm_timeout"}\n\n',
            ],
            { close: true },
          ),
      },
    ]);
    const result = await postSse("/api/llm/chat/session", {});
    expect(result).toEqual({
      status: "error",
      error: { error: "LLM server timed out", timestamp: 1, code: "llm_timeout" },
    });
  });

  it("stops reading and closes the connection when aborted mid-stream", async () => {
    let seenSignal: AbortSignal | undefined;
    mockFetch([
      {
        method: "POST",
        path: "/api/llm/chat/session",
        handler: (request) => {
          seenSignal = request.signal;
          return sseResponse(request, ['data: {"delta": "partial"}\n\n']);
        },
      },
    ]);
    const controller = new AbortController();
    const deltas: string[] = [];
    const pending = postSse(
      "/api/llm/chat/session",
      {},
      {
        signal: controller.signal,
        onDelta: (delta) => {
          deltas.push(delta);
          controller.abort();
        },
      },
    );
    await expect(pending).resolves.toEqual({ status: "aborted" });
    expect(deltas).toEqual(["partial"]);
    expect(seenSignal?.aborted).toBe(true);
  });

  it("throws ApiError with the server's message when the stream cannot start", async () => {
    mockFetch([
      {
        method: "POST",
        path: "/api/llm/chat/session",
        handler: () =>
          new Response(JSON.stringify({ error: "LLM service unavailable", timestamp: 1 }), {
            status: 503,
          }),
      },
    ]);
    const failure = postSse("/api/llm/chat/session", {});
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({
      status: 503,
      message: "LLM service unavailable",
    });
  });

  it("reports a stream that ends without done or error", async () => {
    mockFetch([
      {
        method: "POST",
        path: "/api/llm/chat/session",
        handler: (request) => sseResponse(request, ['data: {"delta": "a"}\n\n'], { close: true }),
      },
    ]);
    const result = await postSse("/api/llm/chat/session", {});
    expect(result).toMatchObject({ status: "error", error: { code: "stream_protocol" } });
  });
});

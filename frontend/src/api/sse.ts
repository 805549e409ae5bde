/**
 * Server-sent events over `fetch` (EventSource cannot POST or send a bearer token).
 *
 * The backend streams `data: {"delta": "..."}` events, then either `event: done` with the
 * final JSON or `event: error` with the error shape; other named events (such as `session`)
 * reach `onEvent`. `postSse` turns that into callbacks and
 * one result; aborting the signal closes the connection, which cancels generation upstream.
 */
import { ApiError, apiFetch, apiUrl, type ErrorBody, isErrorBody, NETWORK_ERROR } from "./http";

export interface SseMessage {
  /** The `event:` field; "message" when the server sent none. */
  event: string;
  data: string;
  id?: string;
}

/**
 * Incremental parser for the `text/event-stream` format: feed it text in chunks of any size
 * (an event, a line or even a CRLF may be split across chunks) and it emits whole events.
 */
export class SseParser {
  private buffer = "";
  private dataLines: string[] = [];
  private eventType = "";
  private lastId: string | undefined;
  private pendingCR = false;

  constructor(private readonly onMessage: (message: SseMessage) => void) {}

  push(chunk: string): void {
    let text = chunk;
    if (this.pendingCR && text.startsWith("\n")) text = text.slice(1);
    this.pendingCR = false;
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const char = this.buffer[i];
      if (char !== "\n" && char !== "\r") continue;
      this.processLine(this.buffer.slice(start, i));
      if (char === "\r") {
        if (i + 1 === this.buffer.length) this.pendingCR = true;
        else if (this.buffer[i + 1] === "\n") i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  /** End of stream: a final event without its blank line is discarded, per the spec. */
  end(): void {
    this.buffer = "";
    this.dataLines = [];
    this.eventType = "";
  }

  private processLine(line: string): void {
    if (line === "") {
      this.dispatch();
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.dataLines.push(value);
    else if (field === "event") this.eventType = value;
    else if (field === "id" && !value.includes("\0")) this.lastId = value;
  }

  private dispatch(): void {
    if (this.dataLines.length > 0) {
      const message: SseMessage = {
        event: this.eventType || "message",
        data: this.dataLines.join("\n"),
      };
      if (this.lastId !== undefined) message.id = this.lastId;
      this.onMessage(message);
    }
    this.dataLines = [];
    this.eventType = "";
  }
}

/** Yield the events of a streaming response body until it ends or the signal aborts. */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<SseMessage> {
  const queue: SseMessage[] = [];
  const parser = new SseParser((message) => queue.push(message));
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const cancel = () => {
    reader.cancel().catch(() => undefined);
  };
  signal?.addEventListener("abort", cancel, { once: true });
  try {
    while (true) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
      while (queue.length > 0) yield queue.shift() as SseMessage;
    }
    signal?.throwIfAborted();
    parser.push(decoder.decode());
    parser.end();
    while (queue.length > 0) yield queue.shift() as SseMessage;
  } finally {
    signal?.removeEventListener("abort", cancel);
    reader.releaseLock();
  }
}

export type SseResult<TDone> =
  | { status: "done"; done: TDone }
  | { status: "error"; error: ErrorBody }
  | { status: "aborted" };

export interface PostSseOptions {
  signal?: AbortSignal;
  /** Each `data: {"delta": "..."}` chunk, in order. */
  onDelta?: (delta: string) => void;
  /** Any other named event (for example `session`), with its parsed JSON data. */
  onEvent?: (event: string, data: unknown) => void;
}

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

function isAbort(error: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true || (error instanceof DOMException && error.name === "AbortError");
}

function protocolError(message: string): ErrorBody {
  return { error: message, timestamp: Math.floor(Date.now() / 1000), code: "stream_protocol" };
}

/**
 * POST `body` as JSON to `path`, asking for a stream, and follow it to its end.
 *
 * Resolves with the `done` payload, the `error` event's body, or `aborted` when the signal
 * fired (the caller keeps whatever deltas it already showed). A non-2xx answer before the
 * stream starts is thrown as `ApiError`, like any other request.
 */
export async function postSse<TDone>(
  path: string,
  body: unknown,
  options: PostSseOptions = {},
): Promise<SseResult<TDone>> {
  const { signal, onDelta, onEvent } = options;
  let response: Response;
  try {
    response = await apiFetch(apiUrl(path), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (isAbort(error, signal)) return { status: "aborted" };
    throw new ApiError(0, undefined, NETWORK_ERROR);
  }
  if (!response.ok) {
    const errorBody = parseJson(await response.text().catch(() => ""));
    throw new ApiError(
      response.status,
      isErrorBody(errorBody) ? errorBody : undefined,
      `Request failed (HTTP ${response.status})`,
    );
  }
  if (!response.body) return { status: "error", error: protocolError("The response had no body") };

  try {
    for await (const message of readSse(response.body, signal)) {
      const data = parseJson(message.data);
      if (message.event === "done") return { status: "done", done: data as TDone };
      if (message.event === "error") {
        return {
          status: "error",
          error: isErrorBody(data) ? data : protocolError(message.data || "Stream failed"),
        };
      }
      if (message.event !== "message") {
        onEvent?.(message.event, data);
        continue;
      }
      const delta = (data as { delta?: unknown } | undefined)?.delta;
      if (typeof delta === "string" && delta !== "") onDelta?.(delta);
    }
  } catch (error) {
    if (isAbort(error, signal)) return { status: "aborted" };
    return { status: "error", error: protocolError("The connection was interrupted") };
  }
  return { status: "error", error: protocolError("The stream ended before it finished") };
}

/**
 * The live feed of one game session: `GET /api/mqtt/events` as server-sent events (`event: game`,
 * data = one game event), read with `fetch` so the bearer token goes along, and followed again
 * after a drop with a growing pause (the portal restarting, a proxy timing out, a phone waking
 * up). Events sent while the feed was down are not replayed, so the caller is told about gaps.
 */
import { ApiError, apiFetch, apiUrl, isErrorBody, NETWORK_ERROR } from "@/api/http";
import { readSse } from "@/api/sse";

export const GAME_EVENT_KINDS = [
  "request",
  "state",
  "hint",
  "reply",
  "delta",
  "error",
  "result",
  "template",
  "clear",
  "delete",
] as const;

export type GameEventKind = (typeof GAME_EVENT_KINDS)[number];

/** One thing that happened in a game session, as the portal's bridge saw it. */
export interface GameEvent {
  kind: GameEventKind;
  project: string;
  session_id: string;
  /** A user id, or `mqtt:<project>` for a client that sent no API key. */
  owner: string;
  payload: Record<string, unknown>;
  /** Seconds since the epoch. */
  at: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The event in `data`, or `null` when it is not one this page understands. */
export function parseGameEvent(data: string): GameEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  const { kind, project, session_id: sessionId, owner, payload, at } = value;
  if (typeof kind !== "string" || !(GAME_EVENT_KINDS as readonly string[]).includes(kind)) {
    return null;
  }
  return {
    kind: kind as GameEventKind,
    project: typeof project === "string" ? project : "",
    session_id: typeof sessionId === "string" ? sessionId : "",
    owner: typeof owner === "string" ? owner : "",
    payload: isRecord(payload) ? payload : { value: payload },
    at: typeof at === "number" ? at : Date.now() / 1000,
  };
}

/** The pause before reconnect attempt `attempt` (0-based): 1, 2, 4, 8, 16, then 30 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt));
}

export type FeedState =
  | { status: "connecting" }
  | { status: "live" }
  | { status: "reconnecting"; retryInMs: number; reason: string }
  | { status: "failed"; reason: string };

export interface WatchOptions {
  signal: AbortSignal;
  onEvent: (event: GameEvent) => void;
  onState: (state: FeedState) => void;
  /** The feed came back after a drop: events in between were missed. */
  onGap?: () => void;
  /** Waits between attempts; tests pass a fast one. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** A refusal that trying again will not fix (bad project, no access); 5xx and 429 may pass. */
function isPermanent(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 408 &&
    error.status !== 429
  );
}

async function open(path: string, signal: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await apiFetch(apiUrl(path), { headers: { Accept: "text/event-stream" }, signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ApiError(0, undefined, NETWORK_ERROR);
  }
  if (!response.ok || !response.body) {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    throw new ApiError(
      response.status,
      isErrorBody(body) ? body : undefined,
      `The live feed was refused (HTTP ${response.status})`,
    );
  }
  return response;
}

/** Read one connection until it ends; resolves when the server closed it. */
async function follow(response: Response, options: WatchOptions): Promise<void> {
  const body = response.body as ReadableStream<Uint8Array>;
  for await (const message of readSse(body, options.signal)) {
    if (message.event !== "game") continue;
    const event = parseGameEvent(message.data);
    if (event) options.onEvent(event);
  }
}

/**
 * Follow `project`/`sessionId`'s events until `signal` aborts. Resolves then, or after a
 * refusal that retrying cannot fix (reported as `failed`).
 */
export async function watchGameEvents(
  project: string,
  sessionId: string,
  options: WatchOptions,
): Promise<void> {
  const { signal, onState } = options;
  const sleep = options.sleep ?? abortableSleep;
  const query = new URLSearchParams({ project, session_id: sessionId });
  const path = `/api/mqtt/events?${query}`;
  let attempt = 0;
  let dropped = false;
  while (!signal.aborted) {
    let reason = "The live feed ended";
    try {
      onState({ status: "connecting" });
      const response = await open(path, signal);
      onState({ status: "live" });
      if (dropped) options.onGap?.();
      attempt = 0;
      await follow(response, options);
    } catch (error) {
      if (signal.aborted) return;
      if (isPermanent(error)) {
        onState({ status: "failed", reason: (error as Error).message });
        return;
      }
      reason = error instanceof ApiError ? error.message : "The connection was interrupted";
    }
    if (signal.aborted) return;
    dropped = true;
    const retryInMs = reconnectDelay(attempt);
    attempt += 1;
    onState({ status: "reconnecting", retryInMs, reason });
    await sleep(retryInMs, signal);
  }
}

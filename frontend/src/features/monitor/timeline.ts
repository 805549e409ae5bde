/**
 * What the timeline shows: game events newest first, a streamed answer's chunks folded into
 * one entry, a marker where the feed was down, and a one-line summary of each event that a
 * person can read without opening the raw JSON.
 */
import type { GameEvent, GameEventKind } from "./events";

/** How many entries the page keeps; older ones drop off the end. */
export const TIMELINE_LIMIT = 200;

export type TimelineEntry =
  | { type: "event"; key: string; event: GameEvent }
  | { type: "stream"; key: string; events: GameEvent[] };

/**
 * What tells two copies of one event apart from two events: the portal replays a session's
 * recent events to every new watcher, so a reconnected feed repeats some it already sent.
 */
export function eventId(event: GameEvent): string {
  return `${event.at}|${event.kind}|${JSON.stringify(event.payload)}`;
}

function entryTime(entry: TimelineEntry): number {
  return entry.type === "event" ? entry.event.at : (entry.events.at(-1)?.at ?? 0);
}

/**
 * Add `event` in time order (newest first); a chunk right after another chunk joins its
 * entry, so a streamed answer is one line that grows.
 */
export function addEvent(entries: TimelineEntry[], event: GameEvent): TimelineEntry[] {
  const [first, ...rest] = entries;
  if (event.kind === "delta" && first?.type === "stream") {
    return [{ ...first, events: [...first.events, event] }, ...rest];
  }
  const key = eventId(event);
  const entry: TimelineEntry =
    event.kind === "delta"
      ? { type: "stream", key, events: [event] }
      : { type: "event", key, event };
  const index = entries.findIndex((item) => entryTime(item) <= event.at);
  const next =
    index === -1
      ? [...entries, entry]
      : [...entries.slice(0, index), entry, ...entries.slice(index)];
  return next.slice(0, TIMELINE_LIMIT);
}

export type KindTone = "info" | "success" | "danger" | "warn" | "neutral";

export const KIND_TONE: Record<GameEventKind, KindTone> = {
  request: "info",
  state: "info",
  hint: "success",
  reply: "success",
  delta: "neutral",
  error: "danger",
  result: "warn",
  template: "neutral",
  clear: "neutral",
  delete: "neutral",
};

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

function point(value: unknown): string | undefined {
  if (Array.isArray(value) && value.length >= 2) return `(${value[0]}, ${value[1]})`;
  if (typeof value === "object" && value !== null && "x" in value && "y" in value) {
    const { x, y } = value as { x: unknown; y: unknown };
    return `(${x}, ${y})`;
  }
  return undefined;
}

function clip(value: string, max = 240): string {
  const flat = value.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A state event carries the game's state under `state` (and whether it repeats: `stuck`). */
function summarizeState(payload: Record<string, unknown>): string {
  const state = isRecord(payload.state) ? payload.state : payload;
  const player = point(state.player_pos ?? state.playerPos ?? state.player);
  const exit = point(state.exit_pos ?? state.exitPos ?? state.exit);
  const parts = [
    player ? `player at ${player}` : null,
    exit ? `exit at ${exit}` : null,
    payload.stuck === true ? "stuck (same state as before)" : null,
  ].filter(Boolean);
  return parts.length > 0 ? `State: ${parts.join(", ")}` : "Game state";
}

function summarizeHint(payload: Record<string, unknown>): string {
  const extras = [
    Array.isArray(payload.path) ? `path of ${payload.path.length} steps` : null,
    point(payload.break_wall) ? `break wall at ${point(payload.break_wall)}` : null,
  ].filter(Boolean);
  const hint = text(payload.hint) ?? "Hint";
  return extras.length > 0 ? `${hint} (${extras.join(", ")})` : hint;
}

function summarizeError(payload: Record<string, unknown>): string {
  const code = text(payload.code);
  const message = text(payload.error) ?? text(payload.message) ?? "Error";
  const raw = text(payload.raw);
  const head = code ? `${code}: ${message}` : message;
  return raw ? `${head} — the model said: ${raw}` : head;
}

function summarizeResult(payload: Record<string, unknown>): string {
  const facts = ["score", "won", "steps", "duration"]
    .filter((name) => payload[name] !== undefined)
    .map((name) => `${name} ${String(payload[name])}`);
  return facts.length > 0 ? `Result: ${facts.join(", ")}` : "Game result";
}

function summarizeTemplate(payload: Record<string, unknown>): string {
  const title = text(payload.title);
  const size = typeof payload.chars === "number" ? `${payload.chars} characters` : null;
  const reset = payload.reset === true ? "history reset" : null;
  const details = [size, reset].filter(Boolean).join(", ");
  const head = title ? `Template set: ${title}` : "Template set";
  return details ? `${head} (${details})` : head;
}

/** The part of a reply that is the model's answer, whichever field carries it. */
export function replyText(payload: Record<string, unknown>): string | undefined {
  return (
    text(payload.response) ??
    text(payload.reply) ??
    text(payload.text) ??
    text(payload.content) ??
    text(payload.message)
  );
}

/** One readable line for `event` (long text is clipped; the raw JSON has all of it). */
export function summarize(event: GameEvent): string {
  const { payload } = event;
  switch (event.kind) {
    case "request":
      return clip(text(payload.message) ?? "Request");
    case "state":
      return summarizeState(payload);
    case "hint":
      return clip(summarizeHint(payload));
    case "reply":
      return clip(replyText(payload) ?? "Reply");
    case "delta":
      return clip(text(payload.delta) ?? "");
    case "error":
      return clip(summarizeError(payload));
    case "result":
      return clip(summarizeResult(payload));
    case "template":
      return clip(summarizeTemplate(payload));
    case "clear":
      return payload.had_history === false ? "History cleared (it was empty)" : "History cleared";
    case "delete":
      return payload.existed === false ? "Session deleted (it did not exist)" : "Session deleted";
  }
}

/** The text of a streamed answer so far. */
export function streamText(events: GameEvent[]): string {
  return events
    .map((event) => (typeof event.payload.delta === "string" ? event.payload.delta : ""))
    .join("");
}

/** Whose traffic an event is, in words: "you", a keyless game client, or another user (admins). */
export function ownerLabel(owner: string, viewerId?: string): string {
  if (viewerId !== undefined && owner === viewerId) return "you";
  if (owner.startsWith("mqtt:")) return "client without a key";
  return owner ? `user ${owner}` : "unknown";
}

const clock = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** `at` (epoch seconds) as a wall-clock time with seconds. */
export function formatTime(at: number): string {
  return clock.format(new Date(at * 1000));
}

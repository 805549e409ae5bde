/**
 * The messages of a chat as the screen holds them, and how they relate to the stored ones:
 * a stored message becomes an entry, the store's copy wins over the streamed one, and a turn
 * the server refused gets one plain sentence. Pure, so it is tested alone.
 */
import type { HistoryMessageRead } from "@/api/client";
import { ApiError } from "@/api/http";

export type EntryStatus = "streaming" | "complete" | "stopped" | "failed";

export interface ChatEntry {
  /** Stable while the entry is on screen (React key). */
  key: string;
  /** The stored message's id, once the store has been read back. */
  serverId?: number;
  role: "user" | "assistant" | "system";
  content: string;
  status: EntryStatus;
  /** Why a failed answer failed, in plain words. */
  error?: string;
  /** An answer's numbers, from the turn's `done` event (the store does not keep them). */
  stats?: AnswerStats;
}

export interface AnswerStats {
  /** Tokens the answer took. */
  tokens?: number | undefined;
  /** Prompt tokens the model server found already in its KV cache. */
  cacheN?: number | undefined;
}

/** Why nothing was sent; `offline` when the model was down (a Retry makes sense later). */
export interface ChatNotice {
  message: string;
  offline: boolean;
}

export type TurnOutcome =
  | { stored: true }
  | { stored: false; reason: "busy" | "stopped" | "refused" | "missing" };

/** What a stored answer that broke off shows, when the reason was not seen live. */
export const BROKE_OFF = "the answer broke off";
const OFFLINE =
  "The model is offline, so your message was not sent. It is back in the message box — press Retry once the model is back.";

let nextKey = 0;
/** A key no entry on screen has yet. */
export const newKey = () => `m${++nextKey}`;

function toRole(role: string): ChatEntry["role"] {
  return role === "assistant" || role === "system" ? role : "user";
}

/** A stored message as the chat shows it. */
export function storedEntry(item: HistoryMessageRead, key = newKey()): ChatEntry {
  const entry: ChatEntry = {
    key,
    role: toRole(item.role),
    content: item.content,
    status: "complete",
  };
  if (typeof item.id === "number") entry.serverId = item.id;
  if (item.status === "stopped") entry.status = "stopped";
  if (item.status === "failed") return { ...entry, status: "failed", error: BROKE_OFF };
  return entry;
}

/** The numbers of a finished turn worth showing with its answer; nothing when there are none. */
export function answerStats(done: {
  usage?: { completion_tokens: number } | null;
  cache_n?: number | null;
}): { stats?: AnswerStats } {
  const stats: AnswerStats = {};
  if (done.usage) stats.tokens = done.usage.completion_tokens;
  if (typeof done.cache_n === "number") stats.cacheN = done.cache_n;
  return Object.keys(stats).length > 0 ? { stats } : {};
}

/** "42 tokens · 118 prompt tokens cached", or nothing. */
export function statsText(stats: AnswerStats | undefined): string | undefined {
  if (!stats) return undefined;
  const parts: string[] = [];
  if (stats.tokens !== undefined)
    parts.push(`${stats.tokens} ${stats.tokens === 1 ? "token" : "tokens"}`);
  if (stats.cacheN !== undefined) parts.push(`${stats.cacheN} prompt tokens cached`);
  return parts.length > 0 ? parts.join(" · ") : undefined;
}

/** The conversation without its system prompt (shown apart). */
export const visible = (items: HistoryMessageRead[]) =>
  items.filter((item) => item.role !== "system");

/**
 * The store's messages over what is on screen: the same turns keep their keys (no remount,
 * no jump) and take the stored ids, statuses and text; anything else is replaced by the store.
 */
export function mergeStored(local: ChatEntry[], stored: HistoryMessageRead[]): ChatEntry[] {
  const sameShape =
    local.length === stored.length &&
    local.every((entry, index) => entry.role === toRole(stored[index]?.role ?? ""));
  if (!sameShape) return stored.map((item) => storedEntry(item));
  return stored.map((item, index) => {
    const mine = local[index] as ChatEntry;
    const next = storedEntry(item, mine.key);
    if (mine.stats && next.role === "assistant") next.stats = mine.stats;
    return next.status === "failed" && mine.error ? { ...next, error: mine.error } : next;
  });
}

/**
 * A 404 about the message an edit named, not the chat: the chat is still there but that
 * message is not (it was edited or regenerated away elsewhere, say in another tab).
 */
export function isMessageGone(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.status === 404 &&
    (error.code === "message_not_found" || /\bmessage not found\b/i.test(error.message))
  );
}

/** The plain sentence for a turn the server refused before storing anything. */
export function refusalNotice(error: unknown): ChatNotice {
  if (error instanceof ApiError && error.status === 503 && error.code === "llm_unavailable") {
    return { message: OFFLINE, offline: true };
  }
  if (isMessageGone(error)) {
    return {
      message:
        "That message was changed elsewhere, so nothing was sent. The chat now shows what is stored.",
      offline: false,
    };
  }
  if (error instanceof ApiError && error.status === 404) {
    return { message: "This chat no longer exists, so nothing was sent.", offline: false };
  }
  const reason = error instanceof Error ? error.message : "The request failed";
  return { message: `Not sent: ${reason}`, offline: false };
}

/**
 * TAB completion over the generated client: the `complete(text, signal)` functions the
 * ghost-text editor takes, and the list of completion types.
 *
 * Suggestions are a nicety, so their failures stay quiet: the editor shows a small error dot
 * and nothing else. After a 429 (rate limit) or 503 (LLM unavailable) no request is sent
 * until the server's Retry-After (or a short pause) has passed.
 */
import { queryOptions, useQuery } from "@tanstack/react-query";
import { CompletionService, type CompletionTypeRead } from "./client";
import { ApiError, isErrorBody, NETWORK_ERROR, unwrap } from "./http";

export const COMPLETION_TYPES = [
  "general",
  "code",
  "prompt",
  "message",
  "search",
  "email",
  "description",
] as const;

export type CompletionType = (typeof COMPLETION_TYPES)[number];

export function isCompletionType(value: unknown): value is CompletionType {
  return typeof value === "string" && (COMPLETION_TYPES as readonly string[]).includes(value);
}

export type CompleteFn = (text: string, signal: AbortSignal) => Promise<string>;

/** Ghost text should be short: a few words to a sentence, quickly. */
export const GHOST_MAX_TOKENS = 40;
/**
 * Only this much of the text before the cursor is sent: the server rejects texts over 10,000
 * characters (400), which would fail every pause in a long draft, and the model continues from
 * the end anyway. The editor's cache still keys on the full text.
 */
export const COMPLETION_CONTEXT_CHARS = 8_000;
const UNAVAILABLE_PAUSE_MS = 10_000;
const MAX_PAUSE_MS = 120_000;

let pausedUntil = 0;

/** Seconds from a Retry-After header (delta form; HTTP dates fall back to `fallbackMs`). */
export function retryAfterMs(header: string | null, fallbackMs: number): number {
  const seconds = header === null ? Number.NaN : Number(header);
  if (!Number.isFinite(seconds) || seconds < 0) return fallbackMs;
  return Math.min(seconds * 1000, MAX_PAUSE_MS);
}

/** Forget any back-off (tests; a new login). */
export function resetCompletionBackoff(): void {
  pausedUntil = 0;
}

/** Thrown while suggestions are paused after a 429 or 503; no request was sent. */
export class CompletionPausedError extends Error {
  constructor(readonly retryInMs: number) {
    super("Suggestions are paused for a moment");
    this.name = "CompletionPausedError";
  }
}

/** The last `COMPLETION_CONTEXT_CHARS` of `text`, never starting inside a surrogate pair. */
export function contextFor(text: string): string {
  if (text.length <= COMPLETION_CONTEXT_CHARS) return text;
  const tail = text.slice(-COMPLETION_CONTEXT_CHARS);
  return /^[\uDC00-\uDFFF]/.test(tail) ? tail.slice(1) : tail;
}

async function generate(
  type: CompletionType,
  text: string,
  signal: AbortSignal,
  maxTokens: number,
): Promise<string> {
  const wait = pausedUntil - Date.now();
  if (wait > 0) throw new CompletionPausedError(wait);

  let result: Awaited<ReturnType<typeof CompletionService.generateCompletion>>;
  try {
    result = await CompletionService.generateCompletion({
      body: { text: contextFor(text), completion_type: type, max_tokens: maxTokens, stream: false },
      signal,
    });
  } catch (cause) {
    if (signal.aborted) throw cause;
    throw new ApiError(0, undefined, NETWORK_ERROR);
  }
  // The client reports an aborted fetch as an error without a response.
  if (signal.aborted) throw new DOMException("The operation was aborted.", "AbortError");
  const { response } = result;
  if (response && (response.status === 429 || response.status === 503)) {
    const fallback = response.status === 429 ? 5_000 : UNAVAILABLE_PAUSE_MS;
    pausedUntil = Date.now() + retryAfterMs(response.headers.get("Retry-After"), fallback);
    const error: unknown = "error" in result ? result.error : undefined;
    const body = isErrorBody(error) ? error : undefined;
    throw new ApiError(response.status, body, "Suggestions are unavailable");
  }
  const data = await unwrap(Promise.resolve(result));
  return data.completion;
}

const completers = new Map<string, CompleteFn>();

/**
 * The `complete` function for one completion type. The same function comes back for the same
 * type and options, so the editor's cache (kept per function) survives re-renders and remounts.
 */
export function completerFor(
  type: CompletionType,
  options: { maxTokens?: number } = {},
): CompleteFn {
  const maxTokens = options.maxTokens ?? GHOST_MAX_TOKENS;
  const key = `${type}:${maxTokens}`;
  let complete = completers.get(key);
  if (!complete) {
    complete = (text, signal) => generate(type, text, signal, maxTokens);
    completers.set(key, complete);
  }
  return complete;
}

/** Hook form of `completerFor`, for components. */
export function useCompletion(type: CompletionType, options?: { maxTokens?: number }): CompleteFn {
  return completerFor(type, options);
}

export const completionKeys = {
  types: ["completion", "types"] as const,
};

export const completionTypesQueryOptions = () =>
  queryOptions({
    queryKey: completionKeys.types,
    queryFn: ({ signal }): Promise<CompletionTypeRead[]> =>
      unwrap(CompletionService.listCompletionTypes({ signal })),
    staleTime: Number.POSITIVE_INFINITY,
  });

export function useCompletionTypes() {
  return useQuery(completionTypesQueryOptions());
}

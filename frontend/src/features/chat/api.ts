/**
 * The LLM service from the browser: one-shot chat, sessions with history, health, and the
 * streaming turn. `llmAPI` keeps the five calls the product has always offered; the query
 * options and hooks below are what components use.
 */
import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  type ChatMessageIn,
  type ChatRequest,
  type ChatResponse,
  type LlmHealthRead,
  LlmService,
  type SessionChatRequest,
  type SessionChatResponse,
  type SessionHistoryRead,
} from "@/api/client";
import { ApiError, apiFetch, apiUrl, isErrorBody, NETWORK_ERROR, unwrap } from "@/api/http";
import { readSse, type SseResult } from "@/api/sse";

export type ChatOptions = Omit<ChatRequest, "messages" | "stream">;
export type SessionChatOptions = Omit<SessionChatRequest, "session_id" | "message" | "stream">;

/** The five calls of the LLM service, as thin wrappers over the generated client. */
export const llmAPI = {
  /** One-shot completion: no history is kept. */
  chat(messages: ChatMessageIn[], options: ChatOptions = {}): Promise<ChatResponse> {
    return unwrap(LlmService.chat({ body: { ...options, messages } }));
  },
  /** One turn of a session; pass `undefined` to start a new one (its id comes back). */
  sessionChat(
    sessionId: string | undefined,
    message: string,
    options: SessionChatOptions = {},
  ): Promise<SessionChatResponse> {
    return unwrap(
      LlmService.chatSession({
        body: { ...options, message, ...(sessionId ? { session_id: sessionId } : {}) },
      }),
    );
  },
  getSessionHistory(sessionId: string, signal?: AbortSignal): Promise<SessionHistoryRead> {
    return unwrap(LlmService.readSessionHistory({ path: { session_id: sessionId }, signal }));
  },
  clearSession(sessionId: string): Promise<unknown> {
    return unwrap(LlmService.deleteChatSession({ path: { session_id: sessionId } }));
  },
  health(signal?: AbortSignal): Promise<LlmHealthRead> {
    return unwrap(LlmService.readLlmHealth({ signal }));
  },
};

/** The `done` event of a streamed session turn carries the same JSON as a plain answer. */
export type StreamDone = SessionChatResponse;

/**
 * The first event of an admitted turn: the question is stored in this session (`created`
 * when the turn started it). A turn that fails or is stopped before it stored nothing.
 */
export interface StreamSession {
  session_id: string;
  created: boolean;
}

export interface StreamSessionChatRequest extends SessionChatOptions {
  session_id?: string;
  message: string;
}

export interface StreamSessionChatOptions {
  signal?: AbortSignal;
  onSession?: (session: StreamSession) => void;
  onDelta?: (delta: string) => void;
}

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

function streamError(message: string): SseResult<never> {
  const error = { error: message, timestamp: Math.floor(Date.now() / 1000), code: "stream" };
  return { status: "error", error };
}

/**
 * One session turn streamed as it is generated; abort the signal to stop generation. Events:
 * `session` (admitted), `data: {"delta"}`, then `done` or `error`. A refusal before the turn
 * was admitted (offline, busy) is thrown as `ApiError`, like any other request.
 */
export async function streamSessionChat(
  request: StreamSessionChatRequest,
  { signal, onSession, onDelta }: StreamSessionChatOptions,
): Promise<SseResult<StreamDone>> {
  const aborted = () => signal?.aborted === true;
  let response: Response;
  try {
    response = await apiFetch(apiUrl("/api/llm/chat/session"), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify({ ...request, stream: true }),
      signal,
    });
  } catch {
    if (aborted()) return { status: "aborted" };
    throw new ApiError(0, undefined, NETWORK_ERROR);
  }
  if (!response.ok) {
    const body = parseJson(await response.text().catch(() => ""));
    const fallback = `Request failed (HTTP ${response.status})`;
    throw new ApiError(response.status, isErrorBody(body) ? body : undefined, fallback);
  }
  if (!response.body) return streamError("The response had no body");
  try {
    for await (const message of readSse(response.body, signal)) {
      const data = parseJson(message.data);
      if (message.event === "session") onSession?.(data as StreamSession);
      else if (message.event === "done") return { status: "done", done: data as StreamDone };
      else if (message.event === "error")
        return isErrorBody(data) ? { status: "error", error: data } : streamError(message.data);
      else {
        const delta = (data as { delta?: unknown } | undefined)?.delta;
        if (typeof delta === "string" && delta !== "") onDelta?.(delta);
      }
    }
  } catch {
    return aborted() ? { status: "aborted" } : streamError("The connection was interrupted");
  }
  return streamError("The stream ended before it finished");
}

export const chatKeys = {
  all: ["chat"] as const,
  sessions: () => [...chatKeys.all, "sessions"] as const,
  history: (sessionId: string) => [...chatKeys.all, "history", sessionId] as const,
  health: () => ["llm", "health"] as const,
};

export const sessionsQueryOptions = () =>
  queryOptions({
    queryKey: chatKeys.sessions(),
    queryFn: ({ signal }) => unwrap(LlmService.listChatSessions({ signal })),
  });

export const sessionHistoryQueryOptions = (sessionId: string) =>
  queryOptions({
    queryKey: chatKeys.history(sessionId),
    queryFn: ({ signal }) => llmAPI.getSessionHistory(sessionId, signal),
    staleTime: 0,
  });

export const llmHealthQueryOptions = () =>
  queryOptions({
    queryKey: chatKeys.health(),
    queryFn: ({ signal }) => llmAPI.health(signal),
    refetchInterval: 30_000,
    staleTime: 10_000,
    retry: false,
  });

export function useSessions() {
  return useQuery(sessionsQueryOptions());
}

export function useLlmHealth() {
  return useQuery(llmHealthQueryOptions());
}

export function useDeleteSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (sessionId: string) => llmAPI.clearSession(sessionId),
    onSettled: (_data, _error, sessionId) => {
      queryClient.removeQueries({ queryKey: chatKeys.history(sessionId) });
      return queryClient.invalidateQueries({ queryKey: chatKeys.sessions() });
    },
  });
}

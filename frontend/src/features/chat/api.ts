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
import { unwrap } from "@/api/http";
import { postSse, type SseResult } from "@/api/sse";

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

/**
 * One session turn streamed as it is generated; abort the signal to stop generation. Events:
 * `session` (admitted), `data: {"delta"}`, then `done` or `error`. A refusal before the turn
 * was admitted (offline, busy) is thrown as `ApiError`, like any other request.
 */
export function streamSessionChat(
  request: StreamSessionChatRequest,
  { signal, onSession, onDelta }: StreamSessionChatOptions,
): Promise<SseResult<StreamDone>> {
  return postSse<StreamDone>(
    "/api/llm/chat/session",
    { ...request, stream: true },
    {
      signal,
      onDelta,
      onEvent: (event, data) => {
        if (event === "session") onSession?.(data as StreamSession);
      },
    },
  );
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

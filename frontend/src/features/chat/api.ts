/**
 * The LLM service from the browser: one-shot chat, sessions with history, health, and the
 * streamed turns (send, regenerate, edit-and-resend). `llmAPI` keeps the five calls the product
 * has always offered; the query options and hooks below are what components use.
 */
import {
  keepPreviousData,
  queryOptions,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
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
import {
  pickerTemplatesQueryOptions,
  templateQueryOptions,
  templateVersionQueryOptions,
  templateVersionsQueryOptions,
} from "@/api/template-queries";

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
 * when the turn started it). A turn refused before this event stored nothing.
 */
export interface StreamSession {
  session_id: string;
  created: boolean;
}

export interface StreamSessionChatRequest extends SessionChatOptions {
  session_id?: string;
  message: string;
}

export interface StreamTurnOptions {
  signal?: AbortSignal;
  onSession?: (session: StreamSession) => void;
  onDelta?: (delta: string) => void;
}

/**
 * One streamed turn: `session` (admitted), `data: {"delta"}`, then `done` or `error`. Abort the
 * signal to stop generation. A refusal before the turn was admitted (offline, busy) is thrown
 * as `ApiError`, like any other request.
 */
function streamTurn(
  path: string,
  body: object,
  { signal, onSession, onDelta }: StreamTurnOptions,
): Promise<SseResult<StreamDone>> {
  return postSse<StreamDone>(
    path,
    { ...body, stream: true },
    {
      signal,
      onDelta,
      onEvent: (event, data) => {
        if (event === "session") onSession?.(data as StreamSession);
      },
    },
  );
}

/** One session turn (a new session when `session_id` is absent), streamed. */
export function streamSessionChat(
  request: StreamSessionChatRequest,
  options: StreamTurnOptions,
): Promise<SseResult<StreamDone>> {
  return streamTurn("/api/llm/chat/session", request, options);
}

const sessionPath = (sessionId: string) => `/api/llm/chat/session/${encodeURIComponent(sessionId)}`;

/** Answer the session's last question again; the old answer goes once this one is admitted. */
export function streamRegenerate(
  sessionId: string,
  options: StreamTurnOptions,
): Promise<SseResult<StreamDone>> {
  return streamTurn(`${sessionPath(sessionId)}/regenerate`, {}, options);
}

/** Replace question `messageId` (and all after it) with `message`, once admitted. */
export function streamEdit(
  sessionId: string,
  messageId: number,
  message: string,
  options: StreamTurnOptions,
): Promise<SseResult<StreamDone>> {
  return streamTurn(`${sessionPath(sessionId)}/edit`, { message_id: messageId, message }, options);
}

export const chatKeys = {
  all: ["chat"] as const,
  sessions: (query = "") => [...chatKeys.all, "sessions", query] as const,
  history: (sessionId: string) => [...chatKeys.all, "history", sessionId] as const,
  health: () => ["llm", "health"] as const,
};

/** Sessions, newest first; `query` matches titles and message text. */
export const sessionsQueryOptions = (query = "") =>
  queryOptions({
    queryKey: chatKeys.sessions(query),
    queryFn: ({ signal }) =>
      unwrap(LlmService.listChatSessions({ signal, ...(query ? { query: { q: query } } : {}) })),
    placeholderData: keepPreviousData,
  });

export const sessionHistoryQueryOptions = (sessionId: string) =>
  queryOptions({
    queryKey: chatKeys.history(sessionId),
    queryFn: ({ signal }) => llmAPI.getSessionHistory(sessionId, signal),
    staleTime: 0,
  });

/** How often health is asked: often while the model is away, so the chat reopens soon. */
export const HEALTH_POLL_MS = 30_000;
export const HEALTH_POLL_DOWN_MS = 3_000;

export const llmHealthQueryOptions = () =>
  queryOptions({
    queryKey: chatKeys.health(),
    queryFn: ({ signal }) => llmAPI.health(signal),
    refetchInterval: (query) =>
      query.state.status === "error" || query.state.data?.status === "unavailable"
        ? HEALTH_POLL_DOWN_MS
        : HEALTH_POLL_MS,
    staleTime: 1_000,
    retry: false,
  });

/** Templates for the chat's picker (shared with the playground's, see api/template-queries). */
export function usePickerTemplates(enabled = true) {
  return useQuery({ ...pickerTemplatesQueryOptions(), enabled });
}

export function useTemplate(templateId: number | null) {
  return useQuery({ ...templateQueryOptions(templateId ?? 0), enabled: templateId !== null });
}

export function useTemplateVersions(templateId: number | null) {
  return useQuery({
    ...templateVersionsQueryOptions(templateId ?? 0),
    enabled: templateId !== null,
  });
}

export function useTemplateVersion(templateId: number | null, version: number | undefined) {
  return useQuery({
    ...templateVersionQueryOptions(templateId ?? 0, version ?? 0),
    enabled: templateId !== null && version !== undefined,
  });
}

export function useSessions(query = "") {
  return useQuery(sessionsQueryOptions(query));
}

/** Health; `pollMs` asks more often while a caller needs fresh numbers (a queued turn). */
export function useLlmHealth(pollMs?: number) {
  return useQuery({
    ...llmHealthQueryOptions(),
    ...(pollMs ? { refetchInterval: pollMs } : {}),
  });
}

const invalidateSessions = (queryClient: ReturnType<typeof useQueryClient>) =>
  queryClient.invalidateQueries({ queryKey: [...chatKeys.all, "sessions"] });

/** Give a chat its own title (instead of the one taken from its first question). */
export function useRenameSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ sessionId, title }: { sessionId: string; title: string }) =>
      unwrap(LlmService.renameChatSession({ path: { session_id: sessionId }, body: { title } })),
    onSettled: () => invalidateSessions(queryClient),
  });
}

/** Bring back a chat deleted moments ago (only within the undo window). */
export function useRestoreSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (sessionId: string) =>
      unwrap(LlmService.restoreChatSession({ path: { session_id: sessionId } })),
    onSettled: () => invalidateSessions(queryClient),
  });
}

/** Delete a chat; it can be restored for a while (see `useRestoreSession`). */
export function useDeleteSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (sessionId: string) => llmAPI.clearSession(sessionId),
    onSettled: (_data, _error, sessionId) => {
      queryClient.removeQueries({ queryKey: chatKeys.history(sessionId) });
      return invalidateSessions(queryClient);
    },
  });
}

/** Server answers the chat tests share: sessions, history, health and stream events. */
import type { HistoryMessageRead, LlmHealthRead, SessionSummaryRead } from "@/api/client";
import { json, type RouteMock } from "@/testing/fetch-mock";

/** The first event of an admitted turn: its question is stored in session `id`. */
export const sessionEvent = (id = "abc", created = true) =>
  `event: session\ndata: ${JSON.stringify({ session_id: id, created })}\n\n`;

export const delta = (text: string) => `data: ${JSON.stringify({ delta: text })}\n\n`;

export const doneEvent = (id: string, response: string) =>
  `event: done\ndata: ${JSON.stringify({ session_id: id, response, usage: {} })}\n\n`;

export const errorEvent = (message: string, id = "abc") =>
  `event: error\ndata: ${JSON.stringify({ error: message, timestamp: 1, details: { session_id: id } })}\n\n`;

export function summary(id: string, extra: Partial<SessionSummaryRead> = {}): SessionSummaryRead {
  return {
    session_id: id,
    title: `Session ${id}`,
    message_count: 2,
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
    ...extra,
  };
}

type Stored = Pick<HistoryMessageRead, "role" | "content"> & Partial<HistoryMessageRead>;

export function history(id: string, messages: Stored[], systemPrompt: string | null = null) {
  return {
    session_id: id,
    system_prompt: systemPrompt,
    messages: messages.map((message, index) => ({
      id: index + 1,
      status: "complete",
      ...message,
    })),
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
  };
}

export function healthBody(
  status: LlmHealthRead["status"] = "ok",
  chat: { in_use?: number; waiting?: number; reserved?: number } = {},
): LlmHealthRead {
  return {
    status,
    server_url: "http://llm.test",
    model: "smollm2",
    latency_ms: 4,
    slot_context: 4096,
    gate: {
      capacity: 4,
      lanes: {
        chat: { in_use: 0, waiting: 0, reserved: 2, ...chat },
        completion: { in_use: 0, waiting: 0, reserved: 1 },
      },
    },
  };
}

/** Sessions and health as a quiet server answers them, plus the routes a test adds. */
export function chatRoutes(
  routes: RouteMock[],
  { sessions = [] as SessionSummaryRead[], health = () => json(healthBody()) } = {},
): RouteMock[] {
  const has = (method: string, path: string) =>
    routes.some((route) => route.method === method && route.path === path);
  return [
    ...routes,
    ...(has("GET", "/api/llm/chat/sessions")
      ? []
      : [{ method: "GET", path: "/api/llm/chat/sessions", handler: () => json(sessions) }]),
    ...(has("GET", "/api/llm/health")
      ? []
      : [{ method: "GET", path: "/api/llm/health", handler: health }]),
    // The template picker of a new chat lists the person's templates: none by default.
    ...(has("GET", "/api/templates")
      ? []
      : [
          {
            method: "GET",
            path: "/api/templates",
            handler: () => json({ items: [], total: 0, page: 1, page_size: 100 }),
          },
        ]),
  ];
}

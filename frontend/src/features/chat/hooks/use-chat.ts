import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { HistoryMessageRead } from "@/api/client";
import { chatKeys, sessionHistoryQueryOptions, streamSessionChat } from "../api";

export type MessageStatus = "streaming" | "done" | "stopped" | "error";

export interface ChatEntry {
  id: string;
  role: "user" | "assistant" | "system";
  content: string;
  status: MessageStatus;
  error?: string;
}

let nextId = 0;
const newId = () => `m${++nextId}`;

function toRole(role: string): ChatEntry["role"] {
  return role === "assistant" || role === "system" ? role : "user";
}

/** How a stored answer ended, as the history shows it. */
function historyEntry(item: HistoryMessageRead): Omit<ChatEntry, "id"> {
  const entry = { role: toRole(item.role), content: item.content };
  if (item.status === "stopped") return { ...entry, status: "stopped" };
  if (item.status === "failed")
    return { ...entry, status: "error", error: "The answer broke off here." };
  return { ...entry, status: "done" };
}

/**
 * The state of one chat: its session, messages and the turn being streamed.
 * The server stores a turn once it is admitted (the stream's first event names the session,
 * which becomes this chat's session at once), and keeps an answer cut short with its status.
 * `stop()` aborts the request, which makes the server cancel generation; the partial answer
 * stays on screen marked "stopped", as it is stored. `send` resolves to whether the message
 * was stored: one refused before (offline, busy) is not, and the caller may give it back.
 */
export function useChat() {
  const queryClient = useQueryClient();
  const [sessionId, setSessionId] = useState<string | undefined>(undefined);
  const [systemPrompt, setSystemPrompt] = useState("");
  const [messages, setMessages] = useState<ChatEntry[]>([]);
  const [isStreaming, setIsStreaming] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [isLoading, setIsLoading] = useState(false);
  const controller = useRef<AbortController | null>(null);
  // Bumped by each `openSession` and `newChat`: only the latest one may fill the chat.
  const loadSeq = useRef(0);

  useEffect(() => () => controller.current?.abort(), []);

  const updateEntry = useCallback((id: string, change: (entry: ChatEntry) => ChatEntry) => {
    setMessages((list) => list.map((entry) => (entry.id === id ? change(entry) : entry)));
  }, []);

  const stop = useCallback(() => controller.current?.abort(), []);

  const send = useCallback(
    async (text: string): Promise<boolean> => {
      const message = text.trim();
      if (!message || controller.current) return false;
      let stored = false;
      const abort = new AbortController();
      controller.current = abort;
      const answerId = newId();
      setIsStreaming(true);
      setMessages((list) => [
        ...list,
        { id: newId(), role: "user", content: message, status: "done" },
        { id: answerId, role: "assistant", content: "", status: "streaming" },
      ]);
      const prompt = systemPrompt.trim();
      try {
        const result = await streamSessionChat(
          {
            message,
            ...(sessionId ? { session_id: sessionId } : {}),
            ...(!sessionId && prompt ? { system_prompt: prompt } : {}),
          },
          {
            signal: abort.signal,
            onSession: (session) => {
              stored = true;
              setSessionId(session.session_id);
            },
            onDelta: (delta) =>
              updateEntry(answerId, (entry) => ({ ...entry, content: entry.content + delta })),
          },
        );
        if (result.status === "done") {
          stored = true;
          setSessionId(result.done.session_id);
          updateEntry(answerId, (entry) => ({
            ...entry,
            content: result.done.response ?? entry.content,
            status: "done",
          }));
        } else if (result.status === "aborted") {
          updateEntry(answerId, (entry) => ({ ...entry, status: "stopped" }));
        } else {
          updateEntry(answerId, (entry) => ({
            ...entry,
            status: "error",
            error: result.error.error,
          }));
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : "The request failed";
        updateEntry(answerId, (entry) => ({ ...entry, status: "error", error: reason }));
      } finally {
        controller.current = null;
        setIsStreaming(false);
        void queryClient.invalidateQueries({ queryKey: chatKeys.sessions() });
      }
      return stored;
    },
    [queryClient, sessionId, systemPrompt, updateEntry],
  );

  const newChat = useCallback(() => {
    loadSeq.current += 1;
    controller.current?.abort();
    setSessionId(undefined);
    setSystemPrompt("");
    setMessages([]);
    setLoadError(null);
    setIsLoading(false);
  }, []);

  const openSession = useCallback(
    async (id: string) => {
      const seq = ++loadSeq.current;
      controller.current?.abort();
      setIsLoading(true);
      setLoadError(null);
      try {
        const history = await queryClient.fetchQuery(sessionHistoryQueryOptions(id));
        if (seq !== loadSeq.current) return; // another session (or a new chat) was opened since
        setSessionId(history.session_id);
        setSystemPrompt(history.system_prompt ?? "");
        setMessages(
          history.messages
            .filter((item) => item.role !== "system")
            .map((item) => ({ id: newId(), ...historyEntry(item) })),
        );
      } catch (error) {
        if (seq !== loadSeq.current) return;
        setLoadError(error instanceof Error ? error.message : "Could not load the session");
      } finally {
        if (seq === loadSeq.current) setIsLoading(false);
      }
    },
    [queryClient],
  );

  return {
    sessionId,
    systemPrompt,
    setSystemPrompt,
    messages,
    isStreaming,
    isLoading,
    loadError,
    send,
    stop,
    newChat,
    openSession,
  };
}

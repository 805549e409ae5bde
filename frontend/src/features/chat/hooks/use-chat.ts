import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { HistoryMessageRead, SessionTemplateRead, TemplateRefIn } from "@/api/client";
import { ApiError } from "@/api/http";
import type { SseResult } from "@/api/sse";
import {
  chatKeys,
  type StreamDone,
  type StreamTurnOptions,
  sessionHistoryQueryOptions,
  streamEdit,
  streamRegenerate,
  streamSessionChat,
} from "../api";
import {
  answerStats,
  BROKE_OFF,
  type ChatEntry,
  type ChatNotice,
  isMessageGone,
  mergeStored,
  newKey,
  refusalNotice,
  storedEntry,
  type TurnOutcome,
  visible,
} from "../chat-entries";

export type { ChatEntry, ChatNotice, TurnOutcome } from "../chat-entries";

/** A new chat's template in place of its system prompt (its rendering becomes one). */
export interface TurnTemplate {
  template: TemplateRefIn;
  variables: Record<string, string | number | boolean>;
}

/** A turn in flight: `admitted` once the server stored its question (`event: session`). */
export interface ActiveTurn {
  startedAt: number;
  admitted: boolean;
}

/**
 * A random (version 4) UUID. `crypto.randomUUID` exists only in secure contexts (HTTPS or
 * localhost); a page served over plain HTTP elsewhere builds one from `getRandomValues`.
 */
function newSessionUuid(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface UseChatOptions {
  /** The session the page's address names; `undefined` is a new chat. */
  sessionId?: string | undefined;
  /** A new chat's first turn was admitted: its session exists from now on. */
  onSessionStarted?: (sessionId: string) => void;
}

/**
 * The state of one chat: its session, messages and the turn being streamed.
 *
 * The screen shows what is stored. A turn's question is stored when the server admits it (the
 * stream's first event names the session, which becomes this chat's at once); its answer is
 * stored complete, stopped or failed, and stays on screen that way. Once a turn ends the store
 * is read back, so ids (for edit) and the exact stored text replace the streamed copy. A turn
 * refused before admission stored nothing: the screen goes back to how it was and the caller
 * gets the text back.
 *
 * A new chat's id is chosen here, so a turn stopped before its `session` event arrived can
 * still be found: the server may have admitted it just before the stop. If that chat exists,
 * it is shown as stored; only if it does not is the turn treated as never sent.
 */
export function useChat({ sessionId: routeSessionId, onSessionStarted }: UseChatOptions = {}) {
  const queryClient = useQueryClient();
  const [sessionId, setSessionId] = useState<string | undefined>(undefined);
  const [systemPrompt, setSystemPrompt] = useState("");
  const [template, setTemplate] = useState<SessionTemplateRead | null>(null);
  const [messages, setMessagesState] = useState<ChatEntry[]>([]);
  const [turn, setTurn] = useState<ActiveTurn | null>(null);
  const [notice, setNotice] = useState<ChatNotice | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [notFound, setNotFound] = useState(false);
  const [isLoading, setIsLoading] = useState(false);
  const controller = useRef<AbortController | null>(null);
  const messagesRef = useRef<ChatEntry[]>([]);
  const sessionRef = useRef<string | undefined>(undefined);
  // Bumped whenever another chat is shown: work for the previous one must not touch the screen.
  const viewSeq = useRef(0);
  const started = useRef(onSessionStarted);
  started.current = onSessionStarted;

  const setMessages = useCallback((next: ChatEntry[] | ((list: ChatEntry[]) => ChatEntry[])) => {
    messagesRef.current = typeof next === "function" ? next(messagesRef.current) : next;
    setMessagesState(messagesRef.current);
  }, []);

  // Once the page is left, a late answer must not take the address back to this chat.
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      controller.current?.abort();
    };
  }, []);

  const updateEntry = useCallback(
    (key: string, change: (entry: ChatEntry) => ChatEntry) =>
      setMessages((list) => list.map((entry) => (entry.key === key ? change(entry) : entry))),
    [setMessages],
  );

  const adoptSession = useCallback((id: string) => {
    if (sessionRef.current === id) return;
    sessionRef.current = id;
    setSessionId(id);
    started.current?.(id);
  }, []);

  /** Read the store back after a turn; a stopped answer may land a moment after the stop. */
  const syncWithStore = useCallback(
    async (id: string, view: number) => {
      for (let attempt = 0; attempt < 8; attempt++) {
        if (attempt > 0) await sleep(150 * attempt);
        if (view !== viewSeq.current || controller.current) return;
        let stored: HistoryMessageRead[];
        try {
          const history = await queryClient.fetchQuery({
            ...sessionHistoryQueryOptions(id),
            staleTime: 0,
          });
          if (view !== viewSeq.current || controller.current) return;
          // A new chat's first turn fixed its system prompt (a template's rendering, say).
          setSystemPrompt(history.system_prompt ?? "");
          setTemplate(history.template ?? null);
          stored = visible(history.messages);
        } catch {
          return;
        }
        const settled = stored[stored.length - 1]?.role === "assistant";
        if ((settled && stored.length === messagesRef.current.length) || attempt === 7) {
          setMessages((list) => mergeStored(list, stored));
          return;
        }
      }
    },
    [queryClient, setMessages],
  );

  /** Show chat `id` as stored, replacing what is on screen (unless a turn started since). */
  const reloadFromStore = useCallback(
    async (id: string, view: number) => {
      try {
        const history = await queryClient.fetchQuery({
          ...sessionHistoryQueryOptions(id),
          staleTime: 0,
        });
        if (view !== viewSeq.current || controller.current) return;
        setMessages(mergeStored(messagesRef.current, visible(history.messages)));
      } catch {
        // The notice already says what happened; the screen stays as it was.
      }
    },
    [queryClient, setMessages],
  );

  /** Whether chat `id` exists; `false` when it does not (404) or cannot be read. */
  const sessionExists = useCallback(
    async (id: string): Promise<boolean> => {
      try {
        await queryClient.fetchQuery({ ...sessionHistoryQueryOptions(id), staleTime: 0 });
        return true;
      } catch {
        return false;
      }
    },
    [queryClient],
  );

  /**
   * Run one streamed turn: show `shown` (the question and an empty answer `answerKey`) while
   * it runs, and go back to what was there if the server refuses it before admission.
   * `newSessionId` is the id a new chat's first turn asked the server to create.
   */
  const runTurn = useCallback(
    async (
      shown: ChatEntry[],
      answerKey: string,
      start: (options: StreamTurnOptions) => Promise<SseResult<StreamDone>>,
      newSessionId?: string,
    ): Promise<TurnOutcome> => {
      if (controller.current) return { stored: false, reason: "busy" };
      const abort = new AbortController();
      controller.current = abort;
      const view = viewSeq.current;
      const current = () => view === viewSeq.current;
      const before = messagesRef.current;
      let admitted = false;
      const admit = (id: string) => {
        admitted = true;
        if (!current()) return;
        adoptSession(id);
        setTurn((active) => active && { ...active, admitted: true });
        // The chat is stored now: the list shows it (or its new place) at once.
        void queryClient.invalidateQueries({ queryKey: [...chatKeys.all, "sessions"] });
      };
      setMessages(shown);
      setNotice(null);
      setTurn({ startedAt: Date.now(), admitted: false });
      let outcome: TurnOutcome = { stored: true };
      // The chat changed elsewhere (the edited message is gone): show what is stored now.
      let reload = false;
      try {
        const result = await start({
          signal: abort.signal,
          onSession: (session) => admit(session.session_id),
          onDelta: (delta) => {
            if (current())
              updateEntry(answerKey, (entry) => ({ ...entry, content: entry.content + delta }));
          },
        });
        if (result.status === "done") admit(result.done.session_id);
        // Stopped before the session event: the server may have admitted the turn anyway.
        const live = () => current() && mounted.current;
        const stored =
          result.status === "aborted" && !admitted && newSessionId !== undefined && live()
            ? await sessionExists(newSessionId)
            : false;
        if (stored && newSessionId && live()) {
          // It was: this chat is that session now, read back from the store below.
          updateEntry(answerKey, (entry) => ({ ...entry, status: "stopped" }));
          admit(newSessionId);
          return outcome;
        }
        if (!current()) return admitted || stored ? outcome : { stored: false, reason: "stopped" };
        if (result.status === "done") {
          updateEntry(answerKey, (entry) => ({
            ...entry,
            content: result.done.response ?? entry.content,
            status: "complete",
            ...answerStats(result.done),
          }));
        } else if (!admitted) {
          setMessages(before);
          outcome = { stored: false, reason: result.status === "aborted" ? "stopped" : "refused" };
          if (result.status === "error") setNotice(refusalNotice(new Error(result.error.error)));
        } else if (result.status === "aborted") {
          updateEntry(answerKey, (entry) => ({ ...entry, status: "stopped" }));
        } else {
          const reason = result.error.error || BROKE_OFF;
          updateEntry(answerKey, (entry) => ({ ...entry, status: "failed", error: reason }));
        }
      } catch (error) {
        if (current()) {
          setMessages(before);
          setNotice(refusalNotice(error));
        }
        reload = isMessageGone(error);
        // Trying the same edit again cannot work: the message it named is gone.
        outcome = { stored: false, reason: reload ? "missing" : "refused" };
      } finally {
        if (controller.current === abort) controller.current = null;
        if (current()) setTurn(null);
        void queryClient.invalidateQueries({ queryKey: [...chatKeys.all, "sessions"] });
        if (admitted && current() && sessionRef.current) {
          void syncWithStore(sessionRef.current, view);
        } else if (reload && current() && sessionRef.current) {
          void reloadFromStore(sessionRef.current, view);
        }
      }
      return outcome;
    },
    [
      adoptSession,
      queryClient,
      reloadFromStore,
      sessionExists,
      setMessages,
      syncWithStore,
      updateEntry,
    ],
  );

  const send = useCallback(
    (text: string, start?: TurnTemplate): Promise<TurnOutcome> => {
      const message = text.trim();
      if (!message) return Promise.resolve({ stored: false, reason: "refused" });
      const answerKey = newKey();
      const shown: ChatEntry[] = [
        ...messagesRef.current,
        { key: newKey(), role: "user", content: message, status: "complete" },
        { key: answerKey, role: "assistant", content: "", status: "streaming" },
      ];
      const existing = sessionRef.current;
      // A new chat's id is chosen here: the server creates it when it admits this turn.
      const id = existing ?? newSessionUuid();
      const prompt = systemPrompt.trim();
      // How a new chat starts: a template (with its variables), or the plain system prompt.
      const opening = existing
        ? {}
        : start
          ? { template: start.template, variables: start.variables }
          : prompt
            ? { system_prompt: prompt }
            : {};
      return runTurn(
        shown,
        answerKey,
        (options) => streamSessionChat({ message, session_id: id, ...opening }, options),
        existing ? undefined : id,
      );
    },
    [runTurn, systemPrompt],
  );

  /** Answer the last question again; the old answer stays until the new turn is admitted. */
  const regenerate = useCallback((): Promise<TurnOutcome> => {
    const id = sessionRef.current;
    const list = messagesRef.current;
    const last = list[list.length - 1];
    if (!id || last?.role !== "assistant") {
      return Promise.resolve({ stored: false, reason: "missing" });
    }
    const answerKey = newKey();
    const shown: ChatEntry[] = [
      ...list.slice(0, -1),
      { key: answerKey, role: "assistant", content: "", status: "streaming" },
    ];
    return runTurn(shown, answerKey, (options) => streamRegenerate(id, options));
  }, [runTurn]);

  /** Send `text` in place of the question `key`, dropping everything after it. */
  const edit = useCallback(
    (key: string, text: string): Promise<TurnOutcome> => {
      const id = sessionRef.current;
      const list = messagesRef.current;
      const index = list.findIndex((entry) => entry.key === key);
      const target = list[index];
      const message = text.trim();
      if (!id || !message || target?.role !== "user" || target.serverId === undefined) {
        return Promise.resolve({ stored: false, reason: "missing" });
      }
      const messageId = target.serverId;
      const answerKey = newKey();
      const shown: ChatEntry[] = [
        ...list.slice(0, index),
        { key: newKey(), role: "user", content: message, status: "complete" },
        { key: answerKey, role: "assistant", content: "", status: "streaming" },
      ];
      return runTurn(shown, answerKey, (options) => streamEdit(id, messageId, message, options));
    },
    [runTurn],
  );

  const stop = useCallback(() => controller.current?.abort(), []);

  const showNothing = useCallback(
    (id: string | undefined) => {
      viewSeq.current += 1;
      controller.current?.abort();
      controller.current = null;
      sessionRef.current = id;
      setSessionId(id);
      setMessages([]);
      setTurn(null);
      setNotice(null);
      setLoadError(null);
      setNotFound(false);
    },
    [setMessages],
  );

  const newChat = useCallback(() => {
    showNothing(undefined);
    setSystemPrompt("");
    setTemplate(null);
    setIsLoading(false);
  }, [showNothing]);

  const openSession = useCallback(
    async (id: string) => {
      showNothing(id);
      const view = viewSeq.current;
      setSystemPrompt("");
      setTemplate(null);
      setIsLoading(true);
      try {
        const history = await queryClient.fetchQuery(sessionHistoryQueryOptions(id));
        if (view !== viewSeq.current) return; // another chat was opened since
        setSystemPrompt(history.system_prompt ?? "");
        setTemplate(history.template ?? null);
        setMessages(visible(history.messages).map((item) => storedEntry(item)));
      } catch (error) {
        if (view !== viewSeq.current) return;
        if (error instanceof ApiError && (error.status === 404 || error.status === 400)) {
          setNotFound(true);
        } else {
          setLoadError(error instanceof Error ? error.message : "Could not load the chat");
        }
      } finally {
        if (view === viewSeq.current) setIsLoading(false);
      }
    },
    [queryClient, setMessages, showNothing],
  );

  // The address names the chat: follow it, except when it only caught up with this chat.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the address changes
  useEffect(() => {
    if (routeSessionId === sessionRef.current) return;
    if (routeSessionId) void openSession(routeSessionId);
    else newChat();
  }, [routeSessionId]);

  return {
    sessionId,
    systemPrompt,
    setSystemPrompt,
    template,
    messages,
    turn,
    isStreaming: turn !== null,
    notice,
    dismissNotice: useCallback(() => setNotice(null), []),
    isLoading,
    loadError,
    notFound,
    send,
    regenerate,
    edit,
    stop,
    newChat,
    openSession,
  };
}

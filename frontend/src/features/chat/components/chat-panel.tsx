import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { SessionSummaryRead } from "@/api/client";
import { ApiError } from "@/api/http";
import { Alert } from "@/components/ui/alert";
import { chatKeys, useDeleteSession, useLlmHealth, useRestoreSession, useSessions } from "../api";
import { type TurnOutcome, type TurnTemplate, useChat } from "../hooks/use-chat";
import { useElapsedSeconds } from "../hooks/use-elapsed-seconds";
import { chatLaneBusy, llmState } from "../llm-state";
import { NO_TEMPLATE, type TemplateChoice, templateStart } from "../template-choice";
import { ChatHeader, ChatNotFound, Composer, SystemPrompt } from "./chat-chrome";
import { ChatNoticeBanner } from "./llm-offline-notice";
import { MessageList } from "./message-list";
import { SessionList } from "./session-list";
import { ChatSetup, SessionTemplate, useChoiceVariables } from "./template-picker";
import { UndoToast } from "./undo-toast";
import "../chat.css";

/** How long after sending, still unadmitted, the chat asks whether the model is busy. */
const QUEUE_CHECK_AFTER_S = 1;
const QUEUE_POLL_MS = 1_000;
/** The server's undo window unless the page is told otherwise. */
export const DEFAULT_UNDO_SECONDS = 30;

export interface ChatPanelProps {
  /** The chat the address names; `undefined` for a new chat. */
  sessionId?: string | undefined;
  /**
   * Show another chat (`undefined`: a new one). `replace` when the address only catches up
   * with the chat on screen (a new chat got its id). Without it, the panel keeps its own.
   */
  onNavigate?: (sessionId: string | undefined, options: { replace: boolean }) => void;
  /** Ghost-text suggestions in the message box (the page passes the user's setting). */
  ghostText?: boolean;
  /** Seconds a deleted chat can be restored. */
  undoSeconds?: number;
}

/** The address a panel without a router keeps for itself (tests, embedding). */
function useOwnAddress(
  sessionId: string | undefined,
  onNavigate: ChatPanelProps["onNavigate"],
): [string | undefined, NonNullable<ChatPanelProps["onNavigate"]>] {
  const [own, setOwn] = useState(sessionId);
  const navigate = useCallback<NonNullable<ChatPanelProps["onNavigate"]>>(
    (id, options) => (onNavigate ? onNavigate(id, options) : setOwn(id)),
    [onNavigate],
  );
  return [onNavigate ? sessionId : own, navigate];
}

interface Deleted {
  session: SessionSummaryRead;
  wasOpen: boolean;
  at: number;
}

/** The chats on the side (a drawer on phones); the conversation, its notices and the input. */
export function ChatPanel({
  sessionId: addressId,
  onNavigate,
  ghostText = true,
  undoSeconds = DEFAULT_UNDO_SECONDS,
}: ChatPanelProps) {
  const [routeId, navigate] = useOwnAddress(addressId, onNavigate);
  const queryClient = useQueryClient();
  const chat = useChat({
    sessionId: routeId,
    onSessionStarted: (id) => navigate(id, { replace: true }),
  });
  const [draft, setDraft] = useState("");
  const [choice, setChoice] = useState<TemplateChoice>(NO_TEMPLATE);
  const [triedTemplate, setTriedTemplate] = useState(false);
  const choiceVariables = useChoiceVariables(choice);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [deleted, setDeleted] = useState<Deleted | null>(null);
  const remove = useDeleteSession();
  const restore = useRestoreSession();
  const sessions = useSessions();
  const searchRef = useRef<HTMLInputElement>(null);
  const drawerToggle = useRef<HTMLButtonElement>(null);

  const waitingSince = chat.turn && !chat.turn.admitted ? chat.turn.startedAt : undefined;
  const waitingLong = useElapsedSeconds(waitingSince) >= QUEUE_CHECK_AFTER_S;
  const health = useLlmHealth(waitingLong ? QUEUE_POLL_MS : undefined);
  const state = llmState(health.data, health.isError);
  const offline = state === "offline";
  const queued = waitingLong && chatLaneBusy(health.data?.gate);

  // What Retry does after a refused regenerate or edit (a refused message is in the box).
  const [retryTurn, setRetryTurn] = useState<{ run: () => void } | null>(null);

  /** After a refusal: ask for health now, and remember how to try again. */
  const refused = (outcome: TurnOutcome, again: (() => void) | null) => {
    if (outcome.stored || outcome.reason === "busy" || outcome.reason === "missing") return false;
    void queryClient.invalidateQueries({ queryKey: chatKeys.health() });
    setRetryTurn(again && { run: again });
    return true;
  };

  const isNew = chat.sessionId === undefined && chat.messages.length === 0;
  const opening =
    isNew && choice.templateId !== null
      ? templateStart({ ...choice, templateId: choice.templateId }, choiceVariables.specs)
      : undefined;

  /** Send `text`; `retry` tries even while health says the model is away (it may be back). */
  const submit = (text: string, retry = false) => {
    if (!text.trim() || chat.isStreaming || (offline && !retry)) return;
    // A new chat from a template needs its variables first (the fields say which).
    if (opening && !opening.ok) {
      setTriedTemplate(true);
      return;
    }
    const start: TurnTemplate | undefined = opening?.ok
      ? { template: opening.template, variables: opening.variables }
      : undefined;
    setDraft("");
    void chat.send(text, start).then((outcome) => {
      // Not stored (refused, or stopped before the server took it): the text goes back.
      if (refused(outcome, null)) setDraft((current) => current || text);
    });
  };

  const regenerate = () => {
    void chat.regenerate().then((outcome) => refused(outcome, regenerate));
  };

  const edit = (key: string, text: string) =>
    chat.edit(key, text).then((outcome) => {
      refused(outcome, () => void edit(key, text));
      return outcome;
    });

  const open = (id: string | undefined) => {
    setDrawerOpen(false);
    setTriedTemplate(false);
    if (id === undefined) {
      chat.newChat();
      setChoice(NO_TEMPLATE);
    }
    navigate(id, { replace: false });
  };

  const deleteSession = (session: SessionSummaryRead) => {
    remove.mutate(session.session_id, {
      onSuccess: () => {
        const wasOpen = session.session_id === chat.sessionId;
        setDeleted({ session, wasOpen, at: Date.now() });
        if (wasOpen) open(undefined);
      },
    });
  };

  const undoDelete = () => {
    if (!deleted) return;
    restore.mutate(deleted.session.session_id, {
      onSuccess: () => {
        if (deleted.wasOpen) open(deleted.session.session_id);
        setDeleted(null);
      },
    });
  };
  const expireUndo = useCallback(() => setDeleted(null), []);

  // The drawer (phones): focus goes into it, Escape closes it and focus comes back.
  const closeDrawer = useCallback(() => setDrawerOpen(false), []);
  const wasOpen = useRef(false);
  useEffect(() => {
    // Closed (the conversation is no longer inert): focus goes back to the button.
    if (wasOpen.current && !drawerOpen) drawerToggle.current?.focus();
    wasOpen.current = drawerOpen;
    if (!drawerOpen) return;
    searchRef.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") closeDrawer();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [drawerOpen, closeDrawer]);

  const title = chat.sessionId
    ? (sessions.data?.find((item) => item.session_id === chat.sessionId)?.title ?? "Chat")
    : "New chat";
  const notice = chat.notice;

  return (
    <div className={`chat-layout${drawerOpen ? " is-drawer-open" : ""}`}>
      <aside id="chat-drawer" className="chat-sidebar">
        <SessionList
          activeId={chat.sessionId}
          onOpen={open}
          onNewChat={() => open(undefined)}
          onDelete={deleteSession}
          searchRef={searchRef}
          onClose={closeDrawer}
        />
        {remove.error ? <Alert>{remove.error.message}</Alert> : null}
        {restore.error ? (
          <Alert>
            {restore.error instanceof ApiError && restore.error.status === 404
              ? "Too late to undo: that chat is gone for good."
              : restore.error.message}
          </Alert>
        ) : null}
      </aside>
      {drawerOpen ? (
        <button
          type="button"
          className="chat-drawer-backdrop"
          aria-label="Close the chat list"
          tabIndex={-1}
          onClick={closeDrawer}
        />
      ) : null}
      <section className="chat-main" aria-label="Conversation" inert={drawerOpen || undefined}>
        <ChatHeader
          title={title}
          drawerOpen={drawerOpen}
          toggleRef={drawerToggle}
          onToggleDrawer={() => setDrawerOpen((value) => !value)}
          onNewChat={() => open(undefined)}
        />
        {chat.notFound ? (
          <ChatNotFound onNewChat={() => open(undefined)} />
        ) : (
          <>
            {isNew ? (
              <ChatSetup
                choice={choice}
                onChoiceChange={setChoice}
                specs={choiceVariables.specs}
                specsError={choiceVariables.error}
                errors={triedTemplate && opening && !opening.ok ? opening.errors : {}}
                systemPrompt={chat.systemPrompt}
                onSystemPromptChange={chat.setSystemPrompt}
                disabled={chat.isStreaming || chat.isLoading}
              />
            ) : (
              <>
                {chat.template ? <SessionTemplate template={chat.template} /> : null}
                <SystemPrompt value={chat.systemPrompt} />
              </>
            )}
            {chat.loadError ? <Alert>{chat.loadError}</Alert> : null}
            {chat.isLoading ? <p className="muted chat-loading">Loading conversation…</p> : null}
            <MessageList
              messages={chat.messages}
              turn={chat.turn}
              queued={queued}
              chatKey={chat.sessionId ?? "new"}
              canAct={!chat.isStreaming && chat.sessionId !== undefined && !offline}
              onRegenerate={regenerate}
              onEdit={edit}
            />
            <ChatNoticeBanner
              notice={notice?.offline && !offline ? { ...notice, message: BACK } : notice}
              offline={offline}
              onRetry={
                chat.isStreaming
                  ? undefined
                  : (retryTurn?.run ?? (draft.trim() ? () => submit(draft, true) : undefined))
              }
              onDismiss={chat.dismissNotice}
            />
            <Composer
              draft={draft}
              onDraftChange={setDraft}
              onSend={(text) => submit(text)}
              onStop={chat.stop}
              streaming={chat.isStreaming}
              disabled={chat.isLoading || offline}
              ghostText={ghostText}
            />
          </>
        )}
      </section>
      {deleted ? (
        <UndoToast
          key={deleted.at}
          message={`Deleted “${deleted.session.title || "Untitled chat"}”.`}
          seconds={undoSeconds}
          onUndo={undoDelete}
          onExpire={expireUndo}
          busy={restore.isPending}
        />
      ) : null}
    </div>
  );
}

const BACK = "The model is back. Press Retry to send your message.";

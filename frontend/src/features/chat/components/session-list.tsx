import { type MouseEvent, useEffect, useId, useMemo, useRef, useState } from "react";
import type { SessionSummaryRead } from "@/api/client";
import { Alert } from "@/components/ui/alert";
import { useRenameSession, useSessions } from "../api";
import { useDebouncedValue } from "../hooks/use-debounced-value";
import { DATE_GROUPS, type DateGroup, groupSessions } from "../session-groups";

export const SEARCH_DEBOUNCE_MS = 300;

export interface SessionListProps {
  activeId: string | undefined;
  /** Open a chat (the links are real `/chat/<id>` links; a plain click comes here). */
  onOpen: (sessionId: string) => void;
  onNewChat: () => void;
  onDelete: (session: SessionSummaryRead) => void;
  /** Where focus goes when the list opens as a drawer. */
  searchRef?: React.Ref<HTMLInputElement>;
  /** Closes the list where it is a drawer (phones); the button shows only there. */
  onClose?: () => void;
}

export const chatHref = (sessionId?: string) =>
  sessionId ? `/chat/${encodeURIComponent(sessionId)}` : "/chat";

/** A plain left click is handled in the page; new tabs and windows follow the link. */
export function inPage(event: MouseEvent, go: () => void) {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  event.preventDefault();
  go();
}

const time = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
const day = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

function when(value: string, group: DateGroup): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  return group === "Today" || group === "Yesterday" ? time.format(date) : day.format(date);
}

/** Small line icons (no icon font or emoji: both may be missing on the reader's device). */
function Icon({ path }: { path: string }) {
  return (
    <svg
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={path} />
    </svg>
  );
}
const PencilIcon = () => <Icon path="M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4" />;
const TrashIcon = () => <Icon path="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6" />;
const CheckIcon = () => <Icon path="M5 12l5 5 9-10" />;
const CrossIcon = () => <Icon path="M6 6l12 12M18 6L6 18" />;

const titleOf = (session: SessionSummaryRead) => session.title || "Untitled chat";

interface SessionItemProps {
  session: SessionSummaryRead;
  group: DateGroup;
  active: boolean;
  onOpen: (sessionId: string) => void;
  onDelete: (session: SessionSummaryRead) => void;
}

function SessionItem({ session, group, active, onOpen, onDelete }: SessionItemProps) {
  const title = titleOf(session);
  const rename = useRenameSession();
  const [draft, setDraft] = useState<string | null>(null);
  const renameButton = useRef<HTMLButtonElement>(null);

  const finish = (save: boolean) => {
    const next = draft?.trim() ?? "";
    if (save && next && next !== title) {
      rename.mutate(
        { sessionId: session.session_id, title: next },
        { onSuccess: () => setDraft(null) },
      );
      return;
    }
    setDraft(null);
    rename.reset();
    renameButton.current?.focus();
  };

  return (
    <li className={`chat-session${active ? " is-active" : ""}`}>
      {draft === null ? (
        <a
          className="chat-session-link"
          href={chatHref(session.session_id)}
          aria-current={active ? "page" : undefined}
          onClick={(event) => inPage(event, () => onOpen(session.session_id))}
        >
          <span className="chat-session-title">{title}</span>
          <span className="chat-session-meta">
            {session.message_count} messages · {when(session.updated_at, group)}
          </span>
        </a>
      ) : (
        <form
          className="chat-session-rename"
          onSubmit={(event) => {
            event.preventDefault();
            finish(true);
          }}
        >
          <input
            // biome-ignore lint/a11y/noAutofocus: the person just asked to rename this chat
            autoFocus
            aria-label="Chat title"
            maxLength={200}
            value={draft}
            disabled={rename.isPending}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Escape") finish(false);
            }}
          />
          <button type="submit" className="chat-icon-button" aria-label="Save title">
            <CheckIcon />
          </button>
          <button
            type="button"
            className="chat-icon-button"
            aria-label="Cancel renaming"
            onClick={() => finish(false)}
          >
            <CrossIcon />
          </button>
          {rename.error ? <Alert>{rename.error.message}</Alert> : null}
        </form>
      )}
      {draft === null ? (
        <div className="chat-session-actions">
          <button
            ref={renameButton}
            type="button"
            className="chat-icon-button"
            aria-label={`Rename chat ${title}`}
            title="Rename"
            onClick={() => setDraft(title)}
          >
            <PencilIcon />
          </button>
          <button
            type="button"
            className="chat-icon-button chat-session-delete"
            aria-label={`Delete chat ${title}`}
            title="Delete"
            onClick={() => onDelete(session)}
          >
            <TrashIcon />
          </button>
        </div>
      ) : null}
    </li>
  );
}

/** The chats: a new one, search, and the list by date (newest first), scrolling on its own. */
export function SessionList({
  activeId,
  onOpen,
  onNewChat,
  onDelete,
  searchRef,
  onClose,
}: SessionListProps) {
  const [search, setSearch] = useState("");
  const query = useDebouncedValue(search.trim(), SEARCH_DEBOUNCE_MS);
  const sessions = useSessions(query);
  const [now, setNow] = useState(() => Date.now());
  // Regroup after midnight without a reload.
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  const groups = useMemo(
    () => groupSessions(sessions.data ?? [], new Date(now)),
    [sessions.data, now],
  );
  const groupId = useId();

  return (
    <nav className="chat-sessions" aria-label="Chat sessions">
      <div className="chat-sessions-top">
        <a
          className="btn btn-primary chat-new"
          href={chatHref()}
          onClick={(event) => inPage(event, onNewChat)}
        >
          New chat
        </a>
        {onClose ? (
          <button
            type="button"
            className="btn btn-secondary chat-drawer-close"
            aria-label="Close the chat list"
            onClick={onClose}
          >
            <CrossIcon />
          </button>
        ) : null}
      </div>
      <input
        ref={searchRef}
        type="search"
        className="chat-search"
        aria-label="Search chats"
        placeholder="Search chats"
        maxLength={200}
        value={search}
        onChange={(event) => setSearch(event.target.value)}
      />
      <div className="chat-session-groups">
        {sessions.isPending ? <p className="muted">Loading chats…</p> : null}
        {sessions.isError ? <Alert>{sessions.error.message}</Alert> : null}
        {sessions.data?.length === 0 ? (
          <p className="muted">{query ? `No chats match “${query}”.` : "No chats yet."}</p>
        ) : null}
        {groups.map((group) => (
          <section
            key={group.label}
            aria-labelledby={`${groupId}-${DATE_GROUPS.indexOf(group.label)}`}
          >
            <h2 className="chat-group-label" id={`${groupId}-${DATE_GROUPS.indexOf(group.label)}`}>
              {group.label}
            </h2>
            <ul>
              {group.sessions.map((session) => (
                <SessionItem
                  key={session.session_id}
                  session={session}
                  group={group.label}
                  active={session.session_id === activeId}
                  onOpen={onOpen}
                  onDelete={onDelete}
                />
              ))}
            </ul>
          </section>
        ))}
      </div>
    </nav>
  );
}

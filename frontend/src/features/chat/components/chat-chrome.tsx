/**
 * The parts around the conversation: its header (the chats drawer button on phones, the
 * title, New chat), a stored chat's system prompt, "chat not found", and the message box with
 * Send/Stop.
 */
import type { MouseEvent, Ref } from "react";
import { Button } from "@/components/ui/button";
import { ChatInput } from "./chat-input";
import { chatHref, inPage } from "./session-list";

interface ChatHeaderProps {
  title: string;
  drawerOpen: boolean;
  toggleRef: Ref<HTMLButtonElement>;
  onToggleDrawer: () => void;
  onNewChat: () => void;
}

export function ChatHeader({
  title,
  drawerOpen,
  toggleRef,
  onToggleDrawer,
  onNewChat,
}: ChatHeaderProps) {
  return (
    <header className="chat-header">
      <button
        ref={toggleRef}
        type="button"
        className="btn btn-secondary chat-drawer-toggle"
        aria-expanded={drawerOpen}
        aria-controls="chat-drawer"
        onClick={onToggleDrawer}
      >
        Chats
      </button>
      <h2 className="chat-title">{title}</h2>
      <a
        className="btn btn-secondary chat-header-new"
        href={chatHref()}
        onClick={(event: MouseEvent) => inPage(event, onNewChat)}
      >
        New chat
      </a>
    </header>
  );
}

export function ChatNotFound({ onNewChat }: { onNewChat: () => void }) {
  return (
    <div className="chat-not-found">
      <p>
        <strong>Chat not found.</strong> It may have been deleted, or the link is wrong.
      </p>
      <a href={chatHref()} onClick={(event) => inPage(event, onNewChat)}>
        Start a new chat
      </a>
    </div>
  );
}

/** A stored chat's system prompt, read-only (a new chat sets one in `ChatSetup`). */
export function SystemPrompt({ value }: { value: string }) {
  if (!value) return null;
  return (
    <p className="chat-system-view">
      <span className="tag">system</span> {value}
    </p>
  );
}

interface ComposerProps {
  draft: string;
  onDraftChange: (value: string) => void;
  onSend: (text: string) => void;
  onStop: () => void;
  streaming: boolean;
  /** Closed while a chat loads or the model is away. */
  disabled: boolean;
  ghostText: boolean;
}

/** The message box, pinned under the conversation: Send, or Stop while an answer streams. */
export function Composer({
  draft,
  onDraftChange,
  onSend,
  onStop,
  streaming,
  disabled,
  ghostText,
}: ComposerProps) {
  return (
    <form
      className="chat-compose"
      aria-label="Send a message"
      onSubmit={(event) => {
        event.preventDefault();
        onSend(draft);
      }}
    >
      <ChatInput
        value={draft}
        onChange={onDraftChange}
        onSubmit={onSend}
        disabled={disabled}
        ghostText={ghostText}
      />
      {streaming ? (
        <Button variant="danger" onClick={onStop}>
          Stop
        </Button>
      ) : (
        <Button type="submit" disabled={!draft.trim() || disabled}>
          Send
        </Button>
      )}
    </form>
  );
}

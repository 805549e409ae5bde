/**
 * The parts around the conversation: its header (the chats drawer button on phones, the
 * title, New chat), the system prompt, "chat not found", and the message box with Send/Stop.
 */
import type { MouseEvent, Ref } from "react";
import { Button } from "@/components/ui/button";
import { TextAreaField } from "@/components/ui/text-field";
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

interface SystemPromptProps {
  /** A new chat can set one; a stored chat shows the one it has. */
  editable: boolean;
  value: string;
  onChange: (value: string) => void;
}

export function SystemPrompt({ editable, value, onChange }: SystemPromptProps) {
  if (editable) {
    return (
      <details className="chat-system">
        <summary>System prompt (optional)</summary>
        <TextAreaField
          label="System prompt"
          className="system-prompt"
          rows={2}
          placeholder="How the assistant should behave in this chat"
          hint="Used for a new chat only."
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      </details>
    );
  }
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

import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextAreaField } from "@/components/ui/text-field";
import { useChat } from "../hooks/use-chat";
import { ChatInput } from "./chat-input";
import { MessageList } from "./message-list";
import { SessionList } from "./session-list";

export interface ChatPanelProps {
  /** Ghost-text suggestions in the message box (the page passes the user's setting). */
  ghostText?: boolean;
}

/** Sessions on the left; the conversation, system prompt and input on the right. */
export function ChatPanel({ ghostText = true }: ChatPanelProps) {
  const chat = useChat();
  const [draft, setDraft] = useState("");

  const submit = (text: string) => {
    if (!text.trim() || chat.isStreaming) return;
    setDraft("");
    // A message the server refused (offline, busy) was not stored: give it back to retry.
    void chat.send(text).then((stored) => {
      if (!stored) setDraft((current) => current || text);
    });
  };

  const isNew = chat.sessionId === undefined && chat.messages.length === 0;

  return (
    <div className="chat">
      <SessionList
        activeId={chat.sessionId}
        onSelect={(id) => void chat.openSession(id)}
        onNew={chat.newChat}
        onDeleted={(id) => {
          if (id === chat.sessionId) chat.newChat();
        }}
      />
      <section className="chat-main" aria-label="Conversation">
        {isNew ? (
          <TextAreaField
            label="System prompt"
            className="system-prompt"
            rows={2}
            placeholder="Optional: how the assistant should behave in this chat"
            hint="Used for a new session only."
            value={chat.systemPrompt}
            onChange={(event) => chat.setSystemPrompt(event.target.value)}
          />
        ) : chat.systemPrompt ? (
          <p className="system-prompt-view">
            <span className="tag">system</span> {chat.systemPrompt}
          </p>
        ) : null}
        {chat.loadError ? <Alert>{chat.loadError}</Alert> : null}
        {chat.isLoading ? <p className="muted">Loading conversation…</p> : null}
        <MessageList messages={chat.messages} />
        <form
          className="chat-compose"
          aria-label="Send a message"
          onSubmit={(event) => {
            event.preventDefault();
            submit(draft);
          }}
        >
          <ChatInput
            value={draft}
            onChange={setDraft}
            onSubmit={submit}
            disabled={chat.isLoading}
            ghostText={ghostText}
          />
          {chat.isStreaming ? (
            <Button variant="danger" onClick={chat.stop}>
              Stop
            </Button>
          ) : (
            <Button type="submit" disabled={!draft.trim() || chat.isLoading}>
              Send
            </Button>
          )}
        </form>
      </section>
    </div>
  );
}

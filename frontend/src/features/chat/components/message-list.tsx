import { useEffect, useRef, useState } from "react";
import type { ChatEntry } from "../hooks/use-chat";

const ROLE_LABEL: Record<ChatEntry["role"], string> = {
  user: "You",
  assistant: "Assistant",
  system: "System",
};

interface MessageListProps {
  messages: ChatEntry[];
}

/** What a screen reader hears when an answer is finished (stopped, failed). */
function announcement(message: ChatEntry): string {
  if (message.status === "error")
    return `Assistant error: ${message.error ?? "the request failed"}`;
  if (message.status === "stopped") return `Assistant (stopped): ${message.content}`;
  return `Assistant: ${message.content}`;
}

export function MessageList({ messages }: MessageListProps) {
  const listRef = useRef<HTMLOListElement>(null);
  const last = messages[messages.length - 1];
  // Answers seen streaming; each is announced once, when it ends (never chunk by chunk, and
  // not for history that was loaded finished).
  const streaming = useRef(new Set<string>());
  const [announced, setAnnounced] = useState("");

  useEffect(() => {
    for (const message of messages) {
      if (message.role !== "assistant") continue;
      if (message.status === "streaming") streaming.current.add(message.id);
      else if (streaming.current.delete(message.id)) setAnnounced(announcement(message));
    }
  }, [messages]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: follow each new message and chunk
  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [messages.length, last?.content]);

  return (
    <>
      <p className="visually-hidden" aria-live="polite" data-testid="chat-announcer">
        {announced}
      </p>
      {messages.length === 0 ? (
        <div className="message-list empty">
          <p className="muted">No messages yet. Say hello below.</p>
        </div>
      ) : (
        <ol className="message-list" aria-label="Messages" ref={listRef}>
          {messages.map((message) => (
            <li
              key={message.id}
              className={`message message-${message.role} message-${message.status}`}
              aria-busy={message.status === "streaming" || undefined}
            >
              <span className="message-role">{ROLE_LABEL[message.role]}</span>
              <div className="message-content">
                {message.content}
                {message.status === "streaming" ? (
                  <span className="cursor" aria-hidden="true" />
                ) : null}
              </div>
              {message.status === "streaming" && !message.content ? (
                <span className="muted">Thinking…</span>
              ) : null}
              {message.status === "stopped" ? <span className="tag tag-warn">stopped</span> : null}
              {message.status === "error" ? (
                <p className="message-error-text" role="alert">
                  {message.error}
                </p>
              ) : null}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

import { useEffect, useRef } from "react";
import type { ChatEntry } from "../hooks/use-chat";

const ROLE_LABEL: Record<ChatEntry["role"], string> = {
  user: "You",
  assistant: "Assistant",
  system: "System",
};

interface MessageListProps {
  messages: ChatEntry[];
}

export function MessageList({ messages }: MessageListProps) {
  const listRef = useRef<HTMLOListElement>(null);
  const last = messages[messages.length - 1];

  // biome-ignore lint/correctness/useExhaustiveDependencies: follow each new message and chunk
  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [messages.length, last?.content]);

  if (messages.length === 0) {
    return (
      <div className="message-list empty">
        <p className="muted">No messages yet. Say hello below.</p>
      </div>
    );
  }
  return (
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
            {message.status === "streaming" ? <span className="cursor" aria-hidden="true" /> : null}
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
  );
}

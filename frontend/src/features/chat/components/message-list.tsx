import { useEffect, useRef, useState } from "react";
import type { ActiveTurn, ChatEntry, TurnOutcome } from "../hooks/use-chat";
import { useScrollFollow } from "../hooks/use-scroll-follow";
import { MessageEditBox, MessageItem } from "./message-item";

interface MessageListProps {
  messages: ChatEntry[];
  turn: ActiveTurn | null;
  queued: boolean;
  /** Changes when another chat is shown (scrolling starts again at its end). */
  chatKey: string;
  /** Actions are offered only where they can run (a stored session, nothing streaming). */
  canAct: boolean;
  onRegenerate: () => void;
  onEdit: (key: string, text: string) => Promise<TurnOutcome>;
}

/** What a screen reader hears when an answer is finished (stopped, failed). */
function announcement(message: ChatEntry): string {
  if (message.status === "failed") return `Assistant, failed: ${message.error ?? ""}`;
  if (message.status === "stopped") return `Assistant (stopped): ${message.content}`;
  return `Assistant: ${message.content}`;
}

/**
 * The conversation. It follows a streaming answer only while the reader is at the bottom; a
 * reader who scrolls up stays where they are, with a "Jump to latest" button to come back.
 */
export function MessageList({
  messages,
  turn,
  queued,
  chatKey,
  canAct,
  onRegenerate,
  onEdit,
}: MessageListProps) {
  const listRef = useRef<HTMLOListElement>(null);
  const last = messages[messages.length - 1];
  const scroll = useScrollFollow(
    listRef,
    `${messages.length}:${last?.content.length ?? 0}:${last?.status}:${turn?.admitted}`,
    chatKey,
  );
  const [editing, setEditing] = useState<{ key: string; text: string } | null>(null);
  // Answers seen streaming; each is announced once, when it ends (never chunk by chunk, and
  // not for history that was loaded finished).
  const streaming = useRef(new Set<string>());
  const [announced, setAnnounced] = useState("");

  useEffect(() => {
    for (const message of messages) {
      if (message.role !== "assistant") continue;
      if (message.status === "streaming") streaming.current.add(message.key);
      else if (streaming.current.delete(message.key)) setAnnounced(announcement(message));
    }
  }, [messages]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: another chat ends any edit
  useEffect(() => setEditing(null), [chatKey]);

  const submitEdit = (key: string, text: string) => {
    void onEdit(key, text).then((outcome) => {
      // Refused: the question is back on screen, and so is the edit, to try again.
      if (outcome.stored) setEditing((current) => (current?.key === key ? null : current));
    });
  };

  return (
    <div className="chat-thread">
      <p className="visually-hidden" aria-live="polite" data-testid="chat-announcer">
        {announced}
      </p>
      {messages.length === 0 ? (
        <div className="chat-empty">
          <p className="muted">No messages yet. Say hello below.</p>
        </div>
      ) : (
        <ol
          className="chat-messages"
          aria-label="Messages"
          ref={listRef}
          onScroll={scroll.onScroll}
        >
          {messages.map((message, index) => {
            if (editing?.key === message.key && !turn) {
              return (
                <MessageEditBox
                  key={message.key}
                  text={editing.text}
                  onChange={(text) => setEditing({ key: message.key, text })}
                  onCancel={() => setEditing(null)}
                  onSubmit={() => submitEdit(message.key, editing.text)}
                />
              );
            }
            const isLastAnswer = index === messages.length - 1 && message.role === "assistant";
            const editable = canAct && message.role === "user" && message.serverId !== undefined;
            return (
              <MessageItem
                key={message.key}
                message={message}
                turn={turn}
                queued={queued}
                onRegenerate={canAct && isLastAnswer ? onRegenerate : undefined}
                onEdit={
                  editable
                    ? () => setEditing({ key: message.key, text: message.content })
                    : undefined
                }
              />
            );
          })}
        </ol>
      )}
      {scroll.showJump ? (
        <button type="button" className="chat-jump" onClick={scroll.jumpToLatest}>
          Jump to latest ↓
        </button>
      ) : null}
    </div>
  );
}

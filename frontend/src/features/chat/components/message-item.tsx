import { useEffect, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { useCopyToClipboard } from "@/lib/use-copy-to-clipboard";
import { statsText } from "../chat-entries";
import type { ActiveTurn, ChatEntry } from "../hooks/use-chat";
import { Markdown } from "./markdown";
import { WaitingIndicator } from "./waiting-indicator";

const ROLE_LABEL: Record<ChatEntry["role"], string> = {
  user: "You",
  assistant: "Assistant",
  system: "System",
};

export interface MessageItemProps {
  message: ChatEntry;
  /** The turn in flight, for the waiting indicator of an empty streaming answer. */
  turn: ActiveTurn | null;
  queued: boolean;
  /** Regenerate this answer (offered on the last answer only). */
  onRegenerate?: (() => void) | undefined;
  /** Edit-and-resend this question (offered on stored questions while nothing streams). */
  onEdit?: (() => void) | undefined;
}

function CopyButton({ text }: { text: string }) {
  const { copied, copy } = useCopyToClipboard(1500);
  return (
    <button type="button" className="chat-action" onClick={() => void copy(text)}>
      {copied ? "Copied" : "Copy"}
    </button>
  );
}

/** One message: its text (answers as Markdown), how it ended, and what can be done with it. */
export function MessageItem({ message, turn, queued, onRegenerate, onEdit }: MessageItemProps) {
  const streaming = message.status === "streaming";
  const waiting = streaming && !message.content && turn !== null;
  return (
    <li
      className={`chat-message chat-message-${message.role} is-${message.status}`}
      aria-busy={streaming || undefined}
    >
      <span className="chat-message-role">{ROLE_LABEL[message.role]}</span>
      {waiting ? (
        <WaitingIndicator startedAt={turn.startedAt} queued={queued && !turn.admitted} />
      ) : (
        <div className="chat-message-body">
          {message.role === "assistant" ? (
            <Markdown text={message.content} />
          ) : (
            <p className="chat-message-text">{message.content}</p>
          )}
          {streaming ? <span className="cursor" aria-hidden="true" /> : null}
        </div>
      )}
      {message.role === "assistant" && statsText(message.stats) ? (
        <p className="chat-message-stats">{statsText(message.stats)}</p>
      ) : null}
      {message.status === "stopped" ? (
        <p className="chat-message-status">
          <span className="tag tag-warn">stopped</span>
        </p>
      ) : null}
      {message.status === "failed" ? (
        <p className="chat-message-status chat-message-failed" role="alert">
          failed: {message.error}
        </p>
      ) : null}
      {streaming ? null : (
        <div className="chat-message-actions">
          <CopyButton text={message.content} />
          {onEdit ? (
            <button type="button" className="chat-action" onClick={onEdit}>
              Edit
            </button>
          ) : null}
          {onRegenerate ? (
            <button type="button" className="chat-action" onClick={onRegenerate}>
              Regenerate
            </button>
          ) : null}
        </div>
      )}
    </li>
  );
}

interface EditBoxProps {
  text: string;
  onChange: (text: string) => void;
  onSubmit: () => void;
  onCancel: () => void;
}

/** A question being rewritten: sending it drops the turns after it and asks again. */
export function MessageEditBox({ text, onChange, onSubmit, onCancel }: EditBoxProps) {
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => area.current?.focus(), []);
  const [rows] = useState(() => Math.min(8, Math.max(2, text.split("\n").length)));
  return (
    <li className="chat-message chat-message-user is-editing">
      <form
        className="chat-edit"
        aria-label="Edit message"
        onSubmit={(event) => {
          event.preventDefault();
          if (text.trim()) onSubmit();
        }}
      >
        <textarea
          ref={area}
          aria-label="Edited message"
          rows={rows}
          value={text}
          onChange={(event) => onChange(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Escape") onCancel();
            if (event.key === "Enter" && !event.shiftKey) {
              event.preventDefault();
              if (text.trim()) onSubmit();
            }
          }}
        />
        <div className="chat-edit-actions">
          <Button variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" disabled={!text.trim()}>
            Send edit
          </Button>
        </div>
      </form>
    </li>
  );
}

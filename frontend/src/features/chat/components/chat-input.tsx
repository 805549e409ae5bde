import { completerFor } from "@/api/completion";
import { GhostTextEditor } from "@/components/editor/ghost-text-editor";

export interface ChatInputProps {
  value: string;
  onChange: (value: string) => void;
  onSubmit: (value: string) => void;
  disabled?: boolean;
  placeholder?: string;
  /** Ghost-text suggestions ("message" completions); on unless turned off. */
  ghostText?: boolean;
}

const completeMessage = completerFor("message");

/**
 * The message box: a ghost-text editor that suggests how the message goes on (Tab accepts).
 * Enter sends, Shift+Enter starts a new line.
 */
export function ChatInput({
  value,
  onChange,
  onSubmit,
  disabled,
  placeholder,
  ghostText = true,
}: ChatInputProps) {
  return (
    <GhostTextEditor
      className="chat-input"
      ariaLabel="Message"
      value={value}
      onChange={onChange}
      onSubmit={onSubmit}
      complete={completeMessage}
      enabled={ghostText}
      disabled={disabled ?? false}
      minHeight="4.5em"
      placeholder={placeholder ?? "Ask something… (Enter to send, Shift+Enter for a new line)"}
    />
  );
}

import { useEffect } from "react";

interface UndoToastProps {
  message: string;
  /** How long the undo stays possible, in seconds. */
  seconds: number;
  onUndo: () => void;
  onExpire: () => void;
  busy?: boolean;
}

/** "Chat deleted — Undo", for as long as the server keeps the chat restorable. */
export function UndoToast({ message, seconds, onUndo, onExpire, busy }: UndoToastProps) {
  useEffect(() => {
    const timer = setTimeout(onExpire, seconds * 1000);
    return () => clearTimeout(timer);
  }, [seconds, onExpire]);
  return (
    <div className="chat-toast" role="status">
      <span>{message}</span>
      <button type="button" className="chat-toast-undo" onClick={onUndo} disabled={busy}>
        Undo
      </button>
    </div>
  );
}

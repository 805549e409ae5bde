import { Button } from "@/components/ui/button";
import type { ChatNotice } from "../hooks/use-chat";

interface ChatNoticeBannerProps {
  notice: ChatNotice | null;
  /** The model is down right now (health says so). */
  offline: boolean;
  /** Send the question the model could not take; absent when there is none. */
  onRetry?: (() => void) | undefined;
  onDismiss: () => void;
}

/**
 * Why the last message was not sent, or that the model is away: in plain words, with Retry
 * for a question the offline model could not take.
 */
export function ChatNoticeBanner({ notice, offline, onRetry, onDismiss }: ChatNoticeBannerProps) {
  if (notice?.offline) {
    return (
      <div className="alert alert-error chat-notice" role="alert">
        <p>{notice.message}</p>
        <Button variant="secondary" onClick={onRetry} disabled={!onRetry}>
          Retry
        </Button>
      </div>
    );
  }
  if (notice) {
    return (
      <div className="alert alert-error chat-notice" role="alert">
        <p>{notice.message}</p>
        <Button variant="ghost" onClick={onDismiss}>
          Dismiss
        </Button>
      </div>
    );
  }
  if (offline) {
    return (
      <div className="alert alert-info chat-notice" role="status">
        <p>The model is offline right now. You can send again as soon as it is back.</p>
      </div>
    );
  }
  return null;
}

import { useNavigate, useParams } from "@tanstack/react-router";
import { useCallback } from "react";
import { ChatPanel } from "@/features/chat/components/chat-panel";
import { useGhostTextEnabled } from "@/features/settings/hooks/use-ghost-text-enabled";

/**
 * `/chat` (a new chat) and `/chat/<id>` (a stored one): the address always names the chat on
 * screen, so reloading or sharing it reopens that chat. A new chat's address becomes its own
 * as soon as the server stores its first question (replacing, not adding, a history entry).
 */
export function ChatPage() {
  const [ghostText] = useGhostTextEnabled();
  const { sessionId } = useParams({ strict: false });
  const navigate = useNavigate();
  const go = useCallback(
    (id: string | undefined, { replace }: { replace: boolean }) => {
      if (id) void navigate({ to: "/chat/$sessionId", params: { sessionId: id }, replace });
      else void navigate({ to: "/chat", replace });
    },
    [navigate],
  );
  return (
    <main className="page page-wide chat-page" id="main">
      <h1 className="visually-hidden">Chat</h1>
      <ChatPanel sessionId={sessionId} onNavigate={go} ghostText={ghostText} />
    </main>
  );
}

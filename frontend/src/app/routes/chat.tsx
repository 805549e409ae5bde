import { ChatPanel } from "@/features/chat/components/chat-panel";
import { useGhostTextEnabled } from "@/features/settings/hooks/use-ghost-text-enabled";

/** The LLM health badge sits in the top bar, so it is visible while chatting too. */
export function ChatPage() {
  const [ghostText] = useGhostTextEnabled();
  return (
    <main className="page page-wide">
      <h1 className="visually-hidden">Chat</h1>
      <ChatPanel ghostText={ghostText} />
    </main>
  );
}

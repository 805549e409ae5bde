import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "@/lib/format";
import { useDeleteSession, useSessions } from "../api";

interface SessionListProps {
  activeId: string | undefined;
  onSelect: (sessionId: string) => void;
  onNew: () => void;
  onDeleted: (sessionId: string) => void;
}

export function SessionList({ activeId, onSelect, onNew, onDeleted }: SessionListProps) {
  const sessions = useSessions();
  const remove = useDeleteSession();

  return (
    <nav className="session-list" aria-label="Chat sessions">
      <Button onClick={onNew} className="session-new">
        New chat
      </Button>
      {sessions.isPending ? <p className="muted">Loading sessions…</p> : null}
      {sessions.isError ? <Alert>{sessions.error.message}</Alert> : null}
      {remove.error ? <Alert>{remove.error.message}</Alert> : null}
      {sessions.data?.length === 0 ? <p className="muted">No sessions yet.</p> : null}
      <ul>
        {sessions.data?.map((session) => {
          const title = session.title || "Untitled chat";
          return (
            <li
              key={session.session_id}
              className={session.session_id === activeId ? "active" : ""}
            >
              <button
                type="button"
                className="session-open"
                aria-current={session.session_id === activeId ? "true" : undefined}
                onClick={() => onSelect(session.session_id)}
              >
                <span className="session-title">{title}</span>
                <span className="session-meta">
                  {session.message_count} messages · {formatDateTime(session.updated_at)}
                </span>
              </button>
              <button
                type="button"
                className="session-delete"
                aria-label={`Delete session ${title}`}
                title="Delete session"
                disabled={remove.isPending}
                onClick={() =>
                  remove.mutate(session.session_id, {
                    onSuccess: () => onDeleted(session.session_id),
                  })
                }
              >
                ×
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

import { Alert } from "@/components/ui/alert";
import { useMe } from "@/features/auth/api";
import { DraftsPanel } from "@/features/drafts/components/drafts-panel";
import { GhostTextToggle } from "@/features/settings/components/ghost-text-toggle";
import { useGhostTextEnabled } from "@/features/settings/hooks/use-ghost-text-enabled";

/** Free writing with ghost text, one draft per completion type. */
export function DraftsPage() {
  const [ghostText] = useGhostTextEnabled();
  const me = useMe();
  return (
    <main className="page" id="main">
      <div className="page-heading">
        <h1>Drafts</h1>
        <GhostTextToggle compact />
      </div>
      <p className="lead">
        Write with suggestions from the model. Tab or the Accept button takes a suggestion, → or
        Ctrl+→ takes one word, Esc dismisses it.
      </p>
      {me.data ? (
        // Drafts are kept per account; a different account gets a fresh panel.
        <DraftsPanel key={me.data.id} owner={String(me.data.id)} ghostText={ghostText} />
      ) : me.isError ? (
        <Alert>{me.error.message}</Alert>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </main>
  );
}

import { DraftsPanel } from "@/features/drafts/components/drafts-panel";
import { GhostTextToggle } from "@/features/settings/components/ghost-text-toggle";
import { useGhostTextEnabled } from "@/features/settings/hooks/use-ghost-text-enabled";

/** Free writing with ghost text, one draft per completion type. */
export function DraftsPage() {
  const [ghostText] = useGhostTextEnabled();
  return (
    <main className="page">
      <div className="page-heading">
        <h1>Drafts</h1>
        <GhostTextToggle compact />
      </div>
      <p className="lead">
        Write with suggestions from the model. Tab accepts a suggestion, → or Ctrl+→ takes one word,
        Esc dismisses it.
      </p>
      <DraftsPanel ghostText={ghostText} />
    </main>
  );
}

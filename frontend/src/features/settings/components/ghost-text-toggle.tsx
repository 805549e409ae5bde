import { useId } from "react";
import { useGhostTextEnabled } from "../hooks/use-ghost-text-enabled";

/** The on/off switch for ghost-text suggestions (saved in this browser). */
export function GhostTextToggle({ compact = false }: { compact?: boolean }) {
  const [enabled, setEnabled] = useGhostTextEnabled();
  const hintId = useId();
  return (
    <div className={compact ? "toggle toggle-compact" : "toggle"}>
      <label>
        <input
          type="checkbox"
          checked={enabled}
          aria-describedby={compact ? undefined : hintId}
          onChange={(event) => setEnabled(event.target.checked)}
        />
        Ghost-text suggestions
      </label>
      {compact ? null : (
        <p id={hintId} className="field-hint">
          Suggests how your text could go on while you type, in the chat box and in the template
          editor. Tab or the Accept button takes it, Ctrl+→ takes one word, Esc dismisses it. Saved
          in this browser.
        </p>
      )}
    </div>
  );
}

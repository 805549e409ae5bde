import { useId } from "react";
import {
  COMPLETION_TYPES,
  type CompletionType,
  isCompletionType,
  useCompletion,
  useCompletionTypes,
} from "@/api/completion";
import { GhostTextEditor } from "@/components/editor/ghost-text-editor";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "@/lib/format";
import { useDrafts } from "../hooks/use-drafts";
import { TextStats } from "./text-stats";
import "../drafts.css";

interface DraftsPanelProps {
  /** Ghost-text suggestions (the page passes the user's setting). */
  ghostText: boolean;
  /** Whose drafts these are (the signed-in user's id): each account keeps its own. */
  owner: string;
}

/** Pick what kind of text you are writing, then write it with suggestions; autosaved. */
export function DraftsPanel({ ghostText, owner }: DraftsPanelProps) {
  const drafts = useDrafts(owner);
  const types = useCompletionTypes();
  const complete = useCompletion(drafts.type);
  const selectId = useId();
  const hintId = useId();

  const options: { name: CompletionType; description: string }[] = types.data
    ? types.data.flatMap((t) => (isCompletionType(t.name) ? [{ ...t, name: t.name }] : []))
    : COMPLETION_TYPES.map((name) => ({ name, description: name }));
  const description = options.find((o) => o.name === drafts.type)?.description;

  return (
    <div className="drafts">
      <div className="drafts-toolbar">
        <div className="field">
          <label htmlFor={selectId}>Completion type</label>
          <select
            id={selectId}
            value={drafts.type}
            aria-describedby={hintId}
            onChange={(event) => {
              if (isCompletionType(event.target.value)) drafts.setType(event.target.value);
            }}
          >
            {options.map((option) => (
              <option key={option.name} value={option.name}>
                {option.name}
              </option>
            ))}
          </select>
          <p id={hintId} className="field-hint">
            {description && description !== drafts.type ? description : "\u00a0"}
          </p>
        </div>
        <Button
          className="drafts-clear"
          variant="secondary"
          disabled={!drafts.text}
          onClick={() => drafts.setText("")}
        >
          Clear
        </Button>
      </div>
      <GhostTextEditor
        className="draft-editor"
        ariaLabel="Draft"
        value={drafts.text}
        onChange={drafts.setText}
        complete={complete}
        enabled={ghostText}
        minHeight="18rem"
        placeholder={`Start writing (${drafts.type})…`}
      />
      <div className="drafts-footer">
        <TextStats text={drafts.text} />
        <p className="muted">
          {drafts.saveFailed
            ? "Could not save in this browser."
            : drafts.updatedAt
              ? `Saved in this browser · ${formatDateTime(new Date(drafts.updatedAt).toISOString())}`
              : "Drafts are saved in this browser, one per completion type."}
        </p>
      </div>
    </div>
  );
}

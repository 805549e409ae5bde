import { type FormEvent, useEffect, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { newSessionId, sessionIdProblem } from "../publish-input";

export interface Watched {
  project: string;
  sessionId: string;
}

interface SessionPickerProps {
  projects: string[];
  project: string;
  /** The session being watched; empty when none is yet. */
  sessionId: string;
  onChange: (next: Watched) => void;
}

/**
 * Which session the page follows: a project (taken at once) and a session id (taken on Watch
 * or Enter, so typing does not reconnect on every key); New id makes and takes a fresh one.
 */
export function SessionPicker({ projects, project, sessionId, onChange }: SessionPickerProps) {
  const [draft, setDraft] = useState(sessionId);
  const [error, setError] = useState<string>();
  const projectId = useId();

  // A session chosen elsewhere (the address, New id) shows in the field.
  useEffect(() => setDraft(sessionId), [sessionId]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problem = sessionIdProblem(draft);
    setError(problem);
    if (!problem) onChange({ project, sessionId: draft.trim() });
  };

  const fresh = () => {
    const id = newSessionId();
    setError(undefined);
    setDraft(id);
    onChange({ project, sessionId: id });
  };

  return (
    <form className="form form-inline session-picker" onSubmit={submit} noValidate>
      <div className="field session-project">
        <label htmlFor={projectId}>Project</label>
        <select
          id={projectId}
          value={project}
          onChange={(event) => onChange({ project: event.target.value, sessionId })}
        >
          {projects.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <TextField
        label="Session id"
        className="session-id"
        value={draft}
        error={error}
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => setDraft(event.target.value)}
      />
      <div className="button-row session-actions">
        <Button type="submit">Watch</Button>
        <Button variant="secondary" onClick={fresh}>
          New id
        </Button>
      </div>
    </form>
  );
}

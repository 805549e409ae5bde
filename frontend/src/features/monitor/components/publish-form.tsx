import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextAreaField } from "@/components/ui/text-field";
import { usePublishTest } from "../api";
import { checkPublish, type PublishKind, sampleMazeState } from "../publish-input";

const KINDS: { kind: PublishKind; label: string }[] = [
  { kind: "user_input", label: "A message" },
  { kind: "state", label: "A game state" },
];

interface PublishFormProps {
  project: string;
  sessionId: string;
  /** Whether the bridge can take a message now; the form says why not otherwise. */
  connected: boolean;
}

/**
 * Publish a test message into the watched session as the signed-in user's game client: a
 * question (`user_input`) or a game state as JSON (`state`, prefilled with a small maze).
 */
export function PublishForm({ project, sessionId, connected }: PublishFormProps) {
  const publish = usePublishTest();
  const [kind, setKind] = useState<PublishKind>("user_input");
  const [message, setMessage] = useState("");
  // null: the sample state for the watched session (it follows a change of session).
  const [stateText, setStateText] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const text = kind === "user_input" ? message : (stateText ?? sampleMazeState(sessionId));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const checked = checkPublish(kind, text, sessionId);
    if (!checked.ok) {
      setError(checked.error);
      // A keyboard or screen-reader user lands on the field that needs fixing.
      event.currentTarget.querySelector("textarea")?.focus();
      return;
    }
    setError(undefined);
    publish.mutate({ project, session_id: sessionId, kind, payload: checked.payload });
  };

  const edit = (value: string) => {
    if (kind === "user_input") setMessage(value);
    else setStateText(value);
    if (error) setError(undefined);
    publish.reset();
  };

  return (
    <form className="form publish-form" onSubmit={submit} noValidate>
      <fieldset className="choice-group">
        <legend>Send</legend>
        <div className="segmented">
          {KINDS.map((item) => (
            <label key={item.kind} className={kind === item.kind ? "selected" : undefined}>
              <input
                type="radio"
                name="publish-kind"
                value={item.kind}
                checked={kind === item.kind}
                onChange={() => {
                  setKind(item.kind);
                  setError(undefined);
                  publish.reset();
                }}
              />
              {item.label}
            </label>
          ))}
        </div>
      </fieldset>
      <TextAreaField
        label={kind === "user_input" ? "Message" : "Game state (JSON)"}
        className={kind === "state" ? "publish-json" : undefined}
        hint={
          kind === "user_input"
            ? `Published on ${project}/user_input, answered on ${project}/assistant_response/…`
            : `Published on ${project}/state, answered with a hint. sessionId is set to the watched session.`
        }
        rows={kind === "user_input" ? 3 : 12}
        spellCheck={kind === "user_input"}
        value={text}
        error={error}
        onChange={(event) => edit(event.target.value)}
      />
      {!connected ? (
        <p className="field-hint">Sending needs a connected game broker (see above).</p>
      ) : null}
      {publish.isError ? <Alert>{publish.error.message}</Alert> : null}
      {publish.isSuccess ? (
        <Alert tone="success">Sent. The answer shows in the live events.</Alert>
      ) : null}
      <div className="button-row">
        <Button type="submit" busy={publish.isPending} disabled={!connected}>
          Publish
        </Button>
        {kind === "state" ? (
          <Button variant="secondary" onClick={() => setStateText(null)}>
            Reset to sample
          </Button>
        ) : null}
      </div>
    </form>
  );
}

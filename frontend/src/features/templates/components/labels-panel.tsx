import { type FormEvent, useId, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { plainErrorMessage } from "@/lib/use-form-errors";
import { type TemplateRead, useDeleteLabel, useSetLabel } from "../api";
import "../templates.css";

export const LABEL_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,39}$/;
const SUGGESTED = ["production", "staging"];

/**
 * Labels name a version (`production` → 3) so sessions and games can ask for "production"
 * and get whatever it points at when they start. Only the owner (or an admin) moves them.
 */
export function LabelsPanel({ template }: { template: TemplateRead }) {
  const canEdit = template.can_edit && !template.archived;
  const entries = Object.entries(template.labels).sort(([a], [b]) => a.localeCompare(b));
  const remove = useDeleteLabel(template.id);
  return (
    <div className="stack">
      <Card title="Labels">
        {remove.isError ? <Alert>{plainErrorMessage(remove.error)}</Alert> : null}
        {entries.length === 0 ? (
          <p className="muted">
            No labels yet. Point <code>production</code> at the version games should use.
          </p>
        ) : (
          <table className="table labels-table">
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Version</th>
                {canEdit ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {entries.map(([label, version]) => (
                <tr key={label}>
                  <th scope="row">
                    <span className="tag tag-success">{label}</span>
                  </th>
                  <td>Version {version}</td>
                  {canEdit ? (
                    <td className="actions">
                      <Button
                        variant="ghost"
                        aria-label={`Remove label ${label}`}
                        busy={remove.isPending && remove.variables === label}
                        onClick={() => remove.mutate(label)}
                      >
                        Remove
                      </Button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {canEdit ? null : (
          <p className="muted">
            Only the owner of this template (or an admin) can move its labels.
          </p>
        )}
      </Card>
      {canEdit ? (
        <Card title="Set a label">
          <LabelForm template={template} />
        </Card>
      ) : null}
    </div>
  );
}

function LabelForm({ template }: { template: TemplateRead }) {
  const [label, setLabel] = useState("production");
  const [version, setVersion] = useState(template.version);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const set = useSetLabel(template.id);
  const ids = { label: useId(), version: useId(), list: useId() };
  const versions = Array.from({ length: template.version }, (_, index) => template.version - index);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const name = label.trim();
    setDone(null);
    if (!LABEL_PATTERN.test(name)) {
      setProblem(
        "Use lower-case letters, digits and _ . - (at most 40), starting with a letter or digit.",
      );
      return;
    }
    setProblem(null);
    set.mutate(
      { label: name, version },
      { onSuccess: () => setDone(`${name} now points at version ${version}.`) },
    );
  };

  return (
    <form className="form form-inline" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={ids.label}>Label</label>
        <input
          id={ids.label}
          list={ids.list}
          value={label}
          maxLength={40}
          autoComplete="off"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${ids.label}-error` : undefined}
          onChange={(event) => setLabel(event.target.value)}
        />
        <datalist id={ids.list}>
          {SUGGESTED.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
        {problem ? (
          <p id={`${ids.label}-error`} className="field-error">
            {problem}
          </p>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor={ids.version}>Version</label>
        <select
          id={ids.version}
          value={version}
          onChange={(event) => setVersion(Number(event.target.value))}
        >
          {versions.map((number) => (
            <option key={number} value={number}>
              Version {number}
              {number === template.version ? " (latest)" : ""}
            </option>
          ))}
        </select>
      </div>
      <Button type="submit" busy={set.isPending}>
        Set label
      </Button>
      {set.isError ? <Alert>{plainErrorMessage(set.error)}</Alert> : null}
      {done ? <Alert tone="success">{done}</Alert> : null}
    </form>
  );
}

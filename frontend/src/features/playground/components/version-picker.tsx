import type { TemplateSummary } from "@/api/client";
import { Button } from "@/components/ui/button";
import { parseRefValue, refValue, type VersionRef } from "@/lib/template-refs";
import { useTemplate, useTemplateVersions } from "../api";
import { MAX_VERSIONS, type VersionChoice } from "../playground-form";

interface VersionRowProps {
  index: number;
  choice: VersionChoice;
  templates: TemplateSummary[];
  onChange: (choice: VersionChoice) => void;
  onRemove?: (() => void) | undefined;
  disabled: boolean;
}

/** What a template is called in a list: its title, and whose it is when it is not yours. */
export function templateName(template: Pick<TemplateSummary, "title" | "can_edit" | "owner_name">) {
  return template.can_edit
    ? template.title
    : `${template.title} (shared by ${template.owner_name})`;
}

interface VersionOptionsProps {
  latest: number | undefined;
  labels: Record<string, number>;
  versions: { version: number; note: string }[];
}

/** Latest, then the labels (with the version each points at), then every version. */
function VersionOptions({ latest, labels, versions }: VersionOptionsProps) {
  const named = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return (
    <>
      <option value="latest">{latest ? `Latest (v${latest})` : "Latest"}</option>
      {named.length > 0 ? (
        <optgroup label="Labels">
          {named.map(([label, version]) => (
            <option key={label} value={refValue({ kind: "label", label })}>
              {`${label} (v${version})`}
            </option>
          ))}
        </optgroup>
      ) : null}
      {versions.length > 0 ? (
        <optgroup label="Versions">
          {versions.map((item) => (
            <option key={item.version} value={refValue({ kind: "version", version: item.version })}>
              {item.note ? `v${item.version} — ${item.note}` : `v${item.version}`}
            </option>
          ))}
        </optgroup>
      ) : null}
    </>
  );
}

/** One version of the run: a template, and which of its versions (latest, a label, a number). */
export function VersionRow({
  index,
  choice,
  templates,
  onChange,
  onRemove,
  disabled,
}: VersionRowProps) {
  const listed = choice.templateId === null || templates.some((t) => t.id === choice.templateId);
  const setRef = (ref: VersionRef) => onChange({ ...choice, ref });
  // Read here, not in the options: a controlled select picks its option when it renders.
  const template = useTemplate(choice.templateId);
  const versions = useTemplateVersions(choice.templateId);
  const known = versions.data?.items ?? [];
  // A stored run may name a version the list has not loaded (yet): it stays choosable.
  const pinned =
    choice.ref.kind === "version" &&
    !known.some((item) => item.version === (choice.ref as { version: number }).version)
      ? [{ version: choice.ref.version, note: "" }]
      : [];
  const name = `Version ${index + 1}`;
  return (
    <fieldset className="playground-version" disabled={disabled}>
      <legend>{name}</legend>
      <div className="field">
        <label htmlFor={`${choice.key}-template`}>Template</label>
        <select
          id={`${choice.key}-template`}
          value={choice.templateId ?? ""}
          onChange={(event) =>
            onChange({
              ...choice,
              templateId: event.target.value ? Number(event.target.value) : null,
              ref: { kind: "latest" },
            })
          }
        >
          <option value="">Choose a template…</option>
          {listed ? null : (
            <option value={choice.templateId ?? ""}>{`Template #${choice.templateId}`}</option>
          )}
          {templates.map((template) => (
            <option key={template.id} value={template.id}>
              {templateName(template)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${choice.key}-version`}>Version</label>
        <select
          id={`${choice.key}-version`}
          value={refValue(choice.ref)}
          disabled={choice.templateId === null}
          onChange={(event) => setRef(parseRefValue(event.target.value))}
        >
          {choice.templateId === null ? (
            <option value="latest">Latest</option>
          ) : (
            <VersionOptions
              latest={template.data?.version}
              labels={template.data?.labels ?? {}}
              versions={[...pinned, ...known]}
            />
          )}
        </select>
      </div>
      {onRemove ? (
        <Button variant="ghost" className="playground-remove" onClick={onRemove}>
          Remove <span className="visually-hidden">{name.toLowerCase()}</span>
        </Button>
      ) : null}
    </fieldset>
  );
}

interface VersionPickerProps {
  versions: VersionChoice[];
  templates: TemplateSummary[];
  onChange: (versions: VersionChoice[]) => void;
  onAdd: () => void;
  disabled: boolean;
}

/** The template versions to compare, 1 to 6 (the grid's columns). */
export function VersionPicker({
  versions,
  templates,
  onChange,
  onAdd,
  disabled,
}: VersionPickerProps) {
  return (
    <section className="playground-section" aria-labelledby="playground-versions">
      <h2 id="playground-versions">Versions</h2>
      {versions.map((choice, index) => (
        <VersionRow
          key={choice.key}
          index={index}
          choice={choice}
          templates={templates}
          disabled={disabled}
          onChange={(next) =>
            onChange(versions.map((item) => (item.key === choice.key ? next : item)))
          }
          onRemove={
            versions.length > 1
              ? () => onChange(versions.filter((item) => item.key !== choice.key))
              : undefined
          }
        />
      ))}
      <div className="button-row">
        <Button
          variant="secondary"
          onClick={onAdd}
          disabled={disabled || versions.length >= MAX_VERSIONS}
        >
          Add version
        </Button>
      </div>
    </section>
  );
}

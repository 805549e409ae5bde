import type { SessionTemplateRead, TemplateSummary } from "@/api/client";
import { VariableField } from "@/components/templates/variable-field";
import { Alert } from "@/components/ui/alert";
import { TextAreaField } from "@/components/ui/text-field";
import { parseRefValue, refValue, resolveVersion } from "@/lib/template-refs";
import { initialValues, type VariableSpec } from "@/lib/template-variables";
import { usePickerTemplates, useTemplate, useTemplateVersion, useTemplateVersions } from "../api";
import { NO_TEMPLATE, sessionTemplateName, type TemplateChoice } from "../template-choice";

/** The chosen version's variables; `undefined` while they load or when none is chosen. */
export function useChoiceVariables(choice: TemplateChoice): {
  specs: VariableSpec[] | undefined;
  error: string | undefined;
} {
  const template = useTemplate(choice.templateId);
  const version = resolveVersion(choice.ref, template.data);
  const read = useTemplateVersion(choice.templateId, version);
  if (choice.templateId === null) return { specs: [], error: undefined };
  const failed = template.error ?? read.error;
  if (template.data && version === undefined) {
    return { specs: undefined, error: "That label no longer points at a version." };
  }
  return { specs: read.data?.variables, error: failed?.message };
}

function TemplateOptions({ templates }: { templates: TemplateSummary[] }) {
  const mine = templates.filter((template) => template.can_edit);
  const shared = templates.filter((template) => !template.can_edit);
  return (
    <>
      {mine.length > 0 ? (
        <optgroup label="Your templates">
          {mine.map((template) => (
            <option key={template.id} value={template.id}>
              {template.title}
            </option>
          ))}
        </optgroup>
      ) : null}
      {shared.length > 0 ? (
        <optgroup label="Shared templates">
          {shared.map((template) => (
            <option key={template.id} value={template.id}>
              {`${template.title} (${template.owner_name})`}
            </option>
          ))}
        </optgroup>
      ) : null}
    </>
  );
}

interface VersionSelectProps {
  choice: TemplateChoice & { templateId: number };
  onChange: (choice: TemplateChoice) => void;
  disabled: boolean;
}

/** Latest, the labels (each with the version it points at), then every version. */
function VersionSelect({ choice, onChange, disabled }: VersionSelectProps) {
  const template = useTemplate(choice.templateId);
  const versions = useTemplateVersions(choice.templateId);
  const labels = Object.entries(template.data?.labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const latest = template.data?.version;
  return (
    <div className="field">
      <label htmlFor="chat-template-version">Template version</label>
      <select
        id="chat-template-version"
        value={refValue(choice.ref)}
        disabled={disabled}
        onChange={(event) => onChange({ ...choice, ref: parseRefValue(event.target.value) })}
      >
        <option value="latest">{latest ? `Latest (v${latest})` : "Latest"}</option>
        {labels.length > 0 ? (
          <optgroup label="Labels">
            {labels.map(([label, version]) => (
              <option key={label} value={refValue({ kind: "label", label })}>
                {`${label} (v${version})`}
              </option>
            ))}
          </optgroup>
        ) : null}
        {versions.data && versions.data.items.length > 0 ? (
          <optgroup label="Versions">
            {versions.data.items.map((item) => (
              <option
                key={item.version}
                value={refValue({ kind: "version", version: item.version })}
              >
                {item.note ? `v${item.version} — ${item.note}` : `v${item.version}`}
              </option>
            ))}
          </optgroup>
        ) : null}
      </select>
    </div>
  );
}

export interface ChatSetupProps {
  choice: TemplateChoice;
  onChoiceChange: (choice: TemplateChoice) => void;
  /** The chosen version's variables (see `useChoiceVariables`). */
  specs: VariableSpec[] | undefined;
  specsError: string | undefined;
  /** Field errors by variable name, after a send was tried. */
  errors: Record<string, string>;
  systemPrompt: string;
  onSystemPromptChange: (value: string) => void;
  disabled: boolean;
}

/**
 * How a new chat starts: "No template" keeps the plain system prompt; a template brings its
 * version select and one field per variable, and its rendering becomes the system prompt.
 */
export function ChatSetup({
  choice,
  onChoiceChange,
  specs,
  specsError,
  errors,
  systemPrompt,
  onSystemPromptChange,
  disabled,
}: ChatSetupProps) {
  const templates = usePickerTemplates();
  const items = templates.data?.items ?? [];
  const chosen = choice.templateId;
  const pick = (value: string) => {
    if (!value) return onChoiceChange(NO_TEMPLATE);
    onChoiceChange({ templateId: Number(value), ref: { kind: "latest" }, fields: {} });
  };
  return (
    <section className="chat-setup" aria-label="How this chat starts">
      <div className="chat-setup-row">
        <div className="field">
          <label htmlFor="chat-template">Template</label>
          <select
            id="chat-template"
            value={chosen ?? ""}
            disabled={disabled}
            aria-describedby={templates.isError ? "chat-template-error" : undefined}
            onChange={(event) => pick(event.target.value)}
          >
            <option value="">No template</option>
            <TemplateOptions templates={items} />
          </select>
          {templates.isError ? (
            <p id="chat-template-error" className="field-error">
              Could not load your templates.
            </p>
          ) : null}
        </div>
        {chosen !== null ? (
          <VersionSelect
            choice={{ ...choice, templateId: chosen }}
            onChange={onChoiceChange}
            disabled={disabled}
          />
        ) : null}
      </div>
      {chosen === null ? (
        <details className="chat-system">
          <summary>System prompt (optional)</summary>
          <TextAreaField
            label="System prompt"
            className="system-prompt"
            rows={2}
            placeholder="How the assistant should behave in this chat"
            hint="Used for a new chat only."
            value={systemPrompt}
            disabled={disabled}
            onChange={(event) => onSystemPromptChange(event.target.value)}
          />
        </details>
      ) : null}
      {chosen !== null && specsError ? <Alert>{specsError}</Alert> : null}
      {chosen !== null && !specs && !specsError ? (
        <p className="muted chat-setup-note">Loading the template's variables…</p>
      ) : null}
      {chosen !== null && specs && specs.length > 0 ? (
        <div className="chat-variables">
          {specs.map((spec) => (
            <VariableField
              key={spec.name}
              idPrefix="chat-variable"
              spec={spec}
              value={choice.fields[spec.name] ?? initialValues([spec])[spec.name]}
              error={errors[spec.name]}
              disabled={disabled}
              onChange={(value) =>
                onChoiceChange({ ...choice, fields: { ...choice.fields, [spec.name]: value } })
              }
            />
          ))}
        </div>
      ) : null}
      {chosen !== null && specs && specs.length === 0 ? (
        <p className="muted chat-setup-note">This version has no variables.</p>
      ) : null}
    </section>
  );
}

/** A stored chat's template, read-only: which version it runs (fixed for the session). */
export function SessionTemplate({ template }: { template: SessionTemplateRead }) {
  return (
    <p className="chat-system-view chat-session-template">
      <span className="tag">template</span> {sessionTemplateName(template)}
    </p>
  );
}

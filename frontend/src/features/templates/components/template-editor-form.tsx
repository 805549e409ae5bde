import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { useCompletion } from "@/api/completion";
import { ApiError } from "@/api/http";
import { GhostTextEditor } from "@/components/editor/ghost-text-editor";
import { variableHighlight } from "@/components/editor/variable-highlight";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { TextField } from "@/components/ui/text-field";
import { plainFieldMessage } from "@/lib/form-rules";
import { plainErrorMessage } from "@/lib/use-form-errors";
import { type TemplateRead, useCreateTemplate, useUpdateTemplate } from "../api";
import { useSaveShortcut } from "../hooks/use-save-shortcut";
import {
  createBody,
  emptyForm,
  type FormField,
  type FormProblems,
  formFromTemplate,
  formProblems,
  hasProblems,
  isDirty,
  LIMITS,
  type TemplateFormValues,
  updateBody,
} from "../template-form";
import {
  type SchemaProblems,
  schemaProblems,
  schemaProblemsFrom,
  type VariableSpec,
} from "../variables";
import { DetailsFields } from "./details-fields";
import { RenderPreview } from "./render-preview";
import { VariablesForm } from "./variables-form";
import "../templates.css";

interface TemplateEditorFormProps {
  /** The saved template; absent on the New template page. */
  template?: TemplateRead | undefined;
  /** Ghost-text suggestions in the content (the user's setting). */
  ghostText: boolean;
  /** After the first save of a new template. */
  onCreated?: (template: TemplateRead) => void;
}

const NO_PROBLEMS: FormProblems = { fields: {}, rows: {} };

/** The server's field errors (`variables.2.name` …) on the form's own fields and rows. */
function serverFieldProblems(error: unknown, values: TemplateFormValues): FormProblems {
  if (!(error instanceof ApiError)) return NO_PROBLEMS;
  const problems: FormProblems = { fields: {}, rows: {} };
  for (const [path, message] of Object.entries(error.fieldErrors())) {
    const [field, index] = path.split(".");
    const text = plainFieldMessage(message);
    if (field === "variables" && index !== undefined) {
      const row = values.variables[Number(index)];
      if (row) problems.rows[row.key] = { name: text };
      else problems.fields.content = text;
    } else if (field === "variables") {
      problems.fields.content = text;
    } else if (
      field &&
      ["title", "description", "project", "tags", "content", "note"].includes(field)
    ) {
      problems.fields[field as FormField] = text;
    }
  }
  return problems;
}

/**
 * Title, description, project, tags, visibility, the content (CodeMirror with `{{variable}}`
 * highlighting and ghost text) and the variables' schema; Save (or Ctrl/Cmd-S) creates a new
 * version when the content or the schema changed. Beside it, the preview renders the saved
 * version. A template the viewer may not change opens read-only.
 */
export function TemplateEditorForm({ template, ghostText, onCreated }: TemplateEditorFormProps) {
  const [values, setValues] = useState<TemplateFormValues>(() =>
    template ? formFromTemplate(template) : emptyForm(),
  );
  const [base, setBase] = useState<TemplateRead | undefined>(template);
  const [checked, setChecked] = useState(false);
  const [serverProblems, setServerProblems] = useState<SchemaProblems | null>(null);
  const [serverFields, setServerFields] = useState<FormProblems>(NO_PROBLEMS);
  const [saved, setSaved] = useState<string | null>(null);
  const create = useCreateTemplate();
  const update = useUpdateTemplate(template?.id ?? 0);
  const complete = useCompletion("prompt");
  const formRef = useRef<HTMLFormElement>(null);
  const [focusRequest, setFocusRequest] = useState(0);
  const statusId = useId();

  const readOnly = template !== undefined && (!template.can_edit || template.archived);
  const dirty = isDirty(values, base);
  const newer = template && base && template.version !== base.version ? template : undefined;

  // Saved elsewhere (a restore on the History tab, another tab): load it unless this form
  // holds unsaved work, which the notice below lets the person keep or drop.
  useEffect(() => {
    if (newer && !isDirty(values, base)) {
      setValues(formFromTemplate(newer));
      setBase(newer);
    }
  }, [newer, values, base]);

  useEffect(() => {
    if (focusRequest === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusRequest]);

  const local = checked ? formProblems(values) : NO_PROBLEMS;
  const fieldError = (field: FormField) => local.fields[field] ?? serverFields.fields[field];
  const rowProblems = { ...serverFields.rows, ...local.rows };
  const live = schemaProblems(
    values.content,
    values.variables.map((row) => row.name.trim()),
  );

  const change = (patch: Partial<TemplateFormValues>) => {
    setValues((current) => ({ ...current, ...patch }));
    setSaved(null);
  };

  const failed = (error: unknown) => {
    setServerProblems(schemaProblemsFrom(error));
    setServerFields(serverFieldProblems(error, values));
    setFocusRequest((n) => n + 1);
  };

  const save = () => {
    if (readOnly || create.isPending || update.isPending) return;
    setChecked(true);
    setServerFields(NO_PROBLEMS);
    if (hasProblems(formProblems(values))) {
      setFocusRequest((n) => n + 1);
      return;
    }
    if (!template) {
      create.mutate(createBody(values), {
        onSuccess: (created) => onCreated?.(created),
        onError: failed,
      });
      return;
    }
    const body = updateBody(values, template);
    if (Object.keys(body).length === 0) {
      setSaved("Nothing to save: no changes.");
      return;
    }
    update.mutate(body, {
      onSuccess: (next) => {
        setValues(formFromTemplate(next));
        setBase(next);
        setServerProblems(null);
        setChecked(false);
        setSaved(
          next.version > template.version
            ? `Saved version ${next.version}.`
            : `Saved. Still version ${next.version}: the content and variables did not change.`,
        );
      },
      onError: failed,
    });
  };
  useSaveShortcut(save, !readOnly);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save();
  };
  const mutation = template ? update : create;
  const otherError =
    mutation.isError && !schemaProblemsFrom(mutation.error) && !hasProblems(serverFields)
      ? plainErrorMessage(mutation.error)
      : null;

  return (
    <div className="template-workspace">
      <form ref={formRef} className="template-form stack" onSubmit={submit} noValidate>
        {readOnly && template ? (
          <Alert tone="info">
            {template.archived
              ? "This template is archived: it can be read, not changed."
              : `Shared by ${template.owner_name}: you can read, render and use it, not change it.`}
          </Alert>
        ) : null}
        {newer && dirty ? (
          <div className="alert alert-info" role="status">
            <p>
              Version {newer.version} was saved while you were editing version {base?.version}.
            </p>
            <Button
              variant="secondary"
              onClick={() => {
                setValues(formFromTemplate(newer));
                setBase(newer);
              }}
            >
              Discard my changes and load version {newer.version}
            </Button>
          </div>
        ) : null}
        <DetailsFields values={values} readOnly={readOnly} errorOf={fieldError} onChange={change} />
        <Card title="Content">
          <p className="muted">
            Write <code>{"{{name}}"}</code> where a value goes. Tab takes a suggestion.
          </p>
          <GhostTextEditor
            className="template-editor"
            ariaLabel="Template content"
            value={values.content}
            onChange={(content) => change({ content })}
            complete={complete}
            enabled={ghostText && !readOnly}
            disabled={readOnly}
            minHeight="14rem"
            placeholder="You are a helpful guide for {{game}}…"
            extensions={variableHighlight}
          />
          {fieldError("content") ? <p className="field-error">{fieldError("content")}</p> : null}
        </Card>
        <Card title="Variables">
          <VariablesForm
            rows={values.variables}
            onChange={(variables) => change({ variables })}
            problems={live}
            serverProblems={serverProblems}
            errors={rowProblems}
            readOnly={readOnly}
          />
        </Card>
        {readOnly ? null : (
          <div className="save-bar">
            <TextField
              label="Change note"
              value={values.note}
              maxLength={LIMITS.note}
              hint="Optional: what this version changes."
              error={fieldError("note")}
              onChange={(event) => change({ note: event.target.value })}
            />
            <div className="save-actions">
              <Button type="submit" busy={mutation.isPending} aria-keyshortcuts="Control+S Meta+S">
                Save
              </Button>
              <span className="muted save-hint">
                <kbd>Ctrl</kbd>/<kbd>⌘</kbd>+<kbd>S</kbd>
              </span>
              <span id={statusId} role="status" className="save-status">
                {saved ??
                  (dirty ? "Unsaved changes" : template ? `Version ${template.version}` : "")}
              </span>
            </div>
            {serverProblems ? <SchemaRefusal problems={serverProblems} /> : null}
            {otherError ? <Alert>{otherError}</Alert> : null}
            {checked && hasProblems(local) ? (
              <Alert>Some fields need a fix before saving: see the marked fields.</Alert>
            ) : null}
          </div>
        )}
      </form>
      <aside className="template-aside">
        <Card title="Preview">
          {template ? (
            <RenderPreview
              templateId={template.id}
              version={template.version}
              variables={template.variables as VariableSpec[]}
              unsaved={dirty}
            />
          ) : (
            <p className="muted">Save the template to fill in its variables and see the prompt.</p>
          )}
        </Card>
      </aside>
    </div>
  );
}

function SchemaRefusal({ problems }: { problems: SchemaProblems }) {
  return (
    <Alert>
      Not saved: the placeholders and the variables do not match.
      {problems.unknown.length > 0
        ? ` No variable for ${problems.unknown.map((name) => `{{${name}}}`).join(", ")}.`
        : ""}
      {problems.unused.length > 0 ? ` Not used in the content: ${problems.unused.join(", ")}.` : ""}
    </Alert>
  );
}

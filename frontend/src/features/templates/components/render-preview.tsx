import { type FormEvent, useId, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { plainErrorMessage } from "@/lib/use-form-errors";
import { useRenderTemplate } from "../api";
import { renderErrorsFrom, renderValues, type ValueTexts, type VariableSpec } from "../variables";

interface RenderPreviewProps {
  templateId: number;
  /** The saved version the preview renders. */
  version: number;
  variables: VariableSpec[];
  /** The form has unsaved changes: the preview still shows the saved version. */
  unsaved?: boolean;
}

/**
 * Fill the variables and see the exact prompt the model would get: the server renders it (the
 * same code a chat session or the playground uses) and names every missing or invalid value.
 */
export function RenderPreview({ templateId, version, variables, unsaved }: RenderPreviewProps) {
  const [texts, setTexts] = useState<ValueTexts>({});
  const render = useRenderTemplate(templateId);
  const fieldErrors = renderErrorsFrom(render.error) ?? {};
  const outputId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    render.mutate({ version, variables: renderValues(variables, texts) });
  };
  const set = (name: string, value: string) =>
    setTexts((current) => ({ ...current, [name]: value }));

  return (
    <form className="render-preview" onSubmit={submit} aria-describedby={outputId}>
      <p className="muted">
        Renders version {version}
        {unsaved ? " (the saved one: save to preview your changes)" : ""}.
      </p>
      {variables.length === 0 ? <p className="muted">This version has no variables.</p> : null}
      {variables.map((variable) => (
        <ValueField
          key={variable.name}
          variable={variable}
          value={texts[variable.name] ?? ""}
          error={fieldErrors[variable.name]}
          onChange={(value) => set(variable.name, value)}
        />
      ))}
      {Object.keys(fieldErrors)
        .filter((name) => !variables.some((variable) => variable.name === name))
        .map((name) => (
          <p key={name} className="field-error">
            {name}: {fieldErrors[name]}
          </p>
        ))}
      <div className="button-row">
        <Button type="submit" busy={render.isPending}>
          Render
        </Button>
      </div>
      <div id={outputId} aria-live="polite">
        {render.isError && !renderErrorsFrom(render.error) ? (
          <Alert>{plainErrorMessage(render.error)}</Alert>
        ) : null}
        {render.isError && renderErrorsFrom(render.error) ? (
          <Alert>Some values are missing or invalid: see the fields above.</Alert>
        ) : null}
        {render.isSuccess ? (
          <section className="rendered" aria-label="Rendered prompt">
            <h3>Rendered prompt (version {render.data.version})</h3>
            <pre className="rendered-text">{render.data.prompt}</pre>
          </section>
        ) : null}
      </div>
    </form>
  );
}

function ValueField({
  variable,
  value,
  error,
  onChange,
}: {
  variable: VariableSpec;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}) {
  const id = useId();
  const type = variable.type ?? "text";
  const fallback = variable.default;
  const hint = [
    variable.description,
    type === "text" ? null : type,
    variable.required === false ? "optional" : null,
    fallback !== null && fallback !== undefined ? `default: ${String(fallback)}` : null,
  ]
    .filter(Boolean)
    .join(" · ");
  const aria = {
    id,
    "aria-invalid": error ? (true as const) : undefined,
    "aria-describedby":
      [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") ||
      undefined,
  };
  let control: React.ReactNode;
  if (type === "choice" || type === "boolean") {
    const options = type === "boolean" ? ["true", "false"] : (variable.choices ?? []);
    control = (
      <select {...aria} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">
          {fallback !== null && fallback !== undefined ? "Default" : "Not set"}
        </option>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    );
  } else if (type === "number") {
    control = (
      <input
        {...aria}
        inputMode="decimal"
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    );
  } else {
    control = (
      <textarea
        {...aria}
        rows={2}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    );
  }
  return (
    <div className="field">
      <label htmlFor={id} className="mono">
        {variable.name}
      </label>
      {control}
      {hint ? (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

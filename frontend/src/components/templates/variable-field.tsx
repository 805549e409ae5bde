import { useId } from "react";
import { TextField } from "@/components/ui/text-field";
import { type FieldValue, type VariableSpec, variableHint } from "@/lib/template-variables";

export interface VariableFieldProps {
  spec: VariableSpec;
  value: FieldValue | undefined;
  onChange: (value: FieldValue) => void;
  error?: string | undefined;
  disabled?: boolean;
  /** Field ids must be unique on the page (several inputs share variable names). */
  idPrefix?: string;
}

/** One template variable as a form control, labelled by the variable's name. */
export function VariableField({
  spec,
  value,
  onChange,
  error,
  disabled,
  idPrefix,
}: VariableFieldProps) {
  const generated = useId();
  const id = `${idPrefix ?? generated}-${spec.name}`;
  const hint = variableHint(spec);
  if (spec.type === "boolean") {
    return (
      <div className="field toggle variable-field">
        <label htmlFor={id}>
          <input
            id={id}
            type="checkbox"
            checked={value === true}
            disabled={disabled}
            onChange={(event) => onChange(event.target.checked)}
          />
          {spec.name}
        </label>
        {hint ? <p className="field-hint">{hint}</p> : null}
      </div>
    );
  }
  if (spec.type === "choice") {
    const hintId = `${id}-hint`;
    const errorId = `${id}-error`;
    const described = [hint ? hintId : "", error ? errorId : ""].filter(Boolean).join(" ");
    return (
      <div className="field variable-field">
        <label htmlFor={id}>{spec.name}</label>
        <select
          id={id}
          value={typeof value === "string" ? value : ""}
          disabled={disabled}
          aria-invalid={error ? true : undefined}
          aria-describedby={described || undefined}
          onChange={(event) => onChange(event.target.value)}
        >
          <option value="">Choose…</option>
          {(spec.choices ?? []).map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
        {hint ? (
          <p id={hintId} className="field-hint">
            {hint}
          </p>
        ) : null}
        {error ? (
          <p id={errorId} className="field-error">
            {error}
          </p>
        ) : null}
      </div>
    );
  }
  return (
    <TextField
      id={id}
      className="variable-field"
      label={spec.name}
      hint={hint}
      error={error}
      disabled={disabled}
      inputMode={spec.type === "number" ? "decimal" : undefined}
      placeholder={
        spec.default !== undefined && spec.default !== null ? String(spec.default) : undefined
      }
      value={typeof value === "string" ? value : ""}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}

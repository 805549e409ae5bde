import { useId } from "react";
import { Button } from "@/components/ui/button";
import {
  choiceList,
  newRow,
  type RowErrors,
  type SchemaProblems,
  VARIABLE_TYPES,
  type VariableRow,
  type VariableType,
} from "../variables";

interface VariablesFormProps {
  rows: VariableRow[];
  onChange: (rows: VariableRow[]) => void;
  /** Placeholders without a variable and variables without a placeholder. */
  problems: SchemaProblems;
  /** The last save's refusal (the server's `details`), shown by name until fixed. */
  serverProblems: SchemaProblems | null;
  errors: Record<string, RowErrors>;
  readOnly: boolean;
}

/**
 * The typed schema of a template's variables: one group of fields per variable, the
 * placeholders the content uses but nobody declared (one click adds them), and the declared
 * variables the content never uses.
 */
export function VariablesForm({
  rows,
  onChange,
  problems,
  serverProblems,
  errors,
  readOnly,
}: VariablesFormProps) {
  const update = (key: string, patch: Partial<VariableRow>) =>
    onChange(rows.map((row) => (row.key === key ? { ...row, ...patch } : row)));
  const remove = (key: string) => onChange(rows.filter((row) => row.key !== key));
  const add = (names: string[]) => onChange([...rows, ...names.map((name) => newRow(name))]);
  const unknown = problems.unknown;
  const unused = new Set(problems.unused);
  const refusedUnknown = serverProblems?.unknown.filter((name) => unknown.includes(name)) ?? [];

  return (
    <div className="variables">
      {unknown.length > 0 ? (
        <div
          className={refusedUnknown.length > 0 ? "alert alert-error" : "alert alert-info"}
          role={refusedUnknown.length > 0 ? "alert" : "status"}
        >
          <p className="placeholder-notice">
            {unknown.length === 1 ? "This placeholder has" : "These placeholders have"} no variable
            yet: {unknown.map((name) => `{{${name}}}`).join(", ")}
          </p>
          {readOnly ? null : (
            <div className="button-row">
              {unknown.map((name) => (
                <Button key={name} variant="secondary" onClick={() => add([name])}>
                  Add {name}
                </Button>
              ))}
              {unknown.length > 1 ? (
                <Button variant="ghost" onClick={() => add(unknown)}>
                  Add all
                </Button>
              ) : null}
            </div>
          )}
        </div>
      ) : null}
      {rows.length === 0 ? (
        <p className="muted">
          No variables. Write <code>{"{{name}}"}</code> in the content where a value goes.
        </p>
      ) : (
        <ul className="variable-rows">
          {rows.map((row) => (
            <li key={row.key}>
              <VariableFields
                row={row}
                errors={errors[row.key] ?? {}}
                unused={unused.has(row.name.trim())}
                refused={serverProblems?.unused.includes(row.name.trim()) ?? false}
                readOnly={readOnly}
                onChange={(patch) => update(row.key, patch)}
                onRemove={() => remove(row.key)}
              />
            </li>
          ))}
        </ul>
      )}
      {readOnly ? null : (
        <Button variant="secondary" onClick={() => add([""])} disabled={rows.length >= 50}>
          Add variable
        </Button>
      )}
    </div>
  );
}

interface VariableFieldsProps {
  row: VariableRow;
  errors: RowErrors;
  unused: boolean;
  refused: boolean;
  readOnly: boolean;
  onChange: (patch: Partial<VariableRow>) => void;
  onRemove: () => void;
}

function VariableFields({
  row,
  errors,
  unused,
  refused,
  readOnly,
  onChange,
  onRemove,
}: VariableFieldsProps) {
  const id = useId();
  const name = row.name.trim() || "(unnamed)";
  const described = (field: string, error: string | undefined) =>
    error ? `${id}-${field}-error` : undefined;
  return (
    <fieldset className="variable" disabled={readOnly}>
      <legend>Variable {name}</legend>
      {unused ? (
        <p className={refused ? "field-error" : "field-hint variable-unused"}>
          {`{{${name}}}`} is not used in the content: use it or remove the variable.
        </p>
      ) : null}
      <div className="variable-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            className="mono"
            value={row.name}
            maxLength={64}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={described("name", errors.name)}
            onChange={(event) => onChange({ name: event.target.value })}
          />
          {errors.name ? (
            <p id={`${id}-name-error`} className="field-error">
              {errors.name}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor={`${id}-type`}>Type</label>
          <select
            id={`${id}-type`}
            value={row.type}
            onChange={(event) =>
              onChange({ type: event.target.value as VariableType, defaultValue: "" })
            }
          >
            {VARIABLE_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </div>
        <DefaultField row={row} error={errors.defaultValue} id={id} onChange={onChange} />
        <div className="field variable-required">
          <label>
            <input
              type="checkbox"
              checked={row.required}
              onChange={(event) => onChange({ required: event.target.checked })}
            />{" "}
            Required
          </label>
        </div>
      </div>
      {row.type === "choice" ? (
        <div className="field">
          <label htmlFor={`${id}-choices`}>Choices</label>
          <textarea
            id={`${id}-choices`}
            rows={3}
            value={row.choices}
            aria-invalid={errors.choices ? true : undefined}
            aria-describedby={`${id}-choices-hint${errors.choices ? ` ${id}-choices-error` : ""}`}
            onChange={(event) => onChange({ choices: event.target.value })}
          />
          <p id={`${id}-choices-hint`} className="field-hint">
            One per line.
          </p>
          {errors.choices ? (
            <p id={`${id}-choices-error`} className="field-error">
              {errors.choices}
            </p>
          ) : null}
        </div>
      ) : null}
      <div className="variable-last">
        <div className="field">
          <label htmlFor={`${id}-description`}>Description</label>
          <input
            id={`${id}-description`}
            value={row.description}
            maxLength={500}
            aria-invalid={errors.description ? true : undefined}
            onChange={(event) => onChange({ description: event.target.value })}
          />
        </div>
        {readOnly ? null : (
          <Button variant="ghost" aria-label={`Remove variable ${name}`} onClick={onRemove}>
            Remove
          </Button>
        )}
      </div>
    </fieldset>
  );
}

function DefaultField({
  row,
  error,
  id,
  onChange,
}: {
  row: VariableRow;
  error: string | undefined;
  id: string;
  onChange: (patch: Partial<VariableRow>) => void;
}) {
  const fieldId = `${id}-default`;
  const aria = {
    id: fieldId,
    "aria-invalid": error ? (true as const) : undefined,
    "aria-describedby": error ? `${fieldId}-error` : undefined,
  };
  let control: React.ReactNode;
  if (row.type === "boolean" || row.type === "choice") {
    const options = row.type === "boolean" ? ["true", "false"] : choiceList(row.choices);
    control = (
      <select
        {...aria}
        value={row.defaultValue}
        onChange={(event) => onChange({ defaultValue: event.target.value })}
      >
        <option value="">No default</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    );
  } else {
    control = (
      <input
        {...aria}
        inputMode={row.type === "number" ? "decimal" : undefined}
        value={row.defaultValue}
        placeholder="No default"
        onChange={(event) => onChange({ defaultValue: event.target.value })}
      />
    );
  }
  return (
    <div className="field">
      <label htmlFor={fieldId}>Default</label>
      {control}
      {error ? (
        <p id={`${fieldId}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

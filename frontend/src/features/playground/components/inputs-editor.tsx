import { VariableField } from "@/components/templates/variable-field";
import { Button } from "@/components/ui/button";
import { TextAreaField } from "@/components/ui/text-field";
import type { FieldValue, VariableSpec } from "@/lib/template-variables";
import { type InputRow, MAX_INPUTS, MAX_MESSAGE } from "../playground-form";

interface InputRowEditorProps {
  index: number;
  row: InputRow;
  specs: VariableSpec[];
  errors: Record<string, string> | undefined;
  onChange: (row: InputRow) => void;
  onRemove?: (() => void) | undefined;
  disabled: boolean;
}

/** One input: a value for each variable of the chosen versions, and an optional message. */
function InputRowEditor({
  index,
  row,
  specs,
  errors,
  onChange,
  onRemove,
  disabled,
}: InputRowEditorProps) {
  const name = `Input ${index + 1}`;
  const setField = (field: string, value: FieldValue) =>
    onChange({ ...row, fields: { ...row.fields, [field]: value } });
  return (
    <fieldset className="playground-input" disabled={disabled}>
      <legend>{name}</legend>
      {specs.length > 0 ? (
        <div className="playground-variables">
          {specs.map((spec) => (
            <VariableField
              key={spec.name}
              idPrefix={row.key}
              spec={spec}
              value={row.fields[spec.name]}
              error={errors?.[spec.name]}
              onChange={(value) => setField(spec.name, value)}
            />
          ))}
        </div>
      ) : null}
      <TextAreaField
        id={`${row.key}-message`}
        label="Message"
        rows={2}
        maxLength={MAX_MESSAGE}
        hint="Optional. With a message, the rendered template is the system prompt and this is the user's turn; without one, the rendered template is the user's turn."
        value={row.message}
        onChange={(event) => onChange({ ...row, message: event.target.value })}
      />
      {onRemove ? (
        <Button variant="ghost" className="playground-remove" onClick={onRemove}>
          Remove <span className="visually-hidden">{name.toLowerCase()}</span>
        </Button>
      ) : null}
    </fieldset>
  );
}

interface InputsEditorProps {
  inputs: InputRow[];
  specs: VariableSpec[];
  errors: Record<number, Record<string, string>>;
  onChange: (inputs: InputRow[]) => void;
  onAdd: () => void;
  disabled: boolean;
}

/** The inputs to run every version on, 1 to 10 (the grid's rows). */
export function InputsEditor({
  inputs,
  specs,
  errors,
  onChange,
  onAdd,
  disabled,
}: InputsEditorProps) {
  return (
    <section className="playground-section" aria-labelledby="playground-inputs">
      <h2 id="playground-inputs">Inputs</h2>
      {inputs.map((row, index) => (
        <InputRowEditor
          key={row.key}
          index={index}
          row={row}
          specs={specs}
          errors={errors[index]}
          disabled={disabled}
          onChange={(next) => onChange(inputs.map((item) => (item.key === row.key ? next : item)))}
          onRemove={
            inputs.length > 1
              ? () => onChange(inputs.filter((item) => item.key !== row.key))
              : undefined
          }
        />
      ))}
      <div className="button-row">
        <Button
          variant="secondary"
          onClick={onAdd}
          disabled={disabled || inputs.length >= MAX_INPUTS}
        >
          Add input
        </Button>
      </div>
    </section>
  );
}

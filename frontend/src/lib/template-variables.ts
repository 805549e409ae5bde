/**
 * A template's typed variables as form fields: what each field starts as, which must be
 * filled, and how the typed text becomes the JSON value the server renders with (numbers as
 * numbers, booleans as booleans, an empty optional field left out so the server uses its
 * default). Pure, so the rules are tested alone.
 */

export type VariableType = "text" | "number" | "choice" | "boolean";

/** A variable as the templates API describes it. */
export interface VariableSpec {
  name: string;
  type?: VariableType | undefined;
  required?: boolean | undefined;
  default?: string | number | boolean | null | undefined;
  choices?: string[] | null | undefined;
  description?: string | undefined;
}

/** What a field holds: text for text, number and choice fields; a boolean for a checkbox. */
export type FieldValue = string | boolean;
export type FieldValues = Record<string, FieldValue>;
export type VariableValue = string | number | boolean;

/** A value has to be typed in: required and the template gives no default. */
export function needsValue(spec: VariableSpec): boolean {
  return spec.required !== false && (spec.default === undefined || spec.default === null);
}

/** What a field shows before anyone types (a checkbox starts at its default). */
export function initialValue(spec: VariableSpec): FieldValue {
  if (spec.type === "boolean") return spec.default === true;
  return "";
}

export function initialValues(specs: VariableSpec[]): FieldValues {
  return Object.fromEntries(specs.map((spec) => [spec.name, initialValue(spec)]));
}

/**
 * The variables of several templates as one form: each name once, in first-seen order, with
 * its first definition; it must be filled when any of them needs it.
 */
export function unionVariables(lists: VariableSpec[][]): VariableSpec[] {
  const byName = new Map<string, VariableSpec>();
  for (const list of lists) {
    for (const spec of list) {
      const known = byName.get(spec.name);
      if (!known) byName.set(spec.name, spec);
      else if (needsValue(spec) && !needsValue(known)) {
        byName.set(spec.name, { ...known, required: true, default: null });
      }
    }
  }
  return [...byName.values()];
}

export type Parsed = { value?: VariableValue; error?: string };

/** One field's value for the server, or why it cannot be sent. */
export function parseValue(spec: VariableSpec, raw: FieldValue | undefined): Parsed {
  if (spec.type === "boolean") return { value: raw === true };
  const text = typeof raw === "string" ? raw : "";
  if (text.trim() === "") return needsValue(spec) ? { error: "Required" } : {};
  if (spec.type === "number") {
    const number = Number(text.trim());
    return Number.isFinite(number) ? { value: number } : { error: "Enter a number" };
  }
  if (spec.type === "choice" && !(spec.choices ?? []).includes(text)) {
    return { error: "Pick one of the choices" };
  }
  return { value: text };
}

export interface CollectedValues {
  values: Record<string, VariableValue>;
  /** Field errors by variable name; empty when everything can be sent. */
  errors: Record<string, string>;
}

/** All fields of a form: the values to send and the errors to show. */
export function collectValues(specs: VariableSpec[], fields: FieldValues): CollectedValues {
  const values: Record<string, VariableValue> = {};
  const errors: Record<string, string> = {};
  for (const spec of specs) {
    const parsed = parseValue(spec, fields[spec.name]);
    if (parsed.error) errors[spec.name] = parsed.error;
    else if (parsed.value !== undefined) values[spec.name] = parsed.value;
  }
  return { values, errors };
}

/** Typed values back as field contents (a stored run or session reopened). */
export function fieldValues(
  specs: VariableSpec[],
  values: Record<string, unknown> | null | undefined,
): FieldValues {
  const fields = initialValues(specs);
  for (const [name, value] of Object.entries(values ?? {})) {
    if (typeof value === "boolean") fields[name] = value;
    else if (typeof value === "string" || typeof value === "number") fields[name] = String(value);
  }
  return fields;
}

/** The hint under a field: its description and, when set, its default. */
export function variableHint(spec: VariableSpec): string | undefined {
  const parts: string[] = [];
  if (spec.description) parts.push(spec.description);
  if (spec.default !== undefined && spec.default !== null && spec.type !== "boolean") {
    parts.push(`Default: ${String(spec.default)}`);
  }
  if (spec.required === false && parts.length === 0) parts.push("Optional");
  return parts.length ? parts.join(" · ") : undefined;
}

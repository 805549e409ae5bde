/**
 * A template's variables in the browser: the placeholders its content uses, the schema form's
 * rows and the values a render is filled with.
 *
 * The placeholder rule mirrors the backend's (app/templates/render.py), so the editor can say
 * what saving would report (`unknown` placeholders, `unused` variables) while the person types.
 * The server stays the judge: its 400 details are shown by name as well.
 */
import { ApiError } from "@/api/http";
import { PLACEHOLDER_PATTERN } from "@/components/editor/variable-highlight";

export const VARIABLE_TYPES = ["text", "number", "choice", "boolean"] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];
export type VariableValue = string | number | boolean;

/** A declared variable as the API reads and writes it (`TemplateVariable`). */
export interface VariableSpec {
  name: string;
  type?: VariableType;
  required?: boolean;
  default?: VariableValue | null;
  choices?: string[] | null;
  description?: string;
}

export const MAX_VARIABLES = 50;
export const MAX_CHOICES = 50;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** The distinct placeholder names in `content`, in the order they first appear. */
export function placeholders(content: string): string[] {
  const names = new Set<string>();
  for (const match of content.matchAll(PLACEHOLDER_PATTERN)) {
    if (match[1]) names.add(match[1]);
  }
  return [...names];
}

export interface SchemaProblems {
  /** Placeholders no variable declares. */
  unknown: string[];
  /** Declared variables no placeholder uses. */
  unused: string[];
}

export function schemaProblems(content: string, names: readonly string[]): SchemaProblems {
  const used = placeholders(content);
  return {
    unknown: used.filter((name) => !names.includes(name)),
    unused: names.filter((name) => !used.includes(name)),
  };
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === "string")
    ? (value as string[])
    : undefined;
}

/** The `details` of a save refused for schema problems, or null for any other failure. */
export function schemaProblemsFrom(error: unknown): SchemaProblems | null {
  if (!(error instanceof ApiError) || error.status !== 400) return null;
  const details = error.details as { unknown?: unknown; unused?: unknown } | null | undefined;
  if (typeof details !== "object" || details === null || Array.isArray(details)) return null;
  const unknown = stringList(details.unknown);
  const unused = stringList(details.unused);
  if (!unknown && !unused) return null;
  return { unknown: unknown ?? [], unused: unused ?? [] };
}

/* The schema form: one row per variable, every field as the person typed it. */

export interface VariableRow {
  /** Stable React key; never sent. */
  key: string;
  name: string;
  type: VariableType;
  required: boolean;
  /** "" for no default; "true"/"false" for a boolean. */
  defaultValue: string;
  /** One choice per line (choice variables only). */
  choices: string;
  description: string;
}

export type RowField = "name" | "defaultValue" | "choices" | "description";
export type RowErrors = Partial<Record<RowField, string>>;

let rowCounter = 0;
function nextKey(): string {
  rowCounter += 1;
  return `variable-${rowCounter}`;
}

export function newRow(name = ""): VariableRow {
  return {
    key: nextKey(),
    name,
    type: "text",
    required: true,
    defaultValue: "",
    choices: "",
    description: "",
  };
}

export function rowFromVariable(variable: VariableSpec): VariableRow {
  const fallback = variable.default;
  return {
    key: nextKey(),
    name: variable.name,
    type: variable.type ?? "text",
    required: variable.required ?? true,
    defaultValue: fallback === null || fallback === undefined ? "" : String(fallback),
    choices: (variable.choices ?? []).join("\n"),
    description: variable.description ?? "",
  };
}

export function choiceList(text: string): string[] {
  return [
    ...new Set(
      text
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean),
    ),
  ];
}

function defaultOf(row: VariableRow): VariableValue | null {
  const text = row.type === "text" ? row.defaultValue : row.defaultValue.trim();
  if (text === "") return null;
  if (row.type === "number") return Number(text);
  if (row.type === "boolean") return text === "true";
  return text;
}

/** The row as the API takes it (call `rowErrors` first: this does not check). */
export function variableFromRow(row: VariableRow): VariableSpec {
  return {
    name: row.name.trim(),
    type: row.type,
    required: row.required,
    default: defaultOf(row),
    choices: row.type === "choice" ? choiceList(row.choices) : null,
    description: row.description,
  };
}

function nameProblem(name: string, taken: boolean): string | undefined {
  if (!name) return "Enter a name.";
  if (!NAME.test(name)) {
    return "Use letters, digits and _ (not starting with a digit), at most 64 characters.";
  }
  return taken ? "Another variable has this name." : undefined;
}

function defaultProblem(row: VariableRow, choices: string[]): string | undefined {
  const text = row.defaultValue.trim();
  if (!text) return undefined;
  if (row.type === "number" && (!NUMBER.test(text) || !Number.isFinite(Number(text)))) {
    return "Enter a number, or leave it empty.";
  }
  if (row.type === "choice" && !choices.includes(text)) return "Pick one of the choices.";
  return undefined;
}

/** What is wrong with each row, by key; rows without a problem are absent. */
export function rowErrors(rows: readonly VariableRow[]): Record<string, RowErrors> {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.name.trim(), (counts.get(row.name.trim()) ?? 0) + 1);
  const out: Record<string, RowErrors> = {};
  for (const row of rows) {
    const name = row.name.trim();
    const choices = choiceList(row.choices);
    const errors: RowErrors = {};
    const nameError = nameProblem(name, (counts.get(name) ?? 0) > 1);
    if (nameError) errors.name = nameError;
    if (row.type === "choice" && choices.length === 0) errors.choices = "Add at least one choice.";
    if (row.type === "choice" && choices.length > MAX_CHOICES) {
      errors.choices = `Use at most ${MAX_CHOICES} choices.`;
    }
    const defaultError = defaultProblem(row, choices);
    if (defaultError) errors.defaultValue = defaultError;
    if (row.description.length > 500) errors.description = "Use at most 500 characters.";
    if (Object.keys(errors).length > 0) out[row.key] = errors;
  }
  return out;
}

/* Rendering: the values form and the errors a render reports. */

/** Values as typed, by variable name ("" = not given). */
export type ValueTexts = Record<string, string>;

/**
 * The `variables` of a render request. Blank fields are left out, so the server applies the
 * default or reports the variable as missing; a number that does not parse is sent as typed,
 * so the server names it invalid in its own words.
 */
export function renderValues(
  variables: readonly VariableSpec[],
  texts: ValueTexts,
): Record<string, VariableValue> {
  const out: Record<string, VariableValue> = {};
  for (const variable of variables) {
    const text = texts[variable.name] ?? "";
    const type = variable.type ?? "text";
    if (type === "text" ? text === "" : text.trim() === "") continue;
    if (type === "number") {
      const trimmed = text.trim();
      out[variable.name] = NUMBER.test(trimmed) ? Number(trimmed) : trimmed;
    } else if (type === "boolean") {
      out[variable.name] = text === "true";
    } else {
      out[variable.name] = text;
    }
  }
  return out;
}

/** A render's `invalid_variables` details as one message per field name; null otherwise. */
export function renderErrorsFrom(error: unknown): Record<string, string> | null {
  if (!(error instanceof ApiError) || error.code !== "invalid_variables") return null;
  const details = error.details as { missing?: unknown; invalid?: unknown } | null | undefined;
  const out: Record<string, string> = {};
  for (const name of stringList(details?.missing) ?? [])
    out[name] = "Give a value: it is required.";
  const invalid = Array.isArray(details?.invalid) ? details.invalid : [];
  for (const item of invalid as { name?: unknown; reason?: unknown }[]) {
    if (typeof item?.name === "string" && typeof item.reason === "string") {
      out[item.name] = `It ${item.reason}.`;
    }
  }
  return out;
}

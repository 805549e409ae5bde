/**
 * The editor's form as plain values: built from a template, checked with the API's rules
 * (app/templates/schemas.py) before anything is sent, and turned into the create or update
 * body. An update sends only what changed, and content and variables together, because either
 * one makes a new version.
 */
import type { TemplateRead } from "./api";
import {
  type RowErrors,
  rowErrors,
  rowFromVariable,
  type VariableRow,
  type VariableSpec,
  variableFromRow,
} from "./variables";

export type Visibility = "private" | "shared";

export interface TemplateFormValues {
  title: string;
  description: string;
  project: string;
  /** Comma-separated, as typed. */
  tags: string;
  visibility: Visibility;
  content: string;
  variables: VariableRow[];
  note: string;
}

export type FormField = "title" | "description" | "project" | "tags" | "content" | "note";

export interface FormProblems {
  fields: Partial<Record<FormField, string>>;
  rows: Record<string, RowErrors>;
}

export const LIMITS = {
  title: 200,
  description: 2_000,
  content: 32_000,
  note: 500,
  tags: 20,
  tag: 40,
  variables: 50,
} as const;

const PROJECT = /^[A-Za-z0-9_-]{1,64}$/;
const TAG = /^[\p{L}\p{N}_ .:-]+$/u;

export function emptyForm(): TemplateFormValues {
  return {
    title: "",
    description: "",
    project: "",
    tags: "",
    visibility: "private",
    content: "",
    variables: [],
    note: "",
  };
}

export function formFromTemplate(template: TemplateRead): TemplateFormValues {
  return {
    title: template.title,
    description: template.description,
    project: template.project ?? "",
    tags: template.tags.join(", "),
    visibility: template.visibility,
    content: template.content,
    variables: (template.variables as VariableSpec[]).map(rowFromVariable),
    note: "",
  };
}

/** Tags compare without case or surrounding spaces; each is kept once, in order. */
export function tagList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(",")
        .map((tag) => tag.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
}

function length(text: string): number {
  return [...text].length;
}

function tagsProblem(text: string): string | undefined {
  const tags = tagList(text);
  if (tags.length > LIMITS.tags) return `Use at most ${LIMITS.tags} tags.`;
  const long = tags.find((tag) => length(tag) > LIMITS.tag);
  if (long) return `Keep each tag to ${LIMITS.tag} characters ("${long}" is longer).`;
  const odd = tags.find((tag) => !TAG.test(tag));
  if (odd) return `Use letters, digits, spaces and _ . : - in tags ("${odd}").`;
  return undefined;
}

export function formProblems(values: TemplateFormValues): FormProblems {
  const fields: FormProblems["fields"] = {};
  if (!values.title.trim()) fields.title = "Enter a title.";
  else if (length(values.title) > LIMITS.title)
    fields.title = `Use at most ${LIMITS.title} characters.`;
  if (length(values.description) > LIMITS.description) {
    fields.description = `Use at most ${LIMITS.description} characters.`;
  }
  const project = values.project.trim();
  if (project && !PROJECT.test(project)) {
    fields.project = "Use letters, digits, _ and - (at most 64), or leave it empty.";
  }
  const tags = tagsProblem(values.tags);
  if (tags) fields.tags = tags;
  if (!values.content.trim()) fields.content = "Write the prompt.";
  else if (length(values.content) > LIMITS.content) {
    fields.content = `Use at most ${LIMITS.content.toLocaleString("en")} characters.`;
  }
  if (values.variables.length > LIMITS.variables) {
    fields.content = `Use at most ${LIMITS.variables} variables.`;
  }
  if (length(values.note) > LIMITS.note) fields.note = `Use at most ${LIMITS.note} characters.`;
  return { fields, rows: rowErrors(values.variables) };
}

export function hasProblems(problems: FormProblems): boolean {
  return Object.keys(problems.fields).length > 0 || Object.keys(problems.rows).length > 0;
}

function variablesOf(rows: readonly VariableRow[]): VariableSpec[] {
  return rows.map(variableFromRow);
}

export function createBody(values: TemplateFormValues) {
  return {
    title: values.title.trim(),
    description: values.description,
    project: values.project.trim() || null,
    tags: tagList(values.tags),
    visibility: values.visibility,
    content: values.content,
    variables: variablesOf(values.variables),
    note: values.note.trim(),
  };
}

/** The saved variables in the form's own canonical shape, for comparing. */
function canonicalVariables(variables: readonly VariableSpec[]): string {
  return JSON.stringify(variables.map((variable) => variableFromRow(rowFromVariable(variable))));
}

export interface UpdateBody {
  title?: string;
  description?: string;
  project?: string | null;
  tags?: string[];
  visibility?: Visibility;
  content?: string;
  variables?: VariableSpec[];
  note?: string;
}

/** Only the changed fields; empty when nothing changed (the note alone is not a change). */
export function updateBody(values: TemplateFormValues, saved: TemplateRead): UpdateBody {
  const body: UpdateBody = {};
  const next = createBody(values);
  if (next.title !== saved.title) body.title = next.title;
  if (next.description !== saved.description) body.description = next.description;
  if (next.project !== (saved.project ?? null)) body.project = next.project;
  if (next.tags.join(",") !== saved.tags.join(",")) body.tags = next.tags;
  if (next.visibility !== saved.visibility) body.visibility = next.visibility;
  const variablesChanged =
    JSON.stringify(next.variables) !== canonicalVariables(saved.variables as VariableSpec[]);
  if (next.content !== saved.content || variablesChanged) {
    body.content = next.content;
    body.variables = next.variables;
    body.note = next.note;
  }
  return body;
}

export function isDirty(values: TemplateFormValues, saved: TemplateRead | undefined): boolean {
  if (!saved) return values.title.trim() !== "" || values.content.trim() !== "";
  return Object.keys(updateBody(values, saved)).length > 0 || values.note.trim() !== "";
}

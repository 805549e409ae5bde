/**
 * The template a new chat starts from: none (the plain system prompt), or a template, one of
 * its versions (latest, a label, a number) and the values of its variables. Pure, so what a
 * turn sends and what a session shows are tested alone.
 */
import type { SessionTemplateRead, TemplateRefIn } from "@/api/client";
import { refFields, type VersionRef } from "@/lib/template-refs";
import {
  collectValues,
  type FieldValues,
  initialValues,
  type VariableSpec,
  type VariableValue,
} from "@/lib/template-variables";

export interface TemplateChoice {
  /** `null`: no template (the chat's system prompt field is used instead). */
  templateId: number | null;
  ref: VersionRef;
  fields: FieldValues;
}

export const NO_TEMPLATE: TemplateChoice = {
  templateId: null,
  ref: { kind: "latest" },
  fields: {},
};

/** What a new chat's first turn sends for its template, or the fields still to fill. */
export type TemplateStart =
  | { ok: true; template: TemplateRefIn; variables: Record<string, VariableValue> }
  | { ok: false; errors: Record<string, string> };

/**
 * The template part of a new chat's first turn. `specs` are the chosen version's variables;
 * `undefined` while they load (nothing can be sent yet).
 */
export function templateStart(
  choice: TemplateChoice & { templateId: number },
  specs: VariableSpec[] | undefined,
): TemplateStart {
  if (!specs) return { ok: false, errors: {} };
  // A field never touched holds its initial value (a checkbox its default).
  const { values, errors } = collectValues(specs, { ...initialValues(specs), ...choice.fields });
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    template: { id: choice.templateId, ...refFields(choice.ref) },
    variables: values,
  };
}

/** "Story teller · production (v3)": the template a session runs, as its header says it. */
export function sessionTemplateName(template: SessionTemplateRead): string {
  const name = template.title ?? `Template #${template.id}`;
  return template.label
    ? `${name} · ${template.label} (v${template.version})`
    : `${name} · v${template.version}`;
}

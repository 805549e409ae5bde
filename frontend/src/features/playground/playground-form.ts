/**
 * What the playground form holds (the chosen template versions, the inputs, sampling) and the
 * run request it becomes. A version is named the way a session names one: the latest, a fixed
 * version, or a label resolved when the run starts. Pure, so the limits and the checks are
 * tested alone.
 */
import { refFields, refFromFields, type VersionRef } from "@/lib/template-refs";
import {
  collectValues,
  type FieldValues,
  fieldValues,
  type VariableSpec,
  type VariableValue,
} from "@/lib/template-variables";

/** The server's limits (http-api.md): at most 6 versions, 10 inputs, 24 cells per run. */
export const MAX_VERSIONS = 6;
export const MAX_INPUTS = 10;
export const MAX_CELLS = 24;
export const MAX_MESSAGE = 32_000;

export interface VersionChoice {
  key: string;
  templateId: number | null;
  ref: VersionRef;
}

export interface InputRow {
  key: string;
  fields: FieldValues;
  message: string;
}

export interface Sampling {
  temperature: string;
  maxTokens: string;
}

/** A version as the run request names it. */
export interface WireVersionRef {
  template_id: number;
  version?: number;
  label?: string;
}

export interface WireInput {
  variables: Record<string, VariableValue>;
  message?: string;
}

export interface PlaygroundRequest {
  versions: WireVersionRef[];
  inputs: WireInput[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
}

let nextKey = 0;
const newKey = (prefix: string) => `${prefix}${++nextKey}`;

export const newVersionChoice = (templateId: number | null = null): VersionChoice => ({
  key: newKey("v"),
  templateId,
  ref: { kind: "latest" },
});

export const newInputRow = (fields: FieldValues = {}, message = ""): InputRow => ({
  key: newKey("i"),
  fields,
  message,
});

export const DEFAULT_SAMPLING: Sampling = { temperature: "", maxTokens: "" };

export function wireRef(choice: VersionChoice & { templateId: number }): WireVersionRef {
  return { template_id: choice.templateId, ...refFields(choice.ref) };
}

export interface FormProblems {
  /** Field errors per input row (by row index), by variable name. */
  inputs: Record<number, Record<string, string>>;
  /** One sentence about the form as a whole, when the run cannot start. */
  form?: string;
  temperature?: string;
  maxTokens?: string;
}

export const hasProblems = (problems: FormProblems) =>
  problems.form !== undefined ||
  problems.temperature !== undefined ||
  problems.maxTokens !== undefined ||
  Object.keys(problems.inputs).length > 0;

function parseSampling(sampling: Sampling, problems: FormProblems) {
  const out: { temperature?: number; max_tokens?: number } = {};
  if (sampling.temperature.trim() !== "") {
    const value = Number(sampling.temperature);
    if (Number.isFinite(value) && value >= 0 && value <= 2) out.temperature = value;
    else problems.temperature = "Between 0 and 2";
  }
  if (sampling.maxTokens.trim() !== "") {
    const value = Number(sampling.maxTokens);
    if (Number.isInteger(value) && value >= 1 && value <= 8192) out.max_tokens = value;
    else problems.maxTokens = "A whole number from 1 to 8192";
  }
  return out;
}

function formProblem(versions: VersionChoice[], inputs: InputRow[]): string | undefined {
  if (versions.length === 0 || versions.some((choice) => choice.templateId === null)) {
    return "Choose a template for every version.";
  }
  if (inputs.length === 0) return "Add at least one input.";
  if (versions.length > MAX_VERSIONS) return `At most ${MAX_VERSIONS} versions.`;
  if (inputs.length > MAX_INPUTS) return `At most ${MAX_INPUTS} inputs.`;
  if (versions.length * inputs.length > MAX_CELLS) {
    return `At most ${MAX_CELLS} cells per run (versions × inputs).`;
  }
  return undefined;
}

/**
 * The run request for the form, or what stops it: every version needs a template, every input
 * a value for each variable that must be filled, and the grid stays within the server's limits.
 */
export function buildRequest(
  versions: VersionChoice[],
  inputs: InputRow[],
  specs: VariableSpec[],
  sampling: Sampling,
): { request?: PlaygroundRequest; problems: FormProblems } {
  const problems: FormProblems = { inputs: {} };
  const form = formProblem(versions, inputs);
  if (form) problems.form = form;
  const wireInputs = inputs.map((row, index) => {
    const { values, errors } = collectValues(specs, row.fields);
    if (Object.keys(errors).length > 0) problems.inputs[index] = errors;
    const message = row.message.trim();
    return message ? { variables: values, message: row.message } : { variables: values };
  });
  const samplingValues = parseSampling(sampling, problems);
  if (hasProblems(problems)) return { problems };
  return {
    problems,
    request: {
      versions: versions.map((choice) => wireRef(choice as VersionChoice & { templateId: number })),
      inputs: wireInputs,
      ...samplingValues,
    },
  };
}

/** The request of one cell run again on its own: that version and that input. */
export function cellRequest(request: PlaygroundRequest, v: number, i: number): PlaygroundRequest {
  const version = request.versions[v];
  const input = request.inputs[i];
  if (!version || !input) throw new RangeError(`No cell (${v}, ${i}) in this run`);
  return { ...request, versions: [version], inputs: [input] };
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
}

/** A stored run's request (JSON as accepted) back into a well-formed request. */
export function parseStoredRequest(value: unknown): PlaygroundRequest {
  const body = asRecord(value);
  const versions = (Array.isArray(body.versions) ? body.versions : []).map((item) => {
    const ref = asRecord(item);
    const out: WireVersionRef = { template_id: Number(ref.template_id) };
    if (typeof ref.version === "number") out.version = ref.version;
    if (typeof ref.label === "string") out.label = ref.label;
    return out;
  });
  const inputs = (Array.isArray(body.inputs) ? body.inputs : []).map((item) => {
    const input = asRecord(item);
    const out: WireInput = { variables: asRecord(input.variables) as WireInput["variables"] };
    if (typeof input.message === "string") out.message = input.message;
    return out;
  });
  const request: PlaygroundRequest = { versions, inputs };
  if (typeof body.temperature === "number") request.temperature = body.temperature;
  if (typeof body.top_p === "number") request.top_p = body.top_p;
  if (typeof body.max_tokens === "number") request.max_tokens = body.max_tokens;
  return request;
}

/** The form a stored run was started from (so it can be changed and run again). */
export function formFromRequest(
  request: PlaygroundRequest,
  specs: VariableSpec[],
): { versions: VersionChoice[]; inputs: InputRow[]; sampling: Sampling } {
  return {
    versions: request.versions.map((ref) => ({
      key: newKey("v"),
      templateId: ref.template_id,
      ref: refFromFields(ref),
    })),
    inputs: request.inputs.map((input) =>
      newInputRow(fieldValues(specs, input.variables), input.message ?? ""),
    ),
    sampling: {
      temperature: request.temperature === undefined ? "" : String(request.temperature),
      maxTokens: request.max_tokens === undefined ? "" : String(request.max_tokens),
    },
  };
}

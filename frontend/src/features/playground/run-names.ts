/**
 * What the grid calls its columns (the versions) and rows (the inputs), from the request that
 * ran. Pure, so a stored run reads exactly as it did live.
 */
import type { PlaygroundRequest, WireInput, WireVersionRef } from "./playground-form";

const MAX_INPUT_NAME = 90;

/** "Story teller · production (v3)", "Story teller · v2", or "Story teller · latest (v4)". */
export function versionName(
  ref: WireVersionRef,
  title: string | undefined,
  resolved: number | undefined,
): string {
  const name = title ?? `Template #${ref.template_id}`;
  const number = resolved ?? ref.version;
  if (ref.label) return `${name} · ${ref.label}${number ? ` (v${number})` : ""}`;
  if (ref.version !== undefined) return `${name} · v${ref.version}`;
  return `${name} · ${number ? `v${number}` : "latest"}`;
}

function shorten(text: string, limit: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

/** "topic: cats · tone: calm · “Tell me more”", cut to fit one line. */
export function inputName(input: WireInput): string {
  const parts = Object.entries(input.variables).map(([name, value]) => `${name}: ${String(value)}`);
  if (input.message) parts.push(`“${shorten(input.message, 40)}”`);
  return shorten(parts.join(" · "), MAX_INPUT_NAME);
}

export function runNames(
  request: PlaygroundRequest | null,
  titleOf: (templateId: number, v: number) => string | undefined,
  versionOf: (v: number) => number | undefined,
): { versions: string[]; inputs: string[] } {
  if (!request) return { versions: [], inputs: [] };
  return {
    versions: request.versions.map((ref, v) =>
      versionName(ref, titleOf(ref.template_id, v), versionOf(v)),
    ),
    inputs: request.inputs.map(inputName),
  };
}

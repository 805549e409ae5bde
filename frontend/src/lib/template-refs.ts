/**
 * How a request names a template version, the way a session or a run does: the latest, a fixed
 * version, or a label resolved when it starts; and the `<select>` value each choice has.
 */

export type VersionRef =
  | { kind: "latest" }
  | { kind: "version"; version: number }
  | { kind: "label"; label: string };

/** The `<select>` value of a version reference, and back. */
export function refValue(ref: VersionRef): string {
  if (ref.kind === "version") return `v:${ref.version}`;
  if (ref.kind === "label") return `l:${ref.label}`;
  return "latest";
}

export function parseRefValue(value: string): VersionRef {
  if (value.startsWith("v:")) {
    const version = Number(value.slice(2));
    if (Number.isInteger(version) && version > 0) return { kind: "version", version };
  }
  if (value.startsWith("l:") && value.length > 2) return { kind: "label", label: value.slice(2) };
  return { kind: "latest" };
}

/** The version number a reference means now, given the template's latest version and labels. */
export function resolveVersion(
  ref: VersionRef,
  template: { version: number; labels: Record<string, number> } | undefined,
): number | undefined {
  if (ref.kind === "version") return ref.version;
  if (!template) return undefined;
  if (ref.kind === "label") return template.labels[ref.label];
  return template.version;
}

/** The reference as the API takes it: `version` or `label` beside the id, or neither. */
export function refFields(ref: VersionRef): { version?: number; label?: string } {
  if (ref.kind === "version") return { version: ref.version };
  if (ref.kind === "label") return { label: ref.label };
  return {};
}

/** A reference read back from the API (`version` and `label` may be null or absent). */
export function refFromFields(fields: {
  version?: number | null | undefined;
  label?: string | null | undefined;
}): VersionRef {
  if (typeof fields.version === "number") return { kind: "version", version: fields.version };
  if (typeof fields.label === "string") return { kind: "label", label: fields.label };
  return { kind: "latest" };
}

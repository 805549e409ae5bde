import { useQueries } from "@tanstack/react-query";
import type { TemplateRead } from "@/api/client";
import { templateQueryOptions, templateVersionQueryOptions } from "@/api/template-queries";
import { resolveVersion } from "@/lib/template-refs";
import { unionVariables, type VariableSpec } from "@/lib/template-variables";
import type { VersionChoice } from "../playground-form";

export interface ChosenVersions {
  /** The variables of every chosen version, each name once (the input form's fields). */
  specs: VariableSpec[];
  /** Each choice's version number as it stands now (a label or "latest" resolved). */
  resolved: (number | undefined)[];
  templates: Map<number, TemplateRead>;
  isLoading: boolean;
  error: string | undefined;
}

const unique = <T>(items: T[], key: (item: T) => string) => [
  ...new Map(items.map((item) => [key(item), item])).values(),
];

/**
 * The chosen templates and the versions they name, read from the API: what the input form
 * asks for, and what the grid's columns are called.
 */
export function useChosenVersions(versions: VersionChoice[]): ChosenVersions {
  const ids = [...new Set(versions.flatMap((choice) => choice.templateId ?? []))];
  const templateQueries = useQueries({ queries: ids.map((id) => templateQueryOptions(id)) });
  const templates = new Map<number, TemplateRead>();
  for (const query of templateQueries) if (query.data) templates.set(query.data.id, query.data);

  const resolved = versions.map((choice) =>
    choice.templateId === null
      ? undefined
      : resolveVersion(choice.ref, templates.get(choice.templateId)),
  );
  const refs = unique(
    versions.flatMap((choice, index) => {
      const version = resolved[index];
      return choice.templateId !== null && version !== undefined
        ? [{ templateId: choice.templateId, version }]
        : [];
    }),
    (ref) => `${ref.templateId}:${ref.version}`,
  );
  const versionQueries = useQueries({
    queries: refs.map((ref) => templateVersionQueryOptions(ref.templateId, ref.version)),
  });
  const variables = new Map<string, VariableSpec[]>();
  versionQueries.forEach((query, index) => {
    const ref = refs[index];
    if (query.data && ref) variables.set(`${ref.templateId}:${ref.version}`, query.data.variables);
  });
  const specs = unionVariables(
    versions.map((choice, index) =>
      choice.templateId === null
        ? []
        : (variables.get(`${choice.templateId}:${resolved[index]}`) ?? []),
    ),
  );
  const failed = [...templateQueries, ...versionQueries].find((query) => query.isError);
  return {
    specs,
    resolved,
    templates,
    isLoading: [...templateQueries, ...versionQueries].some((query) => query.isPending),
    error: failed?.error?.message,
  };
}

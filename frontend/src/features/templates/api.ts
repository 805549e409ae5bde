/**
 * Prompt templates over the generated client: query options and key factories for the list,
 * one template, its versions and diffs, and the mutations that change them. Every change
 * invalidates what it touched, so the list, the editor and the history agree.
 */
import {
  keepPreviousData,
  queryOptions,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import {
  type LabelsRead,
  type RenderResponse,
  type TemplateBundle,
  type TemplateCreate,
  type TemplateDiff,
  type TemplateExport,
  type TemplatePage,
  type TemplateRead,
  TemplatesService,
  type TemplateUpdate,
  type VersionPage,
  type VersionRead,
} from "@/api/client";
import { unwrap } from "@/api/http";
import type { VariableValue } from "./variables";

export type {
  TemplateCreate,
  TemplateDiff,
  TemplatePage,
  TemplateRead,
  TemplateUpdate,
  VersionPage,
  VersionRead,
};
export type TemplateSummary = TemplatePage["items"][number];

export const PAGE_SIZE = 20;
export const VERSIONS_PAGE_SIZE = 20;

export interface TemplateFilters {
  q?: string | undefined;
  tag?: string | undefined;
  project?: string | undefined;
  mine?: boolean | undefined;
  archived?: boolean | undefined;
  page?: number | undefined;
}

export const templateKeys = {
  all: ["templates"] as const,
  lists: () => [...templateKeys.all, "list"] as const,
  list: (filters: TemplateFilters) => [...templateKeys.lists(), filters] as const,
  detail: (id: number) => [...templateKeys.all, "detail", id] as const,
  versions: (id: number, page: number) => [...templateKeys.detail(id), "versions", page] as const,
  version: (id: number, version: number) =>
    [...templateKeys.detail(id), "version", version] as const,
  diff: (id: number, from: number, to: number) =>
    [...templateKeys.detail(id), "diff", from, to] as const,
};

export const templatesQueryOptions = (filters: TemplateFilters) =>
  queryOptions({
    queryKey: templateKeys.list(filters),
    queryFn: ({ signal }): Promise<TemplatePage> =>
      unwrap(
        TemplatesService.listTemplates({
          query: {
            q: filters.q || undefined,
            tag: filters.tag || undefined,
            project: filters.project || undefined,
            mine: filters.mine || undefined,
            archived: filters.archived || undefined,
            page: filters.page ?? 1,
            page_size: PAGE_SIZE,
          },
          signal,
        }),
      ),
    // The next page or filter shows over the current one instead of a blank list.
    placeholderData: keepPreviousData,
  });

export function useTemplates(filters: TemplateFilters) {
  return useQuery(templatesQueryOptions(filters));
}

export const templateQueryOptions = (id: number) =>
  queryOptions({
    queryKey: templateKeys.detail(id),
    queryFn: ({ signal }): Promise<TemplateRead> =>
      unwrap(TemplatesService.readTemplate({ path: { template_id: id }, signal })),
  });

export function useTemplate(id: number) {
  return useQuery(templateQueryOptions(id));
}

export function useTemplateVersions(id: number, page: number) {
  return useQuery({
    queryKey: templateKeys.versions(id, page),
    queryFn: ({ signal }): Promise<VersionPage> =>
      unwrap(
        TemplatesService.listTemplateVersions({
          path: { template_id: id },
          query: { page, page_size: VERSIONS_PAGE_SIZE },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** A version never changes once written, so it is never fetched twice. */
export function useTemplateVersion(id: number, version: number | undefined) {
  return useQuery({
    queryKey: templateKeys.version(id, version ?? 0),
    queryFn: ({ signal }): Promise<VersionRead> =>
      unwrap(
        TemplatesService.readTemplateVersion({
          path: { template_id: id, version: version ?? 0 },
          signal,
        }),
      ),
    enabled: version !== undefined,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function useTemplateDiff(id: number, from: number | undefined, to: number | undefined) {
  const ready = from !== undefined && to !== undefined && from !== to;
  return useQuery({
    queryKey: templateKeys.diff(id, from ?? 0, to ?? 0),
    queryFn: ({ signal }): Promise<TemplateDiff> =>
      unwrap(
        TemplatesService.diffTemplateVersions({
          path: { template_id: id },
          query: { from: from ?? 0, to: to ?? 0 },
          signal,
        }),
      ),
    enabled: ready,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/** After a change: the template's own queries and every list. */
function useTemplateChanged() {
  const queryClient = useQueryClient();
  return (template?: TemplateRead, id?: number) => {
    if (template) queryClient.setQueryData(templateKeys.detail(template.id), template);
    const touched = template?.id ?? id;
    const refreshes = [queryClient.invalidateQueries({ queryKey: templateKeys.lists() })];
    if (touched !== undefined) {
      refreshes.push(queryClient.invalidateQueries({ queryKey: templateKeys.detail(touched) }));
    }
    return Promise.all(refreshes);
  };
}

export function useCreateTemplate() {
  const changed = useTemplateChanged();
  return useMutation({
    mutationFn: (body: TemplateCreate): Promise<TemplateRead> =>
      unwrap(TemplatesService.createTemplate({ body })),
    onSuccess: (template) => changed(template),
  });
}

export function useUpdateTemplate(id: number) {
  const changed = useTemplateChanged();
  return useMutation({
    mutationFn: (body: TemplateUpdate): Promise<TemplateRead> =>
      unwrap(TemplatesService.updateTemplate({ path: { template_id: id }, body })),
    onSuccess: (template) => changed(template),
  });
}

/** Deleting archives: sessions and results that used a version keep reading it. */
export function useArchiveTemplate(id: number) {
  const changed = useTemplateChanged();
  return useMutation({
    mutationFn: (): Promise<unknown> =>
      unwrap(TemplatesService.deleteTemplate({ path: { template_id: id } })),
    onSuccess: () => changed(undefined, id),
  });
}

export function useRestoreVersion(id: number) {
  const changed = useTemplateChanged();
  return useMutation({
    mutationFn: (version: number): Promise<TemplateRead> =>
      unwrap(
        TemplatesService.restoreTemplateVersion({
          path: { template_id: id, version },
          body: {},
        }),
      ),
    onSuccess: (template) => changed(template),
  });
}

export function useSetLabel(id: number) {
  const changed = useTemplateChanged();
  return useMutation({
    mutationFn: ({ label, version }: { label: string; version: number }): Promise<LabelsRead> =>
      unwrap(
        TemplatesService.setTemplateLabel({ path: { template_id: id, label }, body: { version } }),
      ),
    onSuccess: () => changed(undefined, id),
  });
}

export function useDeleteLabel(id: number) {
  const changed = useTemplateChanged();
  return useMutation({
    mutationFn: (label: string): Promise<LabelsRead> =>
      unwrap(TemplatesService.deleteTemplateLabel({ path: { template_id: id, label } })),
    onSuccess: () => changed(undefined, id),
  });
}

export interface RenderInput {
  version?: number;
  label?: string;
  variables: Record<string, VariableValue>;
}

export function useRenderTemplate(id: number) {
  return useMutation({
    mutationFn: (body: RenderInput): Promise<RenderResponse> =>
      unwrap(TemplatesService.renderTemplate({ path: { template_id: id }, body })),
  });
}

export function fetchTemplateExport(id: number): Promise<TemplateExport> {
  return unwrap(TemplatesService.exportTemplate({ path: { template_id: id } }));
}

export function fetchTemplatesExport(): Promise<TemplateBundle> {
  return unwrap(TemplatesService.exportTemplates());
}

export function useImportTemplates() {
  const changed = useTemplateChanged();
  return useMutation({
    mutationFn: (body: TemplateBundle | TemplateExport) =>
      unwrap(TemplatesService.importTemplates({ body })),
    onSuccess: () => changed(),
  });
}

/**
 * Templates as the pickers read them (chat and playground): the person's own and the shared
 * ones, each template's versions and labels, and one version's content and variables. The keys
 * are the templates pages' (`["templates", …]`), so a template saved there refreshes every
 * picker, and a version read once is shared.
 */
import { queryOptions } from "@tanstack/react-query";
import { TemplatesService } from "@/api/client";
import { unwrap } from "@/api/http";

/** The most templates and versions a picker lists (the API's largest page). */
const PICKER_PAGE_SIZE = 100;

const templatePickerKeys = {
  list: () => ["templates", "list", "picker"] as const,
  detail: (templateId: number) => ["templates", "detail", templateId] as const,
  versions: (templateId: number) =>
    [...templatePickerKeys.detail(templateId), "versions", "picker"] as const,
  version: (templateId: number, version: number) =>
    [...templatePickerKeys.detail(templateId), "version", version] as const,
};

/** The templates the person may use: their own and the shared ones, not archived. */
export const pickerTemplatesQueryOptions = () =>
  queryOptions({
    queryKey: templatePickerKeys.list(),
    queryFn: ({ signal }) =>
      unwrap(TemplatesService.listTemplates({ query: { page_size: PICKER_PAGE_SIZE }, signal })),
    staleTime: 30_000,
  });

export const templateQueryOptions = (templateId: number) =>
  queryOptions({
    queryKey: templatePickerKeys.detail(templateId),
    queryFn: ({ signal }) =>
      unwrap(TemplatesService.readTemplate({ path: { template_id: templateId }, signal })),
    staleTime: 30_000,
  });

export const templateVersionsQueryOptions = (templateId: number) =>
  queryOptions({
    queryKey: templatePickerKeys.versions(templateId),
    queryFn: ({ signal }) =>
      unwrap(
        TemplatesService.listTemplateVersions({
          path: { template_id: templateId },
          query: { page_size: PICKER_PAGE_SIZE },
          signal,
        }),
      ),
    staleTime: 30_000,
  });

/** A version never changes once written: it is read once. */
export const templateVersionQueryOptions = (templateId: number, version: number) =>
  queryOptions({
    queryKey: templatePickerKeys.version(templateId, version),
    queryFn: ({ signal }) =>
      unwrap(
        TemplatesService.readTemplateVersion({
          path: { template_id: templateId, version },
          signal,
        }),
      ),
    staleTime: Number.POSITIVE_INFINITY,
  });

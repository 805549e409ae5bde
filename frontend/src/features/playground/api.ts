/**
 * The playground from the browser: the templates to choose from (with their versions, labels
 * and variables), a streamed run, and the stored runs. Query options and hooks over the
 * generated client; the run itself is server-sent events over fetch (api/sse.ts).
 */
import { keepPreviousData, queryOptions, useQueries, useQuery } from "@tanstack/react-query";
import { PlaygroundService, TemplatesService } from "@/api/client";
import { unwrap } from "@/api/http";
import { postSse, type SseResult } from "@/api/sse";
import type { PlaygroundRequest } from "./playground-form";
import type {
  CellDeltaEvent,
  CellDoneEvent,
  CellErrorEvent,
  DoneEvent,
  RunEvent,
} from "./run-state";

/** The most templates and versions a picker lists (the API's largest page). */
const PICKER_PAGE_SIZE = 100;
export const RUNS_PAGE_SIZE = 20;

export const playgroundKeys = {
  all: ["playground"] as const,
  runs: (page: number) => [...playgroundKeys.all, "runs", page] as const,
  run: (runId: number) => [...playgroundKeys.all, "run", runId] as const,
};

/**
 * Template data lives under the templates pages' keys (`["templates", …]`), so a template saved
 * there refreshes the pickers here, and a version read once is shared.
 */
export const templatePickerKeys = {
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

export const playgroundRunsQueryOptions = (page = 1) =>
  queryOptions({
    queryKey: playgroundKeys.runs(page),
    queryFn: ({ signal }) =>
      unwrap(
        PlaygroundService.listPlaygroundRuns({
          query: { page, page_size: RUNS_PAGE_SIZE },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });

export const playgroundRunQueryOptions = (runId: number) =>
  queryOptions({
    queryKey: playgroundKeys.run(runId),
    queryFn: ({ signal }) =>
      unwrap(PlaygroundService.readPlaygroundRun({ path: { run_id: runId }, signal })),
    staleTime: 0,
  });

export function usePickerTemplates() {
  return useQuery(pickerTemplatesQueryOptions());
}

export function useTemplate(templateId: number | null) {
  return useQuery({
    ...templateQueryOptions(templateId ?? 0),
    enabled: templateId !== null,
  });
}

export function useTemplateVersions(templateId: number | null) {
  return useQuery({
    ...templateVersionsQueryOptions(templateId ?? 0),
    enabled: templateId !== null,
  });
}

/** Several versions at once (their variables make the input form). */
export function useTemplateVersionsById(refs: { templateId: number; version: number }[]) {
  return useQueries({
    queries: refs.map((ref) => templateVersionQueryOptions(ref.templateId, ref.version)),
  });
}

export function usePlaygroundRuns(page = 1) {
  return useQuery(playgroundRunsQueryOptions(page));
}

export function usePlaygroundRun(runId: number | undefined) {
  return useQuery({ ...playgroundRunQueryOptions(runId ?? 0), enabled: runId !== undefined });
}

export interface PlaygroundStreamHandlers {
  signal?: AbortSignal;
  onRun?: (event: RunEvent) => void;
  onCell?: (event: CellDeltaEvent) => void;
  onCellDone?: (event: CellDoneEvent) => void;
  onCellError?: (event: CellErrorEvent) => void;
}

/**
 * Start a run and follow its stream: `run` (stored, cells planned), then each cell's text and
 * end, then `done`. Abort the signal to stop: closing the stream cancels every cell upstream.
 * A refusal before the stream starts (a template not found, archived, limits) is thrown as
 * `ApiError`, like any other request.
 */
export function streamPlaygroundRun(
  request: PlaygroundRequest,
  { signal, onRun, onCell, onCellDone, onCellError }: PlaygroundStreamHandlers,
): Promise<SseResult<DoneEvent>> {
  return postSse<DoneEvent>("/api/playground/run", request, {
    signal,
    onEvent: (event, data) => {
      if (data === undefined) return;
      if (event === "run") onRun?.(data as RunEvent);
      else if (event === "cell") onCell?.(data as CellDeltaEvent);
      else if (event === "cell_done") onCellDone?.(data as CellDoneEvent);
      else if (event === "cell_error") onCellError?.(data as CellErrorEvent);
    },
  });
}

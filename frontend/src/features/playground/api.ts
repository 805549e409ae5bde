/**
 * The playground from the browser: the templates to choose from (with their versions, labels
 * and variables), a streamed run, and the stored runs. Query options and hooks over the
 * generated client; the run itself is server-sent events over fetch (api/sse.ts).
 */
import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { PlaygroundService } from "@/api/client";
import { unwrap } from "@/api/http";
import { postSse, type SseResult } from "@/api/sse";
import {
  pickerTemplatesQueryOptions,
  templateQueryOptions,
  templateVersionsQueryOptions,
} from "@/api/template-queries";
import type { PlaygroundRequest } from "./playground-form";
import type {
  CellDeltaEvent,
  CellDoneEvent,
  CellErrorEvent,
  DoneEvent,
  RunEvent,
} from "./run-state";

export const RUNS_PAGE_SIZE = 20;

export const playgroundKeys = {
  all: ["playground"] as const,
  runs: (page: number) => [...playgroundKeys.all, "runs", page] as const,
  run: (runId: number) => [...playgroundKeys.all, "run", runId] as const,
};

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

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { ApiError } from "@/api/http";
import { playgroundKeys, streamPlaygroundRun } from "../api";
import { cellRequest, type PlaygroundRequest } from "../playground-form";
import { IDLE, type RunAction, runReducer, type StoredCell } from "../run-state";

/** What is streaming now: the whole grid, or one cell run again on its own. */
export type Streaming = { kind: "run" } | { kind: "cell"; v: number; i: number } | null;

export interface StoredRunView {
  runId: number;
  status: string;
  versions: number;
  inputs: number;
  cells: StoredCell[];
}

function refusal(error: unknown): string {
  if (error instanceof ApiError && error.status === 503) {
    return "The model is offline — try again in a minute.";
  }
  return error instanceof Error ? error.message : "The run could not start";
}

/**
 * The results grid of the playground and the stream that fills it. One stream at a time:
 * `run` fills the whole grid, `runCell` runs one cell again (a run of that version × that
 * input, its own stored run) into the same place. `stop` closes the stream, which cancels the
 * model's work upstream. `onRunStarted` hears the stored run's id as soon as the server has it.
 */
export function useRunStream({ onRunStarted }: { onRunStarted?: (runId: number) => void } = {}) {
  const queryClient = useQueryClient();
  const [state, dispatch] = useReducer(runReducer, IDLE);
  const [streaming, setStreaming] = useState<Streaming>(null);
  const [request, setRequest] = useState<PlaygroundRequest | null>(null);
  const controller = useRef<AbortController | null>(null);
  const started = useRef(onRunStarted);
  started.current = onRunStarted;

  useEffect(() => () => controller.current?.abort(), []);

  const follow = useCallback(
    async (
      body: PlaygroundRequest,
      send: (action: RunAction) => void,
      onRun: (runId: number) => void,
    ) => {
      const abort = new AbortController();
      controller.current = abort;
      try {
        return await streamPlaygroundRun(body, {
          signal: abort.signal,
          onRun: (event) => {
            send({ type: "run", event });
            onRun(event.run_id);
            // The run is stored from now on: the list of past runs shows it at once.
            void queryClient.invalidateQueries({ queryKey: [...playgroundKeys.all, "runs"] });
          },
          onCell: (event) => send({ type: "cell", event }),
          onCellDone: (event) => send({ type: "cell_done", event }),
          onCellError: (event) => send({ type: "cell_error", event }),
        });
      } finally {
        if (controller.current === abort) controller.current = null;
        void queryClient.invalidateQueries({ queryKey: [...playgroundKeys.all, "runs"] });
      }
    },
    [queryClient],
  );

  const run = useCallback(
    async (body: PlaygroundRequest) => {
      if (controller.current) return;
      setRequest(body);
      setStreaming({ kind: "run" });
      dispatch({ type: "start", versions: body.versions.length, inputs: body.inputs.length });
      try {
        const result = await follow(body, dispatch, (runId) => started.current?.(runId));
        if (result.status === "done") dispatch({ type: "done", event: result.done });
        else if (result.status === "aborted") dispatch({ type: "stopped" });
        else dispatch({ type: "failed", error: result.error.error });
      } catch (error) {
        dispatch({ type: "refused", error: refusal(error) });
      } finally {
        setStreaming(null);
      }
    },
    [follow],
  );

  /** Run cell (v, i) of the grid again, on its own; its result replaces the cell's. */
  const runCell = useCallback(
    async (v: number, i: number) => {
      if (controller.current || !request) return;
      setStreaming({ kind: "cell", v, i });
      dispatch({ type: "rerun", v, i });
      // The one-cell run numbers its only cell (0, 0): it lands at (v, i) here.
      const here = (action: RunAction) => {
        if ("event" in action && action.type.startsWith("cell")) {
          dispatch({ ...action, event: { ...action.event, v, i } } as RunAction);
        }
      };
      const end = (status: "stopped" | "failed", error: string) =>
        dispatch({ type: "rerun_end", v, i, status, error });
      try {
        const result = await follow(cellRequest(request, v, i), here, (runId) =>
          dispatch({ type: "rerun_run", v, i, runId }),
        );
        if (result.status === "aborted") end("stopped", "Stopped before it finished");
        else if (result.status === "error") end("failed", result.error.error);
        else end("failed", "No answer came back for this cell");
      } catch (error) {
        end("failed", refusal(error));
      } finally {
        setStreaming(null);
      }
    },
    [follow, request],
  );

  const stop = useCallback(() => controller.current?.abort(), []);

  /** Show a stored run as it was (stops whatever was streaming). */
  const show = useCallback((stored: StoredRunView, body: PlaygroundRequest) => {
    controller.current?.abort();
    setRequest(body);
    dispatch({ type: "load", ...stored });
  }, []);

  const clear = useCallback(() => {
    controller.current?.abort();
    setRequest(null);
    dispatch({ type: "reset" });
  }, []);

  return { state, streaming, request, run, runCell, stop, show, clear };
}

import { describe, expect, it } from "vitest";
import {
  cellAt,
  IDLE,
  isLive,
  type RunAction,
  type RunState,
  runReducer,
  STOPPED_TEXT,
} from "../run-state";

const play = (actions: RunAction[], from: RunState = IDLE) => actions.reduce(runReducer, from);

const started: RunAction[] = [
  { type: "start", versions: 2, inputs: 2 },
  {
    type: "run",
    event: {
      run_id: 7,
      cells: [
        { v: 0, i: 0, template_id: 3, version: 1 },
        { v: 0, i: 1, template_id: 3, version: 1 },
        { v: 1, i: 0, template_id: 3, version: 2 },
        { v: 1, i: 1, template_id: 3, version: 2 },
      ],
    },
  },
];

describe("runReducer", () => {
  it("plans a grid of versions × inputs, every cell waiting", () => {
    const state = play([{ type: "start", versions: 2, inputs: 3 }]);
    expect(state.status).toBe("starting");
    expect(isLive(state)).toBe(true);
    expect(state.cells).toHaveLength(6);
    expect(cellAt(state, 1, 2)).toMatchObject({ v: 1, i: 2, status: "waiting", text: "" });
    expect(cellAt(state, 2, 0)).toBeUndefined();
  });

  it("takes the run id and each cell's resolved version from the run event", () => {
    const state = play(started);
    expect(state).toMatchObject({ status: "running", runId: 7 });
    expect(cellAt(state, 1, 0)).toMatchObject({ templateId: 3, version: 2 });
  });

  it("appends deltas to their own cell only, in order", () => {
    const state = play([
      ...started,
      { type: "cell", event: { v: 1, i: 0, delta: "Hel" } },
      { type: "cell", event: { v: 0, i: 1, delta: "Other" } },
      { type: "cell", event: { v: 1, i: 0, delta: "lo" } },
    ]);
    expect(cellAt(state, 1, 0)).toMatchObject({ text: "Hello", status: "streaming" });
    expect(cellAt(state, 0, 1)?.text).toBe("Other");
    expect(cellAt(state, 0, 0)).toMatchObject({ text: "", status: "waiting" });
  });

  it("ends a cell with its final text and stats, and ignores what comes after", () => {
    const state = play([
      ...started,
      { type: "cell", event: { v: 0, i: 0, delta: "Hi" } },
      {
        type: "cell_done",
        event: {
          v: 0,
          i: 0,
          text: "Hi there",
          usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
          ttft_ms: 40.5,
          total_ms: 120,
          cache_n: 11,
        },
      },
      { type: "cell", event: { v: 0, i: 0, delta: " late" } },
      { type: "cell_error", event: { v: 0, i: 0, error: "late error" } },
    ]);
    expect(cellAt(state, 0, 0)).toMatchObject({
      status: "complete",
      text: "Hi there",
      usage: { completion_tokens: 3 },
      ttftMs: 40.5,
      totalMs: 120,
      cacheN: 11,
    });
  });

  it("marks a failed cell with its error and code while the others go on", () => {
    const state = play([
      ...started,
      {
        type: "cell_error",
        event: { v: 1, i: 1, error: "Missing: topic", code: "invalid_variables" },
      },
      { type: "cell", event: { v: 0, i: 0, delta: "ok" } },
    ]);
    expect(cellAt(state, 1, 1)).toMatchObject({
      status: "failed",
      error: "Missing: topic",
      code: "invalid_variables",
    });
    expect(cellAt(state, 0, 0)?.status).toBe("streaming");
    expect(state.status).toBe("running");
  });

  it("ignores events for cells outside the grid", () => {
    const before = play(started);
    const after = runReducer(before, { type: "cell", event: { v: 5, i: 0, delta: "x" } });
    expect(after).toBe(before);
  });

  it("completes on done; a cell that never ended is reported, not left spinning", () => {
    const state = play([
      ...started,
      { type: "cell_done", event: { v: 0, i: 0, text: "a" } },
      { type: "done", event: { run_id: 7 } },
    ]);
    expect(state.status).toBe("complete");
    expect(isLive(state)).toBe(false);
    expect(cellAt(state, 0, 0)?.status).toBe("complete");
    expect(cellAt(state, 1, 1)?.status).toBe("failed");
  });

  it("stops: open cells keep their partial text and read as stopped", () => {
    const state = play([
      ...started,
      { type: "cell_done", event: { v: 0, i: 0, text: "done" } },
      { type: "cell", event: { v: 1, i: 0, delta: "half" } },
      { type: "stopped" },
    ]);
    expect(state.status).toBe("stopped");
    expect(cellAt(state, 0, 0)?.status).toBe("complete");
    expect(cellAt(state, 1, 0)).toMatchObject({
      status: "stopped",
      text: "half",
      error: STOPPED_TEXT,
    });
  });

  it("a stream that breaks off fails the open cells with the reason", () => {
    const state = play([...started, { type: "failed", error: "The connection was interrupted" }]);
    expect(state).toMatchObject({ status: "failed", error: "The connection was interrupted" });
    expect(cellAt(state, 0, 0)).toMatchObject({
      status: "failed",
      error: "The connection was interrupted",
    });
  });

  it("a refused run shows no grid, only why", () => {
    const state = play([
      { type: "start", versions: 1, inputs: 1 },
      { type: "refused", error: "No version 7 of template 3" },
    ]);
    expect(state).toMatchObject({
      status: "failed",
      error: "No version 7 of template 3",
      cells: [],
    });
  });

  it("runs one cell again in place: cleared, then filled by the one-cell run", () => {
    const done = play([
      ...started,
      { type: "cell_done", event: { v: 1, i: 1, text: "old", cache_n: 0 } },
      { type: "done", event: { run_id: 7 } },
    ]);
    const again = play(
      [
        { type: "rerun", v: 1, i: 1 },
        { type: "rerun_run", v: 1, i: 1, runId: 8 },
        { type: "cell", event: { v: 1, i: 1, delta: "ne" } },
        { type: "cell_done", event: { v: 1, i: 1, text: "new", cache_n: 30 } },
        { type: "rerun_end", v: 1, i: 1, status: "failed", error: "ignored once complete" },
      ],
      done,
    );
    expect(cellAt(again, 1, 1)).toMatchObject({
      status: "complete",
      text: "new",
      cacheN: 30,
      runId: 8,
      version: 2,
    });
    expect(again.runId).toBe(7);
    expect(again.status).toBe("complete");
  });

  it("a cell run again and stopped reads as stopped", () => {
    const state = play([
      ...started,
      { type: "done", event: { run_id: 7 } },
      { type: "rerun", v: 0, i: 0 },
      { type: "cell", event: { v: 0, i: 0, delta: "part" } },
      { type: "rerun_end", v: 0, i: 0, status: "stopped", error: STOPPED_TEXT },
    ]);
    expect(cellAt(state, 0, 0)).toMatchObject({ status: "stopped", text: "part" });
  });

  it("loads a stored run exactly as it was", () => {
    const state = runReducer(IDLE, {
      type: "load",
      runId: 4,
      status: "cancelled",
      versions: 1,
      inputs: 2,
      cells: [
        {
          v: 0,
          i: 0,
          template_id: 3,
          version: 2,
          text: "stored answer",
          status: "complete",
          usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
          ttft_ms: 10,
          total_ms: 30,
          cache_n: 4,
        },
        { v: 0, i: 1, template_id: 3, version: 2, text: "par", status: "stopped" },
      ],
    });
    expect(state).toMatchObject({ status: "stopped", runId: 4, versions: 1, inputs: 2 });
    expect(cellAt(state, 0, 0)).toMatchObject({
      text: "stored answer",
      status: "complete",
      cacheN: 4,
      ttftMs: 10,
      totalMs: 30,
    });
    expect(cellAt(state, 0, 1)).toMatchObject({
      text: "par",
      status: "stopped",
      error: STOPPED_TEXT,
    });
  });

  it("reset empties the grid", () => {
    expect(play([...started, { type: "reset" }])).toEqual(IDLE);
  });
});

/**
 * The results grid of a playground run as the screen holds it, and how each server-sent event
 * changes it. A run streams `run` (cells planned), `cell` (text), `cell_done` / `cell_error`
 * (how each cell ended) and `done`; a stored run is the same grid read back. Pure, so the
 * whole life of a run is tested without a network.
 */

export type CellStatus = "waiting" | "streaming" | "complete" | "failed" | "stopped";

export interface CellUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface CellState {
  /** Index into the run's versions (column) and inputs (row). */
  v: number;
  i: number;
  text: string;
  status: CellStatus;
  templateId?: number | undefined;
  version?: number | undefined;
  error?: string | undefined;
  code?: string | undefined;
  usage?: CellUsage | null | undefined;
  ttftMs?: number | null | undefined;
  totalMs?: number | null | undefined;
  cacheN?: number | null | undefined;
  /** Set when the cell was run again on its own: the run that holds this result. */
  runId?: number | undefined;
}

export type RunStatus = "idle" | "starting" | "running" | "complete" | "stopped" | "failed";

export interface RunState {
  status: RunStatus;
  runId?: number | undefined;
  versions: number;
  inputs: number;
  /** Row-major by version: the cell for (v, i) is at `v * inputs + i`. */
  cells: CellState[];
  /** Why the whole run failed (refused, or the stream broke off). */
  error?: string | undefined;
}

/** The events of `POST /api/playground/run`, as sent. */
export interface RunEvent {
  run_id: number;
  cells: { v: number; i: number; template_id: number; version: number }[];
}
export interface CellDeltaEvent {
  v: number;
  i: number;
  delta: string;
}
export interface CellDoneEvent {
  v: number;
  i: number;
  text: string;
  usage?: CellUsage | null;
  ttft_ms?: number | null;
  total_ms?: number | null;
  cache_n?: number | null;
}
export interface CellErrorEvent {
  v: number;
  i: number;
  error: string;
  code?: string | null;
}
export interface DoneEvent {
  run_id: number;
}

/** A cell as `GET /api/playground/runs/{id}` returns it. */
export interface StoredCell {
  v: number;
  i: number;
  template_id: number;
  version: number;
  text: string;
  status: string;
  error?: string | null;
  code?: string | null;
  usage?: CellUsage | null;
  ttft_ms?: number | null;
  total_ms?: number | null;
  cache_n?: number | null;
}

export type RunAction =
  | { type: "start"; versions: number; inputs: number }
  | { type: "run"; event: RunEvent }
  | { type: "cell"; event: CellDeltaEvent }
  | { type: "cell_done"; event: CellDoneEvent }
  | { type: "cell_error"; event: CellErrorEvent }
  | { type: "done"; event: DoneEvent }
  | { type: "stopped" }
  | { type: "failed"; error: string }
  /** Refused before the stream started (nothing ran, nothing was stored). */
  | { type: "refused"; error: string }
  | { type: "reset" }
  /** One cell runs again on its own (a run of one version × one input). */
  | { type: "rerun"; v: number; i: number }
  | { type: "rerun_run"; v: number; i: number; runId: number }
  | { type: "rerun_end"; v: number; i: number; status: "stopped" | "failed"; error: string }
  | {
      type: "load";
      runId: number;
      status: string;
      versions: number;
      inputs: number;
      cells: StoredCell[];
    };

export const IDLE: RunState = { status: "idle", versions: 0, inputs: 0, cells: [] };

/** What a cell says when the run ended before it did. */
export const STOPPED_TEXT = "Stopped before it finished";

function emptyGrid(versions: number, inputs: number): CellState[] {
  const cells: CellState[] = [];
  for (let v = 0; v < versions; v++) {
    for (let i = 0; i < inputs; i++) cells.push({ v, i, text: "", status: "waiting" });
  }
  return cells;
}

/** The cell at (v, i), or undefined when the grid has no such cell. */
export function cellAt(state: RunState, v: number, i: number): CellState | undefined {
  if (v < 0 || i < 0 || v >= state.versions || i >= state.inputs) return undefined;
  return state.cells[v * state.inputs + i];
}

type CellChange = (cell: CellState) => CellState;

function replaceCell(state: RunState, v: number, i: number, change: CellChange): RunState {
  const cell = cellAt(state, v, i);
  if (!cell) return state;
  const cells = state.cells.slice();
  cells[v * state.inputs + i] = change(cell);
  return { ...state, cells };
}

/** Change a cell still open; one that already ended keeps its result (late or repeated events). */
function updateCell(state: RunState, v: number, i: number, change: CellChange): RunState {
  const cell = cellAt(state, v, i);
  if (
    !cell ||
    cell.status === "complete" ||
    cell.status === "failed" ||
    cell.status === "stopped"
  ) {
    return state;
  }
  return replaceCell(state, v, i, change);
}

/** Cells still waiting or streaming end as `status` (the run stopped or broke off). */
function endOpenCells(cells: CellState[], status: "stopped" | "failed", error: string) {
  return cells.map((cell) =>
    cell.status === "waiting" || cell.status === "streaming" ? { ...cell, status, error } : cell,
  );
}

function storedStatus(status: string): CellStatus {
  return status === "complete" || status === "failed" ? status : "stopped";
}

function fromStored(cell: StoredCell): CellState {
  const status = storedStatus(cell.status);
  return {
    v: cell.v,
    i: cell.i,
    text: cell.text,
    status,
    templateId: cell.template_id,
    version: cell.version,
    error: cell.error ?? (status === "stopped" ? STOPPED_TEXT : undefined),
    code: cell.code ?? undefined,
    usage: cell.usage ?? null,
    ttftMs: cell.ttft_ms ?? null,
    totalMs: cell.total_ms ?? null,
    cacheN: cell.cache_n ?? null,
  };
}

function load(action: Extract<RunAction, { type: "load" }>): RunState {
  const base: RunState = {
    status: action.status === "complete" ? "complete" : "stopped",
    runId: action.runId,
    versions: action.versions,
    inputs: action.inputs,
    cells: emptyGrid(action.versions, action.inputs),
  };
  const cells = base.cells.slice();
  for (const stored of action.cells) {
    if (cellAt(base, stored.v, stored.i))
      cells[stored.v * base.inputs + stored.i] = fromStored(stored);
  }
  // A stored run that never finished a cell has nothing more coming: it reads as stopped.
  return { ...base, cells: endOpenCells(cells, "stopped", STOPPED_TEXT) };
}

export function runReducer(state: RunState, action: RunAction): RunState {
  switch (action.type) {
    case "start":
      return {
        status: "starting",
        versions: action.versions,
        inputs: action.inputs,
        cells: emptyGrid(action.versions, action.inputs),
      };
    case "run": {
      let next: RunState = { ...state, status: "running", runId: action.event.run_id };
      for (const planned of action.event.cells) {
        next = updateCell(next, planned.v, planned.i, (cell) => ({
          ...cell,
          templateId: planned.template_id,
          version: planned.version,
        }));
      }
      return next;
    }
    case "cell":
      return updateCell(state, action.event.v, action.event.i, (cell) => ({
        ...cell,
        status: "streaming",
        text: cell.text + action.event.delta,
      }));
    case "cell_done": {
      const { event } = action;
      return updateCell(state, event.v, event.i, (cell) => ({
        ...cell,
        status: "complete",
        text: event.text,
        usage: event.usage ?? null,
        ttftMs: event.ttft_ms ?? null,
        totalMs: event.total_ms ?? null,
        cacheN: event.cache_n ?? null,
      }));
    }
    case "cell_error":
      return updateCell(state, action.event.v, action.event.i, (cell) => ({
        ...cell,
        status: "failed",
        error: action.event.error,
        code: action.event.code ?? undefined,
      }));
    case "done":
      return {
        ...state,
        status: "complete",
        runId: action.event.run_id,
        cells: endOpenCells(state.cells, "failed", "No answer came back for this cell"),
      };
    case "stopped":
      return {
        ...state,
        status: "stopped",
        cells: endOpenCells(state.cells, "stopped", STOPPED_TEXT),
      };
    case "failed":
      return {
        ...state,
        status: "failed",
        error: action.error,
        cells: endOpenCells(state.cells, "failed", action.error),
      };
    case "refused":
      return { ...IDLE, status: "failed", error: action.error };
    case "reset":
      return IDLE;
    case "rerun":
      return replaceCell(state, action.v, action.i, (cell) => ({
        v: cell.v,
        i: cell.i,
        text: "",
        status: "waiting",
        templateId: cell.templateId,
        version: cell.version,
      }));
    case "rerun_run":
      return updateCell(state, action.v, action.i, (cell) => ({ ...cell, runId: action.runId }));
    case "rerun_end":
      return updateCell(state, action.v, action.i, (cell) => ({
        ...cell,
        status: action.status,
        error: action.error,
      }));
    case "load":
      return load(action);
  }
}

/** Whether the run is still producing output (Stop makes sense). */
export const isLive = (state: RunState) =>
  state.status === "starting" || state.status === "running";

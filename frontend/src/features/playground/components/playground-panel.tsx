import { useEffect, useRef, useState } from "react";
import { ApiError } from "@/api/http";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/text-field";
import { usePickerTemplates, usePlaygroundRun } from "../api";
import { useChosenVersions } from "../hooks/use-chosen-versions";
import { useRunStream } from "../hooks/use-run-stream";
import {
  buildRequest,
  DEFAULT_SAMPLING,
  formFromRequest,
  type InputRow,
  newInputRow,
  newVersionChoice,
  parseStoredRequest,
  type Sampling,
  type VersionChoice,
} from "../playground-form";
import { runNames } from "../run-names";
import { cellAt, isLive } from "../run-state";
import { isRunShortcut } from "../shortcut";
import { InputsEditor } from "./inputs-editor";
import { ResultsGrid } from "./results-grid";
import { RunsList } from "./runs-list";
import { VersionPicker } from "./version-picker";
import "../playground.css";

export interface PlaygroundPanelProps {
  /** The stored run the address names (`?run=`), shown exactly as it was. */
  runId?: number | undefined;
  /**
   * Name another run in the address (`undefined`: none). `replace` when the address only
   * catches up with the run on screen (a new run got its id).
   */
  onRunChange: (runId: number | undefined, options: { replace: boolean }) => void;
}

function loadError(error: Error, runId: number): string {
  if (error instanceof ApiError && error.status === 404) {
    return `Run #${runId} was not found. It may belong to someone else, or the link is wrong.`;
  }
  return `Could not load run #${runId}: ${error.message}`;
}

/**
 * The playground: choose template versions and inputs, run every version on every input at
 * once, and watch the answers stream into a grid; reopen any past run as it was.
 */
export function PlaygroundPanel({ runId, onRunChange }: PlaygroundPanelProps) {
  const [versions, setVersions] = useState<VersionChoice[]>(() => [newVersionChoice()]);
  const [inputs, setInputs] = useState<InputRow[]>(() => [newInputRow()]);
  const [sampling, setSampling] = useState<Sampling>(DEFAULT_SAMPLING);
  const [tried, setTried] = useState(false);
  const [runsPage, setRunsPage] = useState(1);
  const templates = usePickerTemplates();
  const chosen = useChosenVersions(versions);
  const stream = useRunStream({ onRunStarted: (id) => onRunChange(id, { replace: true }) });
  const stored = usePlaygroundRun(runId);
  const [storedTitles, setStoredTitles] = useState<string[]>([]);
  // Bumped when a run starts or a stored one opens: the answers scroll into view (below a
  // long form, on a phone especially).
  const [reveal, setReveal] = useState(0);
  const resultsRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (reveal > 0) resultsRef.current?.scrollIntoView?.({ block: "start", behavior: "smooth" });
  }, [reveal]);

  const built = buildRequest(versions, inputs, chosen.specs, sampling);
  const busy = stream.streaming !== null;

  const start = () => {
    setTried(true);
    if (!built.request || busy || chosen.isLoading) return;
    setStoredTitles([]);
    // A new run is a new page: its own address arrives with its id (`event: run`).
    if (runId !== undefined) onRunChange(undefined, { replace: false });
    void stream.run(built.request);
    setReveal((count) => count + 1);
  };
  const startRef = useRef(start);
  startRef.current = start;

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!isRunShortcut(event)) return;
      event.preventDefault();
      startRef.current();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  // The address names a stored run the screen does not show yet: show it, and its form.
  const { show, clear } = stream;
  const shownRunId = stream.state.runId;
  useEffect(() => {
    const run = stored.data;
    if (busy || !run || run.run_id !== runId || shownRunId === runId) return;
    const request = parseStoredRequest(run.request);
    show(
      {
        runId: run.run_id,
        status: run.status,
        versions: request.versions.length,
        inputs: request.inputs.length,
        cells: run.cells,
      },
      request,
    );
    setStoredTitles(run.versions.map((version) => version.title));
    const form = formFromRequest(request, []);
    setVersions(form.versions);
    setInputs(form.inputs);
    setSampling(form.sampling);
    setTried(false);
    setReveal((count) => count + 1);
  }, [stored.data, runId, shownRunId, show, busy]);

  // The address went back to no run (the Playground link): an empty grid, the form kept.
  const previousRunId = useRef(runId);
  useEffect(() => {
    if (previousRunId.current !== undefined && runId === undefined && !busy) clear();
    previousRunId.current = runId;
  }, [runId, busy, clear]);

  const names = runNames(
    stream.request,
    (templateId, v) => storedTitles[v] ?? chosen.templates.get(templateId)?.title,
    (v) => cellAt(stream.state, v, 0)?.version,
  );
  const problems = tried ? built.problems : { inputs: {} };
  const templateList = templates.data?.items ?? [];

  return (
    <div className="playground-layout">
      <div className="playground-main">
        <form
          className="card playground-form"
          aria-label="Run setup"
          onSubmit={(event) => {
            event.preventDefault();
            start();
          }}
        >
          {templates.isPending ? <p className="muted">Loading your templates…</p> : null}
          {templates.isError ? (
            <Alert>{`Could not load your templates: ${templates.error.message}`}</Alert>
          ) : null}
          {templates.data && templateList.length === 0 ? (
            <Alert tone="info">
              You have no templates yet. <a href="/templates/new">Create a template</a> to try it
              here.
            </Alert>
          ) : null}
          <VersionPicker
            versions={versions}
            templates={templateList}
            disabled={busy}
            onChange={setVersions}
            onAdd={() =>
              setVersions((list) => [...list, newVersionChoice(list.at(-1)?.templateId)])
            }
          />
          <InputsEditor
            inputs={inputs}
            specs={chosen.specs}
            errors={problems.inputs}
            disabled={busy}
            onChange={setInputs}
            onAdd={() => setInputs((list) => [...list, newInputRow()])}
          />
          {chosen.isLoading && versions.some((choice) => choice.templateId !== null) ? (
            <p className="muted">Loading the templates' variables…</p>
          ) : null}
          {chosen.error ? <Alert>{`Could not load a template: ${chosen.error}`}</Alert> : null}
          <fieldset className="playground-sampling" disabled={busy}>
            <legend>Sampling</legend>
            <TextField
              label="Temperature"
              inputMode="decimal"
              placeholder="Server default"
              value={sampling.temperature}
              error={problems.temperature}
              onChange={(event) => setSampling({ ...sampling, temperature: event.target.value })}
            />
            <TextField
              label="Max tokens"
              inputMode="numeric"
              placeholder="Server default"
              value={sampling.maxTokens}
              error={problems.maxTokens}
              onChange={(event) => setSampling({ ...sampling, maxTokens: event.target.value })}
            />
          </fieldset>
          {problems.form ? <Alert>{problems.form}</Alert> : null}
          <div className="button-row playground-actions">
            {busy ? (
              <Button variant="danger" onClick={stream.stop}>
                Stop
              </Button>
            ) : (
              <Button type="submit" aria-keyshortcuts="Control+Enter Meta+Enter">
                Run
              </Button>
            )}
            <span className="muted playground-shortcut">
              <kbd>Ctrl</kbd>+<kbd>Enter</kbd> runs
            </span>
            {stream.state.runId !== undefined ? (
              <span className="muted">{`Run #${stream.state.runId}`}</span>
            ) : null}
          </div>
        </form>
        <div ref={resultsRef} className="playground-output">
          {runId !== undefined && stored.isPending && shownRunId !== runId ? (
            <p className="muted">{`Loading run #${runId}…`}</p>
          ) : null}
          {runId !== undefined && stored.isError ? (
            <Alert>{loadError(stored.error, runId)}</Alert>
          ) : null}
          {stream.state.error ? <Alert>{stream.state.error}</Alert> : null}
          {stream.state.cells.length > 0 ? (
            <ResultsGrid
              state={stream.state}
              versionNames={names.versions}
              inputNames={names.inputs}
              onRunAgain={
                busy || isLive(stream.state) ? undefined : (v, i) => void stream.runCell(v, i)
              }
            />
          ) : (
            <p className="muted playground-empty">
              The answers appear here: one column per version, one row per input.
            </p>
          )}
        </div>
      </div>
      <aside className="playground-aside">
        <RunsList
          page={runsPage}
          onPage={setRunsPage}
          activeRunId={shownRunId}
          onOpen={(id) => onRunChange(id, { replace: false })}
        />
      </aside>
    </div>
  );
}

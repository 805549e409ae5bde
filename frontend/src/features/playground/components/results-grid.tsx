import { cellAt, type RunState } from "../run-state";
import { ResultCell } from "./result-cell";

interface ResultsGridProps {
  state: RunState;
  /** A name for each version (column), e.g. "v2 · Story teller". */
  versionNames: string[];
  /** A short description of each input (row), e.g. "topic: cats · tone: calm". */
  inputNames: string[];
  onRunAgain?: ((v: number, i: number) => void) | undefined;
}

/**
 * The run's answers, versions across and inputs down; on a phone one column, each cell naming
 * its version. Cells fill in as their text streams.
 */
export function ResultsGrid({ state, versionNames, inputNames, onRunAgain }: ResultsGridProps) {
  const columns = Array.from({ length: state.versions }, (_, v) => v);
  const rows = Array.from({ length: state.inputs }, (_, i) => i);
  const name = (v: number) => versionNames[v] ?? `Version ${v + 1}`;
  return (
    <section
      className="playground-results"
      aria-label="Results"
      aria-busy={state.status === "starting" || state.status === "running" || undefined}
      style={{ "--playground-columns": state.versions } as React.CSSProperties}
    >
      <div className="playground-grid-head" aria-hidden="true">
        {columns.map((v) => (
          <div key={v} className="playground-grid-column">
            <span className="playground-grid-index">{`Version ${v + 1}`}</span> {name(v)}
          </div>
        ))}
      </div>
      {rows.map((i) => (
        <div key={i} className="playground-grid-row">
          <h3 className="playground-grid-input">
            {`Input ${i + 1}`}
            {inputNames[i] ? <span className="muted"> · {inputNames[i]}</span> : null}
          </h3>
          <div className="playground-grid-cells">
            {columns.map((v) => {
              const cell = cellAt(state, v, i);
              return cell ? (
                <ResultCell
                  key={v}
                  cell={cell}
                  versionName={`Version ${v + 1} · ${name(v)}`}
                  onRunAgain={onRunAgain ? () => onRunAgain(v, i) : undefined}
                />
              ) : null;
            })}
          </div>
        </div>
      ))}
    </section>
  );
}

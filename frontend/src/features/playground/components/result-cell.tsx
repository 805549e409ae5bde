import { Button } from "@/components/ui/button";
import { cellStats } from "../cell-stats";
import type { CellState } from "../run-state";

const STATUS_TEXT: Record<CellState["status"], string> = {
  waiting: "Waiting…",
  streaming: "Writing…",
  complete: "Complete",
  failed: "Failed",
  stopped: "Stopped",
};

interface ResultCellProps {
  cell: CellState;
  /** "v2 · Title", shown in the cell when the grid has no column headers (phones). */
  versionName: string;
  /** Run this cell again on its own; absent while anything streams. */
  onRunAgain?: (() => void) | undefined;
}

/** One answer of the grid: its text as it streams in, then its numbers or its error. */
export function ResultCell({ cell, versionName, onRunAgain }: ResultCellProps) {
  const live = cell.status === "waiting" || cell.status === "streaming";
  const stats = cellStats(cell);
  return (
    <article
      className={`playground-cell is-${cell.status}`}
      aria-label={`Version ${cell.v + 1} · input ${cell.i + 1}`}
      aria-busy={live || undefined}
    >
      <header className="playground-cell-header">
        <span className="playground-cell-version">{versionName}</span>
        <span
          className={`tag${cell.status === "failed" ? " tag-danger" : cell.status === "stopped" ? " tag-warn" : cell.status === "complete" ? " tag-success" : ""}`}
        >
          {STATUS_TEXT[cell.status]}
        </span>
      </header>
      {cell.text ? (
        <p className="playground-cell-text">
          {cell.text}
          {cell.status === "streaming" ? (
            <span className="playground-cursor" aria-hidden="true" />
          ) : null}
        </p>
      ) : cell.status === "waiting" ? (
        <p className="muted playground-cell-text">Waiting for the model…</p>
      ) : null}
      {cell.status === "failed" || cell.status === "stopped" ? (
        <p className={cell.status === "failed" ? "field-error" : "muted"}>{cell.error}</p>
      ) : null}
      {stats.length > 0 ? (
        <dl className="playground-stats">
          {stats.map((stat) => (
            <div key={stat.label}>
              <dt>{stat.label}</dt>
              <dd>{stat.value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {cell.runId !== undefined ? (
        <p className="muted playground-cell-note">{`Run again as run #${cell.runId}`}</p>
      ) : null}
      {onRunAgain && !live ? (
        <div className="button-row">
          <Button variant="secondary" className="playground-again" onClick={onRunAgain}>
            Run again
          </Button>
        </div>
      ) : null}
    </article>
  );
}

import type { MouseEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "@/lib/format";
import { RUNS_PAGE_SIZE, usePlaygroundRuns } from "../api";

const STATUS_TEXT: Record<string, string> = {
  running: "running",
  complete: "complete",
  cancelled: "stopped",
};

/** The address of a stored run (the page reopens it from there). */
export const runHref = (runId: number) => `/playground?run=${runId}`;

/** Follow a plain left click in the page; other clicks (new tab, …) keep the link's own way. */
function inPage(event: MouseEvent, go: () => void) {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  event.preventDefault();
  go();
}

interface RunsListProps {
  page: number;
  onPage: (page: number) => void;
  activeRunId: number | undefined;
  onOpen: (runId: number) => void;
}

/** The person's past runs, newest first: each reopens exactly as it was. */
export function RunsList({ page, onPage, activeRunId, onOpen }: RunsListProps) {
  const runs = usePlaygroundRuns(page);
  const total = runs.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / RUNS_PAGE_SIZE));
  return (
    <section className="playground-runs" aria-labelledby="playground-runs-title">
      <h2 id="playground-runs-title">Past runs</h2>
      {runs.isPending ? <p className="muted">Loading runs…</p> : null}
      {runs.isError ? <Alert>{`Could not load your runs: ${runs.error.message}`}</Alert> : null}
      {runs.data && runs.data.items.length === 0 ? (
        <p className="muted">No runs yet. Choose versions and inputs, then Run.</p>
      ) : null}
      {runs.data && runs.data.items.length > 0 ? (
        <ul className="playground-runs-list">
          {runs.data.items.map((run) => {
            const titles = [...new Set(run.versions.map((version) => version.title))].join(", ");
            return (
              <li key={run.run_id}>
                <a
                  href={runHref(run.run_id)}
                  aria-current={run.run_id === activeRunId ? "page" : undefined}
                  onClick={(event) => inPage(event, () => onOpen(run.run_id))}
                >
                  <span className="playground-run-title">{`Run #${run.run_id}`}</span>
                  <span className="playground-run-meta">
                    {`${run.versions.length} × ${run.input_count} · ${STATUS_TEXT[run.status] ?? run.status}`}
                  </span>
                  <span className="playground-run-meta">{titles}</span>
                  <span className="playground-run-meta">{formatDateTime(run.created_at)}</span>
                </a>
              </li>
            );
          })}
        </ul>
      ) : null}
      {pages > 1 ? (
        <nav className="button-row" aria-label="Pages of runs">
          <Button variant="secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
            Newer
          </Button>
          <span className="muted">{`Page ${page} of ${pages}`}</span>
          <Button variant="secondary" disabled={page >= pages} onClick={() => onPage(page + 1)}>
            Older
          </Button>
        </nav>
      ) : null}
    </section>
  );
}

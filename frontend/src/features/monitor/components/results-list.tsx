import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "@/lib/format";
import { type GameResult, useGameResults } from "../api";
import { ownerLabel, summarize } from "../timeline";

function resultSummary(result: GameResult): string {
  const payload =
    typeof result.payload === "object" && result.payload !== null && !Array.isArray(result.payload)
      ? (result.payload as Record<string, unknown>)
      : { value: result.payload };
  return summarize({
    kind: "result",
    project: result.project,
    session_id: result.session_id,
    owner: result.owner,
    payload,
    at: 0,
  });
}

function ResultItem({ result, viewerId }: { result: GameResult; viewerId: string | undefined }) {
  return (
    <li className="result">
      <div className="event-head">
        <time dateTime={result.received_at}>{formatDateTime(result.received_at)}</time>
        <span className="event-owner muted" title={`Owner: ${result.owner}`}>
          {ownerLabel(result.owner, viewerId)}
        </span>
      </div>
      <p className="event-summary">{resultSummary(result)}</p>
      {result.template ? (
        <details className="event-raw">
          <summary>Template in use</summary>
          <p className="result-template">{result.template}</p>
        </details>
      ) : null}
      <details className="event-raw">
        <summary>Raw JSON</summary>
        <pre className="mono">{JSON.stringify(result.payload, null, 2)}</pre>
      </details>
    </li>
  );
}

interface ResultsListProps {
  project: string;
  sessionId: string;
  viewerId?: string | undefined;
}

/** Game outcomes this session's client posted on `project/result/{sessionId}`, newest first. */
export function ResultsList({ project, sessionId, viewerId }: ResultsListProps) {
  const results = useGameResults(project, sessionId);
  const refresh = (
    <Button variant="secondary" busy={results.isFetching} onClick={() => void results.refetch()}>
      Refresh
    </Button>
  );
  if (results.isPending) return <p className="muted">Loading results…</p>;
  if (results.isError) {
    return (
      <div className="stack">
        <Alert>Could not load the results: {results.error.message}</Alert>
        <div>{refresh}</div>
      </div>
    );
  }
  return (
    <div className="stack results">
      {results.data.length === 0 ? (
        <p className="muted">
          No results for this session yet. A game posts one on{" "}
          <code>
            {project}/result/{sessionId}
          </code>{" "}
          when it ends.
        </p>
      ) : (
        <ol className="timeline" aria-label="Results, newest first">
          {results.data.map((result) => (
            <ResultItem key={result.id} result={result} viewerId={viewerId} />
          ))}
        </ol>
      )}
      <div>{refresh}</div>
    </div>
  );
}

import { useNavigate, useSearch } from "@tanstack/react-router";
import { useCallback } from "react";
import { PlaygroundPanel } from "@/features/playground/components/playground-panel";

export interface PlaygroundSearch {
  /** A stored run to reopen exactly as it was. */
  run?: number;
}

/** `/playground?run=12`: the address names the run on screen (if any). */
export function validatePlaygroundSearch(search: Record<string, unknown>): PlaygroundSearch {
  const run = Number(search.run);
  return { run: Number.isInteger(run) && run > 0 ? run : undefined };
}

/** Playground: run template versions against several inputs side by side. */
export function PlaygroundPage() {
  const { run } = useSearch({ strict: false }) as PlaygroundSearch;
  const navigate = useNavigate();
  const change = useCallback(
    (runId: number | undefined, { replace }: { replace: boolean }) =>
      void navigate({ to: "/playground", search: { run: runId }, replace }),
    [navigate],
  );
  return (
    <main className="page page-wide" id="main">
      <h1>Playground</h1>
      <p className="lead">
        Run template versions on several inputs at once and compare the answers side by side, with
        each answer's tokens, time to first token, total time and how much of the prompt the model
        already had cached.
      </p>
      <PlaygroundPanel runId={run} onRunChange={change} />
    </main>
  );
}

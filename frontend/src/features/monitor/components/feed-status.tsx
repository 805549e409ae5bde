import { Alert } from "@/components/ui/alert";
import { StatusDot } from "@/components/ui/status-dot";
import type { WatchState } from "../hooks/use-game-events";

/** Whether the timeline is live, in a polite live region (a drop and a return are announced). */
export function FeedStatus({ state }: { state: WatchState }) {
  if (state.status === "failed") {
    return <Alert>The live feed was refused: {state.reason}</Alert>;
  }
  return (
    <p className="feed-status" role="status">
      {state.status === "live" ? (
        <>
          <StatusDot tone="ok" /> Live
        </>
      ) : state.status === "connecting" ? (
        <>
          <StatusDot tone="unknown" /> Connecting to the live feed…
        </>
      ) : state.status === "reconnecting" ? (
        <>
          <StatusDot tone="warn" /> {state.reason}; trying again in{" "}
          {Math.round(state.retryInMs / 1000)} s. Events from the pause may be missing.
        </>
      ) : null}
    </p>
  );
}

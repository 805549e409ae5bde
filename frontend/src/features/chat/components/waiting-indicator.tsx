import { useElapsedSeconds } from "../hooks/use-elapsed-seconds";

interface WaitingIndicatorProps {
  startedAt: number;
  /** The turn waits for a free slot of the model. */
  queued: boolean;
}

/** Shown in an answer until its first words arrive: what is happening, and for how long. */
export function WaitingIndicator({ startedAt, queued }: WaitingIndicatorProps) {
  const seconds = useElapsedSeconds(startedAt);
  return (
    <div className={`chat-waiting${queued ? " chat-waiting-queued" : ""}`}>
      <span className="typing-dots" aria-hidden="true">
        <span />
        <span />
        <span />
      </span>
      <span role="status">{queued ? "Queued — the model is busy" : "Waiting for the model…"}</span>
      <span className="chat-waiting-time" aria-hidden="true">
        {seconds} s
      </span>
    </div>
  );
}

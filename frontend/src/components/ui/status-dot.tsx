export type StatusTone = "ok" | "warn" | "bad" | "unknown";

/** A coloured dot; the meaning is always also given as text next to it. */
export function StatusDot({ tone }: { tone: StatusTone }) {
  return <span className={`status-dot status-${tone}`} aria-hidden="true" />;
}

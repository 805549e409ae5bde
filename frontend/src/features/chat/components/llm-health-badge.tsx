import { StatusDot, type StatusTone } from "@/components/ui/status-dot";
import { useLlmHealth } from "../api";

const TONE: Record<string, StatusTone> = { ok: "ok", degraded: "warn", unavailable: "bad" };

/** "LLM: ok / degraded / unavailable", refreshed every 30 s. */
export function LlmHealthBadge() {
  const health = useLlmHealth();
  const status = health.data?.status ?? (health.isError ? "unavailable" : "checking");
  const details = health.data
    ? [
        health.data.model,
        health.data.latency_ms != null ? `${Math.round(health.data.latency_ms)} ms` : null,
      ]
        .filter(Boolean)
        .join(" · ")
    : "";
  return (
    <span
      className="health-badge"
      role="status"
      aria-label={`LLM status: ${status}`}
      title={details || undefined}
    >
      <StatusDot tone={TONE[status] ?? "unknown"} />
      LLM: {status}
    </span>
  );
}

import { Alert } from "@/components/ui/alert";
import { StatusDot, type StatusTone } from "@/components/ui/status-dot";
import { useLlmHealth } from "../api";

const TONE: Record<string, StatusTone> = { ok: "ok", degraded: "warn", unavailable: "bad" };

/** The LLM server's status with the details an operator needs. */
export function LlmHealthCard() {
  const health = useLlmHealth();
  if (health.isPending) return <p className="muted">Checking the LLM server…</p>;
  if (health.isError) return <Alert>{health.error.message}</Alert>;
  const { status, model, server_url: serverUrl, latency_ms: latency } = health.data;
  return (
    <dl className="facts">
      <dt>Status</dt>
      <dd>
        <StatusDot tone={TONE[status] ?? "unknown"} /> {status}
      </dd>
      <dt>Model</dt>
      <dd>{model || "—"}</dd>
      <dt>Server</dt>
      <dd className="mono">{serverUrl || "—"}</dd>
      <dt>Latency</dt>
      <dd>{latency != null ? `${Math.round(latency)} ms` : "—"}</dd>
    </dl>
  );
}

import type { LlmHealthRead } from "@/api/client";
import { StatusDot, type StatusTone } from "@/components/ui/status-dot";
import { useLlmHealth } from "../api";
import { type LlmState, llmState } from "../llm-state";

const TONE: Record<LlmState, StatusTone> = {
  checking: "unknown",
  ok: "ok",
  busy: "warn",
  degraded: "warn",
  offline: "bad",
};

/** How loaded the chat lane is, in words: "2 of 4 in use, 1 waiting". */
function load(health: LlmHealthRead): { short: string; long: string } {
  const lane = health.gate.lanes.chat;
  const inUse = Object.values(health.gate.lanes).reduce((sum, item) => sum + item.in_use, 0);
  const waiting = lane?.waiting ?? 0;
  return {
    short: waiting > 0 ? `${waiting} waiting` : "full",
    long: `${inUse} of ${health.gate.capacity} in use, ${waiting} waiting`,
  };
}

/**
 * "LLM: ok / busy / degraded / offline" in the header, refreshed every 30 s (every 3 s while
 * offline). When busy it says how busy, briefly on screen and in full for assistive technology.
 */
export function LlmHealthBadge() {
  const health = useLlmHealth();
  const state = llmState(health.data, health.isError);
  const busy = state === "busy" && health.data ? load(health.data) : null;
  const details = health.data
    ? [
        health.data.model,
        health.data.latency_ms != null ? `${Math.round(health.data.latency_ms)} ms` : null,
        busy?.long,
      ]
        .filter(Boolean)
        .join(" · ")
    : "";
  return (
    <span
      className="health-badge"
      role="status"
      aria-label={`LLM status: ${state}${busy ? ` — ${busy.long}` : ""}`}
      title={details || undefined}
    >
      <StatusDot tone={TONE[state]} />
      LLM: {state}
      {busy ? ` · ${busy.short}` : null}
    </span>
  );
}

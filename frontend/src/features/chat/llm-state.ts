/**
 * What the LLM's health report means for a person about to chat: can they send at all
 * (offline), and will their turn wait (the gate is full, or the chat lane is). Pure, so it is tested alone.
 */
import type { GateRead, LlmHealthRead } from "@/api/client";

export type LlmState = "checking" | "ok" | "busy" | "degraded" | "offline";

/** The chat lane has people waiting, or uses all the slots it is guaranteed. */
export function chatLaneBusy(gate: GateRead | undefined): boolean {
  const lane = gate?.lanes.chat;
  if (!lane) return false;
  return lane.waiting > 0 || (lane.reserved > 0 && lane.in_use >= lane.reserved);
}

/** Every slot of the gate is taken, or someone is waiting for one: new turns will queue. */
export function gateBusy(gate: GateRead | undefined): boolean {
  if (!gate) return false;
  const lanes = Object.values(gate.lanes);
  const inUse = lanes.reduce((sum, lane) => sum + lane.in_use, 0);
  return lanes.some((lane) => lane.waiting > 0) || (gate.capacity > 0 && inUse >= gate.capacity);
}

/** The model cannot answer: the portal says so, or the portal cannot be asked. */
export function llmState(health: LlmHealthRead | undefined, failed: boolean): LlmState {
  if (failed) return "offline";
  if (!health) return "checking";
  if (health.status === "unavailable") return "offline";
  if (gateBusy(health.gate)) return "busy";
  return health.status === "degraded" ? "degraded" : "ok";
}

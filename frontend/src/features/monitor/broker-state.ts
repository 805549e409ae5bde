/** The three things a person needs to know about the game broker, from the status answer. */
import type { StatusTone } from "@/components/ui/status-dot";
import type { MqttStatus } from "./api";

/** `elsewhere`: another worker process of the portal runs the bridge, not the one asked. */
export type BrokerState = "connected" | "disconnected" | "elsewhere" | "off";

export function brokerState(status: MqttStatus): BrokerState {
  if (!status.enabled) return "off";
  if (status.served_by_other_worker) return "elsewhere";
  return status.connected ? "connected" : "disconnected";
}

export const BROKER_LABEL: Record<BrokerState, string> = {
  connected: "connected",
  disconnected: "not connected",
  elsewhere: "runs in another worker",
  off: "off",
};

export const BROKER_TONE: Record<BrokerState, StatusTone> = {
  connected: "ok",
  disconnected: "bad",
  elsewhere: "unknown",
  off: "unknown",
};

/** Which projects answer clients without an API key, in words. */
export function keylessText(status: MqttStatus): string {
  if (status.keyless_projects.includes("*")) return "all projects";
  if (status.keyless_projects.length === 0) return "none (every request needs an API key)";
  return status.keyless_projects.join(", ");
}

const STAT_NAMES = ["received", "answered", "errors", "dropped", "queued"] as const;

/** "received 12 · answered 11 · errors 1", the counters people look at first. */
export function statsText(stats: Record<string, number>): string {
  return STAT_NAMES.filter((name) => typeof stats[name] === "number")
    .map((name) => `${name} ${stats[name]}`)
    .join(" · ");
}

/** Builders for the monitor's tests: status answers, game events and their SSE frames. */
import type { GameResult, MqttStatus } from "../api";
import type { GameEvent } from "../events";

export function mqttStatus(overrides: Partial<MqttStatus> = {}): MqttStatus {
  return {
    enabled: true,
    connected: true,
    served_by_other_worker: false,
    broker: "mqtt://127.0.0.1:1883",
    projects: ["maze", "driving"],
    keyless_projects: ["maze"],
    reply_format: "text",
    stats: { received: 3, answered: 2, errors: 1 },
    ...overrides,
  };
}

export function gameEvent(
  kind: GameEvent["kind"],
  payload: Record<string, unknown> = {},
  overrides: Partial<GameEvent> = {},
): GameEvent {
  return {
    kind,
    project: "maze",
    session_id: "s1",
    owner: "1",
    payload,
    at: 1_700_000_000,
    ...overrides,
  };
}

/** One `event: game` frame of the feed. */
export function frame(event: GameEvent): string {
  return `event: game\ndata: ${JSON.stringify(event)}\n\n`;
}

export function gameResult(overrides: Partial<GameResult> = {}): GameResult {
  return {
    id: 1,
    project: "maze",
    session_id: "s1",
    owner: "1",
    template: "You guide a player through a maze.",
    payload: { score: 120, won: true, steps: 14 },
    received_at: "2025-01-01T12:00:00Z",
    ...overrides,
  };
}

import { describe, expect, it } from "vitest";
import type { GateRead, LlmHealthRead } from "@/api/client";
import { chatLaneBusy, gateBusy, llmState } from "../llm-state";

const gate = (chat: Partial<GateRead["lanes"][string]> = {}, capacity = 4): GateRead => ({
  capacity,
  lanes: {
    chat: { in_use: 0, waiting: 0, reserved: 2, ...chat },
    completion: { in_use: 0, waiting: 0, reserved: 1 },
  },
});

const health = (status: LlmHealthRead["status"], g = gate()): LlmHealthRead => ({
  status,
  server_url: "",
  model: "m",
  latency_ms: 3,
  slot_context: null,
  gate: g,
});

describe("llm state", () => {
  it("calls the chat lane busy when turns wait or it uses its whole share", () => {
    expect(chatLaneBusy(gate())).toBe(false);
    expect(chatLaneBusy(gate({ in_use: 1 }))).toBe(false);
    expect(chatLaneBusy(gate({ in_use: 2 }))).toBe(true);
    expect(chatLaneBusy(gate({ waiting: 1 }))).toBe(true);
    expect(chatLaneBusy(undefined)).toBe(false);
  });

  it("calls the gate busy when it is full or anyone waits", () => {
    expect(gateBusy(gate({ in_use: 2 }))).toBe(false);
    expect(gateBusy(gate({ in_use: 4 }))).toBe(true);
    expect(gateBusy(gate({ waiting: 1 }))).toBe(true);
  });

  it("is offline when the portal says so or cannot be asked", () => {
    expect(llmState(health("unavailable"), false)).toBe("offline");
    expect(llmState(undefined, true)).toBe("offline");
    expect(llmState(undefined, false)).toBe("checking");
    expect(llmState(health("ok"), false)).toBe("ok");
    expect(llmState(health("ok", gate({ waiting: 2 })), false)).toBe("busy");
    expect(llmState(health("degraded"), false)).toBe("degraded");
  });
});

import { describe, expect, it } from "vitest";
import {
  checkPublish,
  MAX_PAYLOAD_BYTES,
  newSessionId,
  sampleMazeState,
  sessionIdProblem,
} from "../publish-input";

describe("checkPublish", () => {
  it("sends a message with the watched session id", () => {
    expect(checkPublish("user_input", "Which way?", "s1")).toEqual({
      ok: true,
      payload: { sessionId: "s1", message: "Which way?" },
    });
  });

  it("refuses an empty message", () => {
    expect(checkPublish("user_input", "   ", "s1")).toEqual({
      ok: false,
      error: "Write a message to send.",
    });
  });

  it("sends a state as the JSON object typed, always for the watched session", () => {
    const result = checkPublish("state", '{"sessionId": "other", "player_pos": [1, 1]}', "s1");
    expect(result).toEqual({ ok: true, payload: { sessionId: "s1", player_pos: [1, 1] } });
  });

  it("says when a state is not JSON, or not an object", () => {
    const broken = checkPublish("state", '{"player_pos": [1, 1]', "s1");
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.error).toMatch(/^This is not valid JSON/);
    expect(checkPublish("state", "[1, 2]", "s1")).toEqual({
      ok: false,
      error: "The state must be a JSON object ({ … }).",
    });
    expect(checkPublish("state", "", "s1")).toEqual({
      ok: false,
      error: "Enter the game state as JSON.",
    });
  });

  it("refuses a message the bridge would refuse for its size", () => {
    const result = checkPublish(
      "state",
      JSON.stringify({ blob: "x".repeat(MAX_PAYLOAD_BYTES) }),
      "s1",
    );
    expect(result).toEqual({ ok: false, error: "The message is larger than 64 KiB." });
  });
});

describe("the sample maze state", () => {
  it("is a valid pygame-dialect state for the session", () => {
    const state = JSON.parse(sampleMazeState("s9")) as Record<string, unknown>;
    expect(state).toEqual({
      sessionId: "s9",
      player_pos: [1, 1],
      exit_pos: [3, 3],
      visible_map: [
        [1, 1, 1, 1, 1],
        [1, 0, 0, 0, 1],
        [1, 1, 1, 0, 1],
        [1, 0, 0, 0, 1],
        [1, 1, 1, 1, 1],
      ],
    });
    expect(checkPublish("state", sampleMazeState("s9"), "s9").ok).toBe(true);
  });
});

describe("session ids", () => {
  it("accepts what the bridge accepts and explains what it does not", () => {
    expect(sessionIdProblem("player-1 game")).toBeUndefined();
    expect(sessionIdProblem("  ")).toBe("Enter a session id, or make a new one.");
    expect(sessionIdProblem("a/b")).toMatch(/cannot contain/);
    expect(sessionIdProblem("a#")).toMatch(/cannot contain/);
    expect(sessionIdProblem("x".repeat(129))).toBe("A session id has at most 128 characters.");
  });

  it("makes fresh ids that are valid and differ", () => {
    const a = newSessionId();
    expect(a).toMatch(/^test-[0-9a-f]{6}$/);
    expect(sessionIdProblem(a)).toBeUndefined();
    expect(new Set(Array.from({ length: 20 }, newSessionId)).size).toBeGreaterThan(1);
  });
});

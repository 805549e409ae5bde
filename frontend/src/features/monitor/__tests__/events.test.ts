import { describe, expect, it, vi } from "vitest";
import { tokenStorage } from "@/lib/token-storage";
import { json, mockFetch, sseResponse } from "@/testing/fetch-mock";
import {
  type FeedState,
  type GameEvent,
  parseGameEvent,
  reconnectDelay,
  watchGameEvents,
} from "../events";
import { frame, gameEvent } from "./fixtures";

function recorder() {
  const controller = new AbortController();
  const events: GameEvent[] = [];
  const states: FeedState[] = [];
  const waits: number[] = [];
  return {
    controller,
    events,
    states,
    waits,
    options: {
      signal: controller.signal,
      onEvent: (event: GameEvent) => events.push(event),
      onState: (state: FeedState) => states.push(state),
      sleep: async (ms: number) => {
        waits.push(ms);
      },
    },
  };
}

describe("watchGameEvents", () => {
  it("follows the session's feed with the bearer token and hands over its game events", async () => {
    tokenStorage.set("jwt");
    const hint = gameEvent("hint", { hint: "Go down" });
    const spy = mockFetch([
      {
        method: "GET",
        path: "/api/mqtt/events",
        handler: (request) =>
          sseResponse(request, [
            ": ready\n\n",
            frame(gameEvent("state", { player_pos: [1, 1] })),
            "event: other\ndata: {}\n\n",
            "event: game\ndata: not json\n\n",
            frame(hint),
          ]),
      },
    ]);
    const r = recorder();
    const done = watchGameEvents("maze", "s 1", r.options);
    await vi.waitFor(() => expect(r.events).toHaveLength(2));
    expect(r.events[1]).toEqual(hint);
    expect(r.states).toEqual([{ status: "connecting" }, { status: "live" }]);

    const request = spy.mock.calls[0]?.[0] as Request;
    expect(request.headers.get("Authorization")).toBe("Bearer jwt");
    const url = new URL(request.url);
    expect(url.searchParams.get("project")).toBe("maze");
    expect(url.searchParams.get("session_id")).toBe("s 1");

    r.controller.abort();
    await done;
  });

  it("reconnects after the feed ends, waiting longer each time it fails", async () => {
    let calls = 0;
    mockFetch([
      {
        method: "GET",
        path: "/api/mqtt/events",
        handler: (request) => {
          calls += 1;
          if (calls === 1) {
            return sseResponse(request, [frame(gameEvent("request", { message: "a" }))], {
              close: true,
            });
          }
          if (calls <= 3) return json({ error: "Restarting", timestamp: 1 }, 503);
          return sseResponse(request, [frame(gameEvent("reply", { response: "b" }))]);
        },
      },
    ]);
    const r = recorder();
    const done = watchGameEvents("maze", "s1", r.options);
    await vi.waitFor(() =>
      expect(r.events.map((event) => event.kind)).toEqual(["request", "reply"]),
    );
    expect(r.waits).toEqual([1000, 2000, 4000]);
    expect(r.states).toContainEqual({
      status: "reconnecting",
      retryInMs: 2000,
      reason: "Restarting",
    });
    expect(r.states.at(-1)).toEqual({ status: "live" });
    r.controller.abort();
    await done;
  });

  it("stops for good when the feed is refused (no access, bad project)", async () => {
    const spy = mockFetch([
      {
        method: "GET",
        path: "/api/mqtt/events",
        handler: () => json({ error: "Unknown project", timestamp: 1, code: "bad_request" }, 400),
      },
    ]);
    const r = recorder();
    await watchGameEvents("nope", "s1", r.options);
    expect(r.states.at(-1)).toEqual({ status: "failed", reason: "Unknown project" });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(r.waits).toEqual([]);
  });

  it("ends quietly when the page stops watching", async () => {
    mockFetch([
      { method: "GET", path: "/api/mqtt/events", handler: (request) => sseResponse(request, []) },
    ]);
    const r = recorder();
    const done = watchGameEvents("maze", "s1", r.options);
    await vi.waitFor(() => expect(r.states.at(-1)).toEqual({ status: "live" }));
    r.controller.abort();
    await expect(done).resolves.toBeUndefined();
    expect(r.waits).toEqual([]);
  });
});

describe("reconnectDelay", () => {
  it("doubles from one second up to half a minute", () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(reconnectDelay)).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
  });
});

describe("parseGameEvent", () => {
  it("takes the known kinds only", () => {
    expect(parseGameEvent(JSON.stringify(gameEvent("hint")))).toEqual(gameEvent("hint"));
    expect(parseGameEvent(JSON.stringify({ ...gameEvent("hint"), kind: "gossip" }))).toBeNull();
    expect(parseGameEvent("[]")).toBeNull();
  });
});

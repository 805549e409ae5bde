import { describe, expect, it } from "vitest";
import { addEvent, streamText, summarize, TIMELINE_LIMIT, type TimelineEntry } from "../timeline";
import { gameEvent } from "./fixtures";

describe("summarize", () => {
  it("reads a hint's text and what else it carries", () => {
    expect(
      summarize(
        gameEvent("hint", {
          hint: "Go right twice",
          path: [
            [1, 1],
            [2, 1],
          ],
        }),
      ),
    ).toBe("Go right twice (path of 2 steps)");
    expect(summarize(gameEvent("hint", { hint: "Break it", break_wall: [2, 1] }))).toBe(
      "Break it (break wall at (2, 1))",
    );
  });

  it("reads a reply's answer from whichever field carries it", () => {
    expect(summarize(gameEvent("reply", { response: "Hello there" }))).toBe("Hello there");
    expect(summarize(gameEvent("reply", { text: "Plain text reply" }))).toBe("Plain text reply");
    expect(summarize(gameEvent("reply", {}))).toBe("Reply");
  });

  it("gives an error's code and message, and the model's raw answer when there is one", () => {
    expect(summarize(gameEvent("error", { code: "llm_timeout", error: "Too slow" }))).toBe(
      "llm_timeout: Too slow",
    );
    expect(
      summarize(gameEvent("error", { code: "bad_hint", error: "Unreadable", raw: "go up!!" })),
    ).toBe("bad_hint: Unreadable — the model said: go up!!");
  });

  it("describes states, requests, results and session changes", () => {
    expect(
      summarize(
        gameEvent("state", {
          state: { player_pos: [1, 1], exit_pos: { x: 3, y: 3 } },
          stuck: true,
        }),
      ),
    ).toBe("State: player at (1, 1), exit at (3, 3), stuck (same state as before)");
    expect(summarize(gameEvent("request", { message: "Which way?" }))).toBe("Which way?");
    expect(summarize(gameEvent("result", { score: 10, won: false }))).toBe(
      "Result: score 10, won false",
    );
    expect(summarize(gameEvent("template", { title: "Coach", chars: 120, reset: true }))).toBe(
      "Template set: Coach (120 characters, history reset)",
    );
    expect(summarize(gameEvent("clear", { had_history: true }))).toBe("History cleared");
    expect(summarize(gameEvent("delete", { existed: false }))).toBe(
      "Session deleted (it did not exist)",
    );
  });

  it("clips long text to one readable line", () => {
    const summary = summarize(gameEvent("reply", { response: `a\n${"b".repeat(500)}` }));
    expect(summary).toHaveLength(240);
    expect(summary.startsWith("a b")).toBe(true);
    expect(summary.endsWith("…")).toBe(true);
  });
});

describe("addEvent", () => {
  it("keeps the newest first, whatever order the events came in", () => {
    let entries: TimelineEntry[] = [];
    entries = addEvent(entries, gameEvent("request", { message: "one" }, { at: 10 }));
    entries = addEvent(entries, gameEvent("reply", { response: "three" }, { at: 30 }));
    entries = addEvent(entries, gameEvent("state", {}, { at: 20 }));
    expect(entries.map((entry) => (entry.type === "event" ? entry.event.at : 0))).toEqual([
      30, 20, 10,
    ]);
  });

  it("folds a streamed answer's chunks into one entry", () => {
    let entries: TimelineEntry[] = [];
    entries = addEvent(entries, gameEvent("request", { message: "hi" }, { at: 1 }));
    entries = addEvent(entries, gameEvent("delta", { delta: "Hel" }, { at: 2 }));
    entries = addEvent(entries, gameEvent("delta", { delta: "lo" }, { at: 3 }));
    entries = addEvent(entries, gameEvent("reply", { response: "Hello" }, { at: 4 }));
    expect(entries.map((entry) => entry.type)).toEqual(["event", "stream", "event"]);
    const stream = entries[1];
    expect(stream?.type === "stream" && streamText(stream.events)).toBe("Hello");
  });

  it("keeps at most the newest TIMELINE_LIMIT entries", () => {
    let entries: TimelineEntry[] = [];
    for (let i = 0; i < TIMELINE_LIMIT + 5; i++) {
      entries = addEvent(entries, gameEvent("state", {}, { at: i }));
    }
    expect(entries).toHaveLength(TIMELINE_LIMIT);
    expect(entries[0]?.type === "event" && entries[0].event.at).toBe(TIMELINE_LIMIT + 4);
  });
});

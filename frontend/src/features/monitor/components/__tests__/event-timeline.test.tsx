import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { gameEvent } from "@/features/monitor/__tests__/fixtures";
import { addEvent, formatTime, type TimelineEntry } from "@/features/monitor/timeline";
import { EventTimeline } from "../event-timeline";

function timeline(...events: Parameters<typeof addEvent>[1][]): TimelineEntry[] {
  return events.reduce<TimelineEntry[]>((entries, event) => addEvent(entries, event), []);
}

describe("EventTimeline", () => {
  it("says what to expect before anything happened", () => {
    render(<EventTimeline entries={[]} />);
    expect(screen.getByText(/Nothing yet/)).toBeInTheDocument();
  });

  it("shows each event's time, kind, owner and a readable line, newest first", () => {
    render(
      <EventTimeline
        entries={timeline(
          gameEvent("state", { state: { player_pos: [1, 1], exit_pos: [3, 3] } }, { at: 100 }),
          gameEvent("hint", { hint: "Go right, then down" }, { at: 101, owner: "mqtt:maze" }),
          gameEvent("error", { code: "llm_timeout", error: "Too slow" }, { at: 102 }),
        )}
        viewerId="1"
      />,
    );
    const items = within(screen.getByRole("list", { name: "Events, newest first" })).getAllByRole(
      "listitem",
    );
    expect(items).toHaveLength(3);
    const [error, hint, state] = items as [HTMLElement, HTMLElement, HTMLElement];
    expect(error).toHaveTextContent("error");
    expect(error).toHaveTextContent("llm_timeout: Too slow");
    expect(hint).toHaveTextContent(formatTime(101));
    expect(hint).toHaveTextContent("client without a key");
    expect(state).toHaveTextContent("you");
    expect(hint).toHaveTextContent("Go right, then down");
    expect(state).toHaveTextContent("State: player at (1, 1), exit at (3, 3)");
  });

  // A native <details>: browsers open it from the keyboard too (jsdom only by clicking).
  it("opens an event to the raw JSON it came with", async () => {
    render(
      <EventTimeline entries={timeline(gameEvent("reply", { response: "Hi", done: true }))} />,
    );
    const user = userEvent.setup();
    const toggle = screen.getByText("Raw JSON");
    const details = toggle.closest("details") as HTMLDetailsElement;
    expect(details.open).toBe(false);
    await user.click(toggle);
    expect(details.open).toBe(true);
    expect(within(details).getByText(/"response": "Hi"/)).toBeInTheDocument();
  });

  it("shows a streamed answer as one growing entry", () => {
    render(
      <EventTimeline
        entries={timeline(
          gameEvent("delta", { delta: "Hel", seq: 0 }, { at: 1 }),
          gameEvent("delta", { delta: "lo", seq: 1 }, { at: 2 }),
        )}
      />,
    );
    const item = screen.getByRole("listitem");
    expect(item).toHaveTextContent("delta · 2 chunks");
    expect(item).toHaveTextContent("Hello");
  });
});

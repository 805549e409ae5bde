import { describe, expect, it } from "vitest";
import { dateGroup, groupSessions } from "../session-groups";

// A Wednesday afternoon, local time.
const now = new Date(2026, 2, 11, 15, 30);
const at = (days: number, hours = 12) => new Date(2026, 2, 11 - days, hours, 0).toISOString();

describe("dateGroup", () => {
  it("puts a moment in Today, Yesterday, Previous 7 days or Older by local midnight", () => {
    expect(dateGroup(at(0, 0), now)).toBe("Today");
    expect(dateGroup(at(1, 23), now)).toBe("Yesterday");
    expect(dateGroup(at(1, 0), now)).toBe("Yesterday");
    expect(dateGroup(at(2), now)).toBe("Previous 7 days");
    expect(dateGroup(at(7, 0), now)).toBe("Previous 7 days");
    expect(dateGroup(at(8), now)).toBe("Older");
  });

  it("counts a clock running ahead, or an unreadable date, as today", () => {
    expect(dateGroup(at(-1), now)).toBe("Today");
    expect(dateGroup("not a date", now)).toBe("Today");
  });
});

describe("groupSessions", () => {
  it("keeps the given order inside each group and leaves out empty groups", () => {
    const sessions = [
      { id: "a", updated_at: at(0, 14) },
      { id: "b", updated_at: at(0, 9) },
      { id: "c", updated_at: at(3) },
      { id: "d", updated_at: at(40) },
    ];
    expect(
      groupSessions(sessions, now).map((group) => [group.label, group.sessions.map((s) => s.id)]),
    ).toEqual([
      ["Today", ["a", "b"]],
      ["Previous 7 days", ["c"]],
      ["Older", ["d"]],
    ]);
  });
});

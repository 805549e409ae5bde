import { describe, expect, it } from "vitest";
import { type DiffLine, diffCounts, sideBySide } from "../diff-rows";

describe("sideBySide", () => {
  it("pairs a changed line with its replacement and keeps unchanged lines on both sides", () => {
    const lines: DiffLine[] = [
      { op: "equal", text: "Hello", old: 1, new: 1 },
      { op: "remove", text: "Be brief.", old: 2 },
      { op: "remove", text: "Be kind.", old: 3 },
      { op: "add", text: "Be very brief.", new: 2 },
      { op: "equal", text: "Bye", old: 4, new: 3 },
      { op: "add", text: "P.S.", new: 4 },
    ];
    expect(sideBySide(lines)).toEqual([
      { kind: "equal", left: { line: 1, text: "Hello" }, right: { line: 1, text: "Hello" } },
      {
        kind: "change",
        left: { line: 2, text: "Be brief." },
        right: { line: 2, text: "Be very brief." },
      },
      { kind: "remove", left: { line: 3, text: "Be kind." }, right: null },
      { kind: "equal", left: { line: 4, text: "Bye" }, right: { line: 3, text: "Bye" } },
      { kind: "add", left: null, right: { line: 4, text: "P.S." } },
    ]);
    expect(diffCounts(lines)).toEqual({ added: 2, removed: 2 });
  });

  it("starts a new change when a removal follows additions", () => {
    const rows = sideBySide([
      { op: "add", text: "a", new: 1 },
      { op: "remove", text: "b", old: 1 },
      { op: "add", text: "c", new: 2 },
    ]);
    expect(rows.map((row) => row.kind)).toEqual(["add", "change"]);
  });

  it("is empty for no lines", () => {
    expect(sideBySide([])).toEqual([]);
  });
});

import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { DiffView } from "../diff-view";

describe("DiffView", () => {
  it("shows both versions side by side under a caption naming them", () => {
    render(
      <DiffView
        from={1}
        to={2}
        lines={[
          { op: "equal", text: "Hello", old: 1, new: 1 },
          { op: "remove", text: "Be brief.", old: 2 },
          { op: "add", text: "Be very brief.", new: 2 },
        ]}
      />,
    );
    const table = screen.getByRole("table", { name: /Changes from version 1 to version 2/ });
    expect(table).toHaveTextContent("1 line added, 1 line removed");
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(3);
    const cells = within(rows[2] as HTMLElement).getAllByRole("cell");
    expect(cells.map((cell) => cell.textContent)).toEqual([
      "2",
      "−changed from: Be brief.",
      "2",
      "+changed to: Be very brief.",
    ]);
  });
});

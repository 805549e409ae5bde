import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import {
  GHOST_TEXT_STORAGE_KEY,
  useGhostTextEnabled,
} from "@/features/settings/hooks/use-ghost-text-enabled";
import { GhostTextToggle } from "../ghost-text-toggle";

function Reader() {
  const [enabled] = useGhostTextEnabled();
  return <p>suggestions {enabled ? "on" : "off"}</p>;
}

describe("GhostTextToggle", () => {
  it("is on by default, and turning it off is saved and seen everywhere", async () => {
    render(
      <>
        <GhostTextToggle />
        <Reader />
      </>,
    );
    const user = userEvent.setup();
    const toggle = screen.getByRole("checkbox", { name: "Ghost-text suggestions" });
    expect(toggle).toBeChecked();
    expect(screen.getByText("suggestions on")).toBeInTheDocument();

    await user.click(toggle);
    expect(toggle).not.toBeChecked();
    expect(screen.getByText("suggestions off")).toBeInTheDocument();
    expect(window.localStorage.getItem(GHOST_TEXT_STORAGE_KEY)).toBe("false");
  });

  it("reads the saved choice", () => {
    window.localStorage.setItem(GHOST_TEXT_STORAGE_KEY, "false");
    render(<GhostTextToggle compact />);
    expect(screen.getByRole("checkbox", { name: "Ghost-text suggestions" })).not.toBeChecked();
  });
});

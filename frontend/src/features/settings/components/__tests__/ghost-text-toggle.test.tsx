import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
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

  it("still turns off for this session when the choice cannot be saved", async () => {
    const broken = () => {
      throw new DOMException("Storage is disabled", "SecurityError");
    };
    vi.spyOn(Storage.prototype, "getItem").mockImplementation(broken);
    vi.spyOn(Storage.prototype, "setItem").mockImplementation(broken);
    render(
      <>
        <GhostTextToggle />
        <Reader />
      </>,
    );
    const user = userEvent.setup();
    const toggle = screen.getByRole("checkbox", { name: "Ghost-text suggestions" });
    expect(toggle).toBeChecked();

    await user.click(toggle);
    expect(toggle).not.toBeChecked();
    expect(screen.getByText("suggestions off")).toBeInTheDocument();

    // Storage works again: the next choice is saved and storage is read as before.
    vi.restoreAllMocks();
    await user.click(toggle);
    expect(toggle).toBeChecked();
    expect(window.localStorage.getItem(GHOST_TEXT_STORAGE_KEY)).toBe("true");
  });

  it("reads the saved choice", () => {
    window.localStorage.setItem(GHOST_TEXT_STORAGE_KEY, "false");
    render(<GhostTextToggle compact />);
    expect(screen.getByRole("checkbox", { name: "Ghost-text suggestions" })).not.toBeChecked();
  });
});

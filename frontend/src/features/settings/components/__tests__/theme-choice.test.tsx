import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { startThemeSync, THEME_STORAGE_KEY } from "@/lib/theme";
import { ThemeChoice } from "../theme-choice";

const theme = () => document.documentElement.getAttribute("data-theme");

describe("ThemeChoice", () => {
  afterEach(() => document.documentElement.removeAttribute("data-theme"));

  it("follows the system until a theme is chosen, and saves the choice", async () => {
    render(<ThemeChoice />);
    const user = userEvent.setup();
    expect(screen.getByRole("radio", { name: "System" })).toBeChecked();
    expect(theme()).toBeNull();

    await user.click(screen.getByRole("radio", { name: "Dark" }));
    expect(theme()).toBe("dark");
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBe("dark");
    expect(screen.getByRole("radio", { name: "Dark" })).toBeChecked();

    await user.click(screen.getByRole("radio", { name: "Light" }));
    expect(theme()).toBe("light");

    await user.click(screen.getByRole("radio", { name: "System" }));
    expect(theme()).toBeNull();
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBeNull();
  });

  it("says what the system setting currently is", () => {
    render(<ThemeChoice />);
    expect(screen.getByRole("group", { name: "Theme" })).toHaveAccessibleDescription(
      /System follows your device \(now (light|dark)\)/,
    );
  });

  it("applies a saved choice at start and a change made in another tab", () => {
    window.localStorage.setItem(THEME_STORAGE_KEY, "dark");
    const stop = startThemeSync();
    expect(theme()).toBe("dark");

    window.localStorage.setItem(THEME_STORAGE_KEY, "light");
    window.dispatchEvent(
      new StorageEvent("storage", { key: THEME_STORAGE_KEY, oldValue: "dark", newValue: "light" }),
    );
    expect(theme()).toBe("light");
    stop();
  });
});

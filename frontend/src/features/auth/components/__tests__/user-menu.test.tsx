import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { UserMenu } from "../user-menu";

describe("UserMenu", () => {
  it("Escape closes the menu and gives focus back to its button", async () => {
    mockFetch([
      {
        method: "GET",
        path: "/api/auth/me",
        handler: () =>
          json({
            id: 1,
            email: "ada@example.com",
            display_name: "Ada",
            role: "user",
            is_active: true,
            created_at: "2025-01-01T00:00:00Z",
          }),
      },
    ]);
    const onLogout = vi.fn();
    renderWithProviders(<UserMenu onLogout={onLogout} />);
    const user = userEvent.setup();

    const trigger = await screen.findByRole("button", { name: "User menu: Ada" });
    expect(trigger).not.toHaveAttribute("aria-haspopup");
    await user.click(trigger);
    expect(trigger).toHaveAttribute("aria-expanded", "true");
    const logOut = screen.getByRole("button", { name: "Log out" });
    logOut.focus();

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("button", { name: "Log out" })).not.toBeInTheDocument();
    expect(trigger).toHaveAttribute("aria-expanded", "false");
    expect(trigger).toHaveFocus();
    expect(onLogout).not.toHaveBeenCalled();
  });
});

import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { apiFetch, setUnauthorizedHandler } from "@/api/http";
import { tokenStorage } from "@/lib/token-storage";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { testUser } from "@/testing/users";
import { PasswordForm } from "../password-form";

async function fill(current: string, next: string, again = next) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText("Current password"), current);
  await user.type(screen.getByLabelText("New password"), next);
  await user.type(screen.getByLabelText("Repeat the new password"), again);
  await user.click(screen.getByRole("button", { name: "Change password" }));
}

describe("PasswordForm", () => {
  it("checks the new password and its repetition before sending", async () => {
    const spy = mockFetch([]);
    renderWithProviders(<PasswordForm me={testUser()} />);

    await fill("old-secret-1", "short", "shorter");

    const next = screen.getByLabelText("New password");
    expect(next).toHaveAccessibleDescription(/Use at least 8 characters\./);
    expect(next).toHaveFocus();
    expect(screen.getByLabelText("Repeat the new password")).toHaveAccessibleDescription(
      "Type the same new password again.",
    );
    expect(spy).not.toHaveBeenCalled();
  });

  it("a wrong current password is said in plain words on that field", async () => {
    mockFetch([
      {
        method: "PATCH",
        path: "/api/auth/me",
        handler: () =>
          json(
            {
              error: "Current password is incorrect",
              timestamp: 1,
              details: [{ field: "current_password", message: "is incorrect" }],
            },
            400,
          ),
      },
    ]);
    renderWithProviders(<PasswordForm me={testUser()} />);

    await fill("wrong-secret-1", "new-secret-2");

    const current = screen.getByLabelText("Current password");
    await vi.waitFor(() =>
      expect(current).toHaveAccessibleDescription("That is not your current password."),
    );
    expect(current).toHaveFocus();
  });

  it("changes it, then logs in again with the new password (the old token is retired)", async () => {
    tokenStorage.set("old-jwt");
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    const spy = mockFetch([
      { method: "PATCH", path: "/api/auth/me", handler: () => json(testUser()) },
      // Something in the background still holding the old token hears 401 meanwhile.
      {
        method: "GET",
        path: "/api/keys",
        handler: () => json({ error: "Token revoked", timestamp: 1 }, 401),
      },
      {
        method: "POST",
        path: "/api/auth/login",
        handler: async () => {
          await apiFetch("http://portal.test/api/keys");
          return json({ access_token: "new-jwt", token_type: "bearer", expires_in: 3600 });
        },
      },
    ]);
    renderWithProviders(<PasswordForm me={testUser()} />);

    await fill("old-secret-1", "new-secret-2");

    expect(await screen.findByRole("status")).toHaveTextContent("Your password is changed.");
    expect(tokenStorage.get()).toBe("new-jwt");
    expect(onUnauthorized).not.toHaveBeenCalled();
    const [patch, login] = spy.mock.calls.map((call) => call[0] as Request);
    expect(await patch?.json()).toEqual({
      current_password: "old-secret-1",
      new_password: "new-secret-2",
    });
    expect(await login?.json()).toEqual({ email: "ada@example.com", password: "new-secret-2" });
    expect(screen.getByLabelText("Current password")).toHaveValue("");
  });

  it("names the temporary password when an admin set one", () => {
    mockFetch([]);
    renderWithProviders(<PasswordForm me={testUser({ must_change_password: true })} />);
    expect(screen.getByLabelText("Temporary password")).toBeInTheDocument();
  });
});

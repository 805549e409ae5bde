import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { tokenStorage } from "@/lib/token-storage";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { LoginForm } from "../login-form";

async function fillAndSubmit() {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText("Email"), "ada@example.com");
  await user.type(screen.getByLabelText("Password"), "not-the-password1");
  await user.click(screen.getByRole("button", { name: "Log in" }));
}

describe("LoginForm", () => {
  it("shows the server's error message and stays on the form", async () => {
    mockFetch([
      {
        method: "POST",
        path: "/api/auth/login",
        handler: () =>
          json({ error: "Invalid email or password", timestamp: 1, code: "unauthorized" }, 401),
      },
    ]);
    const onSuccess = vi.fn();
    renderWithProviders(<LoginForm onSuccess={onSuccess} />);

    await fillAndSubmit();

    expect(await screen.findByRole("alert")).toHaveTextContent("Invalid email or password");
    expect(onSuccess).not.toHaveBeenCalled();
    expect(tokenStorage.get()).toBeNull();
  });

  it("posts JSON credentials and keeps the token on success", async () => {
    const spy = mockFetch([
      {
        method: "POST",
        path: "/api/auth/login",
        handler: () => json({ access_token: "jwt-123", token_type: "bearer", expires_in: 3600 }),
      },
    ]);
    const onSuccess = vi.fn();
    renderWithProviders(<LoginForm onSuccess={onSuccess} />);

    await fillAndSubmit();

    await vi.waitFor(() => expect(onSuccess).toHaveBeenCalledOnce());
    expect(tokenStorage.get()).toBe("jwt-123");
    const request = spy.mock.calls[0]?.[0] as Request;
    expect(await request.json()).toEqual({
      email: "ada@example.com",
      password: "not-the-password1",
    });
  });
});

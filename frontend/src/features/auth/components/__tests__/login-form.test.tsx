import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { CompletionPausedError, completerFor } from "@/api/completion";
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
  it("says what is missing next to each field and focuses the first, without a request", async () => {
    const spy = mockFetch([]);
    renderWithProviders(<LoginForm onSuccess={vi.fn()} />);
    const user = userEvent.setup();

    await user.click(screen.getByRole("button", { name: "Log in" }));

    const email = screen.getByLabelText("Email");
    expect(email).toHaveAttribute("aria-invalid", "true");
    expect(email).toHaveAccessibleDescription("Enter your email address.");
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription("Enter your password.");
    expect(email).toHaveFocus();
    expect(spy).not.toHaveBeenCalled();
  });

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

  it("a new login lifts the suggestion pause left by a 429", async () => {
    let limited = true;
    mockFetch([
      {
        method: "POST",
        path: "/api/completion/generate",
        handler: () =>
          limited
            ? json({ error: "Too many requests", timestamp: 1 }, 429)
            : json({ completion: " there", timestamp: 1 }),
      },
      {
        method: "POST",
        path: "/api/auth/login",
        handler: () => json({ access_token: "jwt-456", token_type: "bearer", expires_in: 3600 }),
      },
    ]);
    const complete = completerFor("general");
    const signal = new AbortController().signal;
    await expect(complete("Hi", signal)).rejects.toMatchObject({ status: 429 });
    await expect(complete("Hi", signal)).rejects.toBeInstanceOf(CompletionPausedError);

    const onSuccess = vi.fn();
    renderWithProviders(<LoginForm onSuccess={onSuccess} />);
    await fillAndSubmit();
    await vi.waitFor(() => expect(onSuccess).toHaveBeenCalledOnce());

    limited = false;
    await expect(complete("Hi", signal)).resolves.toBe(" there");
  });
});

import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { tokenStorage } from "@/lib/token-storage";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { testUser } from "@/testing/users";
import { RegisterForm } from "../register-form";

const TOKEN = { access_token: "jwt-new", token_type: "bearer", expires_in: 3600 };

describe("RegisterForm", () => {
  it("checks the fields first: plain errors next to them, focus on the first, nothing sent", async () => {
    const spy = mockFetch([]);
    renderWithProviders(<RegisterForm onSuccess={vi.fn()} />);
    const user = userEvent.setup();

    await user.type(screen.getByLabelText("Email"), "ada@example");
    await user.type(screen.getByLabelText("Password"), "onlyletters");
    const submit = screen.getByRole("button", { name: "Create account" });
    expect(submit).toBeEnabled();
    await user.click(submit);

    const email = screen.getByLabelText("Email");
    const password = screen.getByLabelText("Password");
    expect(email).toHaveAttribute("aria-invalid", "true");
    expect(email).toHaveAccessibleDescription("Enter an email address like name@example.com.");
    expect(password).toHaveAttribute("aria-invalid", "true");
    expect(password).toHaveAccessibleDescription(/Mix letters with digits or symbols\./);
    expect(email).toHaveFocus();
    expect(spy).not.toHaveBeenCalled();

    // Fixed as the person types, once they tried to submit.
    await user.type(email, ".com");
    expect(email).not.toHaveAttribute("aria-invalid");
  });

  it("puts the server's 400 on the field in plain words, never the raw message", async () => {
    mockFetch([
      {
        method: "POST",
        path: "/api/auth/register",
        handler: () =>
          json(
            {
              error: "Invalid password: Value error, must mix letters with digits or symbols",
              timestamp: 1,
              code: "validation_error",
              details: [
                {
                  field: "password",
                  message: "Value error, must mix letters with digits or symbols",
                },
              ],
            },
            400,
          ),
      },
    ]);
    const onSuccess = vi.fn();
    renderWithProviders(<RegisterForm onSuccess={onSuccess} />);
    const user = userEvent.setup();

    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "secret-123");
    await user.click(screen.getByRole("button", { name: "Create account" }));

    const password = screen.getByLabelText("Password");
    await vi.waitFor(() => expect(password).toHaveAttribute("aria-invalid", "true"));
    expect(password).toHaveAccessibleDescription(/Mix letters with digits or symbols\./);
    expect(password).toHaveFocus();
    expect(screen.queryByText(/Value error/)).not.toBeInTheDocument();
    expect(onSuccess).not.toHaveBeenCalled();
  });

  it("shows a conflict as a form-level error", async () => {
    mockFetch([
      {
        method: "POST",
        path: "/api/auth/register",
        handler: () => json({ error: "Email already registered", timestamp: 1 }, 409),
      },
    ]);
    renderWithProviders(<RegisterForm onSuccess={vi.fn()} />);
    const user = userEvent.setup();

    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "secret-123");
    await user.click(screen.getByRole("button", { name: "Create account" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("Email already registered");
  });

  it("signs the new account in: register, then log in with the same credentials", async () => {
    const spy = mockFetch([
      {
        method: "POST",
        path: "/api/auth/register",
        handler: () => json(testUser({ display_name: "Ada" }), 201),
      },
      { method: "POST", path: "/api/auth/login", handler: () => json(TOKEN) },
    ]);
    const onSuccess = vi.fn();
    renderWithProviders(<RegisterForm onSuccess={onSuccess} />);
    const user = userEvent.setup();

    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "secret-123");
    await user.type(screen.getByLabelText("Display name (optional)"), "  Ada ");
    await user.click(screen.getByRole("button", { name: "Create account" }));

    await vi.waitFor(() => expect(onSuccess).toHaveBeenCalledOnce());
    expect(onSuccess.mock.calls[0]?.[0]).toMatchObject({ loggedIn: true });
    expect(tokenStorage.get()).toBe("jwt-new");
    const [register, login] = spy.mock.calls.map((call) => call[0] as Request);
    expect(await register?.json()).toEqual({
      email: "ada@example.com",
      password: "secret-123",
      display_name: "Ada",
    });
    expect(await login?.json()).toEqual({ email: "ada@example.com", password: "secret-123" });
  });
});

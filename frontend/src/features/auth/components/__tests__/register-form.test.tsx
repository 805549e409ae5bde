import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { RegisterForm } from "../register-form";

describe("RegisterForm", () => {
  it("shows each field's error from a 400 next to that field", async () => {
    mockFetch([
      {
        method: "POST",
        path: "/api/auth/register",
        handler: () =>
          json(
            {
              error: "Invalid password: must mix letters with digits or symbols",
              timestamp: 1,
              code: "validation_error",
              details: [{ field: "password", message: "must mix letters with digits or symbols" }],
            },
            400,
          ),
      },
    ]);
    const onSuccess = vi.fn();
    renderWithProviders(<RegisterForm onSuccess={onSuccess} />);
    const user = userEvent.setup();

    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "onlyletters");
    await user.click(screen.getByRole("button", { name: "Create account" }));

    const password = screen.getByLabelText("Password");
    expect(await screen.findByText("must mix letters with digits or symbols")).toBeInTheDocument();
    expect(password).toHaveAttribute("aria-invalid", "true");
    expect(password).toHaveAccessibleDescription(/must mix letters with digits or symbols/);
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
});

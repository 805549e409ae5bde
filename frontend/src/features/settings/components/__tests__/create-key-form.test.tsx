import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { CreateKeyForm } from "../create-key-form";

describe("CreateKeyForm", () => {
  it("needs a name and a lifetime the API accepts, said next to each field", async () => {
    const spy = mockFetch([]);
    renderWithProviders(<CreateKeyForm onCreated={vi.fn()} />);
    const user = userEvent.setup();

    await user.type(screen.getByLabelText("Expires in (days)"), "5000");
    await user.click(screen.getByRole("button", { name: "Create key" }));

    const name = screen.getByLabelText("Key name");
    expect(name).toHaveAccessibleDescription("Enter a name.");
    expect(name).toHaveFocus();
    expect(screen.getByLabelText("Expires in (days)")).toHaveAccessibleDescription(
      /Use at most 3650 days/,
    );
    expect(spy).not.toHaveBeenCalled();
  });

  it("sends the trimmed name and the days as a number", async () => {
    const created = {
      id: 3,
      name: "game",
      prefix: "pp_abc",
      key: "pp_abc.secret",
      created_at: "2025-01-01T00:00:00Z",
      expires_at: null,
      last_used_at: null,
    };
    const spy = mockFetch([
      { method: "POST", path: "/api/keys", handler: () => json(created, 201) },
      { method: "GET", path: "/api/keys", handler: () => json([]) },
    ]);
    const onCreated = vi.fn();
    renderWithProviders(<CreateKeyForm onCreated={onCreated} />);
    const user = userEvent.setup();

    await user.type(screen.getByLabelText("Key name"), "  game ");
    await user.type(screen.getByLabelText("Expires in (days)"), "30");
    await user.click(screen.getByRole("button", { name: "Create key" }));

    await vi.waitFor(() => expect(onCreated).toHaveBeenCalledWith(created));
    const sent = spy.mock.calls[0]?.[0] as Request;
    expect(await sent.json()).toEqual({
      name: "game",
      expires_in_days: 30,
    });
  });
});

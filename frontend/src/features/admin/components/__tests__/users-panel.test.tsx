import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { testUser } from "@/testing/users";
import { UsersPanel } from "../users-panel";

const ADMIN = testUser({ id: 1, role: "admin", display_name: "Ada", email: "ada@example.com" });
const BOB = testUser({ id: 2, display_name: "Bob", email: "bob@example.com" });

function row(name: string) {
  return screen
    .getByRole("rowheader", { name: new RegExp(`^${name}`) })
    .closest("tr") as HTMLElement;
}

describe("UsersPanel", () => {
  it("lists every account with its role and status", async () => {
    mockFetch([{ method: "GET", path: "/api/users", handler: () => json([ADMIN, BOB]) }]);
    renderWithProviders(<UsersPanel selfId={1} />);

    expect(await screen.findByRole("rowheader", { name: /^Ada/ })).toHaveTextContent("you");
    expect(within(row("Bob")).getByRole("combobox", { name: "Role of Bob" })).toHaveValue("user");
    expect(within(row("Bob")).getByText("active")).toBeInTheDocument();
  });

  it("changes a role and disables an account", async () => {
    let bob = BOB;
    const bodies: unknown[] = [];
    mockFetch([
      { method: "GET", path: "/api/users", handler: () => json([ADMIN, bob]) },
      {
        method: "PATCH",
        path: "/api/users/2",
        handler: async (request) => {
          const change = (await request.json()) as object;
          bodies.push(change);
          bob = { ...bob, ...change };
          return json(bob);
        },
      },
    ]);
    renderWithProviders(<UsersPanel selfId={1} />);
    const user = userEvent.setup();
    await screen.findByRole("rowheader", { name: /^Bob/ });

    await user.selectOptions(screen.getByRole("combobox", { name: "Role of Bob" }), "admin");
    await vi.waitFor(() =>
      expect(screen.getByRole("combobox", { name: "Role of Bob" })).toHaveValue("admin"),
    );
    await user.click(screen.getByRole("button", { name: "Disable Bob" }));
    expect(await screen.findByRole("button", { name: "Enable Bob" })).toBeInTheDocument();
    expect(within(row("Bob")).getByText("disabled")).toBeInTheDocument();

    expect(bodies).toEqual([{ role: "admin" }, { is_active: false }]);
  });

  it("shows the server's refusal next to the account", async () => {
    mockFetch([
      { method: "GET", path: "/api/users", handler: () => json([ADMIN]) },
      {
        method: "PATCH",
        path: "/api/users/1",
        handler: () =>
          json({ error: "You are the last active admin", timestamp: 1, code: "last_admin" }, 409),
      },
    ]);
    renderWithProviders(<UsersPanel selfId={1} />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole("button", { name: "Disable Ada" }));
    expect(await within(row("Ada")).findByRole("alert")).toHaveTextContent(
      "You are the last active admin",
    );
  });

  it("sets a temporary password after a confirmation and shows it once", async () => {
    const spy = mockFetch([
      { method: "GET", path: "/api/users", handler: () => json([ADMIN, BOB]) },
      {
        method: "POST",
        path: "/api/users/2/temporary-password",
        handler: () => json({ temporary_password: "Temp-7x9-Qa" }),
      },
    ]);
    renderWithProviders(<UsersPanel selfId={1} />);
    const user = userEvent.setup();

    await user.click(
      await screen.findByRole("button", { name: "Set a temporary password for Bob" }),
    );
    expect(screen.getByText(/Bob will be logged out everywhere/)).toBeInTheDocument();
    const posts = () => spy.mock.calls.filter((call) => (call[0] as Request).method === "POST");
    expect(posts()).toHaveLength(0);

    await user.click(screen.getByRole("button", { name: "Set password" }));
    const shown = await screen.findByRole("textbox", { name: "Temporary password for Bob" });
    expect(shown).toHaveValue("Temp-7x9-Qa");
    expect(posts()).toHaveLength(1);

    await user.click(screen.getByRole("button", { name: "Done" }));
    expect(screen.queryByDisplayValue("Temp-7x9-Qa")).not.toBeInTheDocument();
    expect(
      screen.getByRole("button", { name: "Set a temporary password for Bob" }),
    ).toBeInTheDocument();
  });
});

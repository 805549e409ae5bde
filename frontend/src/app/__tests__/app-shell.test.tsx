import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { tokenStorage } from "@/lib/token-storage";
import { HEALTH, renderApp } from "@/testing/app";
import { json, mockFetch, type RouteMock } from "@/testing/fetch-mock";
import { testUser } from "@/testing/users";

const MQTT_STATUS = {
  enabled: false,
  connected: false,
  broker: null,
  projects: ["maze"],
  keyless_projects: [],
  reply_format: "text",
  stats: {},
};

const common = (me: ReturnType<typeof testUser>): RouteMock[] => [
  { method: "GET", path: "/api/auth/me", handler: () => json(me) },
  { method: "GET", path: "/api/llm/health", handler: () => json(HEALTH) },
  { method: "GET", path: "/api/mqtt/status", handler: () => json(MQTT_STATUS) },
];

describe("the signed-in shell", () => {
  it("starts with a skip link to the main content", async () => {
    mockFetch(common(testUser()));
    await renderApp("/settings");
    await screen.findByRole("heading", { name: "Settings", level: 1 });
    const user = userEvent.setup();

    await user.tab();
    const skip = screen.getByRole("link", { name: "Skip to main content" });
    expect(skip).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(screen.getByRole("main")).toHaveFocus();
  });

  it("lists the pages; Users only for admins", async () => {
    mockFetch(common(testUser()));
    await renderApp("/");
    const nav = screen.getByRole("navigation", { name: "Main" });
    await screen.findByRole("heading", { name: "Welcome, Ada" });
    const links = within(nav)
      .getAllByRole("link")
      .map((link) => link.textContent);
    expect(links).toEqual([
      "Dashboard",
      "Chat",
      "Templates",
      "Playground",
      "Monitor",
      "Settings",
      "Account",
    ]);
    expect(within(nav).getByRole("link", { name: "Dashboard" })).toHaveAttribute(
      "aria-current",
      "page",
    );
  });

  it("shows admins the Users page", async () => {
    mockFetch([
      ...common(testUser({ role: "admin" })),
      { method: "GET", path: "/api/users", handler: () => json([testUser({ role: "admin" })]) },
    ]);
    await renderApp("/admin/users");
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(await within(nav).findByRole("link", { name: "Users" })).toHaveAttribute(
      "aria-current",
      "page",
    );
    expect(await screen.findByRole("heading", { name: "Users", level: 1 })).toBeInTheDocument();
  });

  it("tells anyone else plainly that the users page is not for them", async () => {
    const spy = mockFetch(common(testUser()));
    await renderApp("/admin/users");
    expect(await screen.findByRole("heading", { name: "Not allowed" })).toBeInTheDocument();
    const paths = spy.mock.calls.map((call) => new URL((call[0] as Request).url).pathname);
    expect(paths).not.toContain("/api/users");
  });

  it("the Menu button opens and closes the navigation (Escape gives focus back)", async () => {
    mockFetch(common(testUser()));
    await renderApp("/");
    const user = userEvent.setup();
    const menu = screen.getByRole("button", { name: "Menu" });
    expect(menu).toHaveAttribute("aria-expanded", "false");

    await user.click(menu);
    expect(menu).toHaveAttribute("aria-expanded", "true");
    expect(screen.getByRole("navigation", { name: "Main" })).toHaveClass("open");
    await user.keyboard("{Escape}");
    expect(menu).toHaveAttribute("aria-expanded", "false");
    expect(menu).toHaveFocus();

    // A tap elsewhere closes it.
    await user.click(menu);
    await user.click(screen.getByRole("main"));
    expect(menu).toHaveAttribute("aria-expanded", "false");

    // Following a link closes it too.
    await user.click(menu);
    await user.click(screen.getByRole("link", { name: "Settings" }));
    expect(await screen.findByRole("heading", { name: "Settings", level: 1 })).toBeInTheDocument();
    expect(menu).toHaveAttribute("aria-expanded", "false");
  });

  it("sends a person whose password must change to their account page first", async () => {
    mockFetch(common(testUser({ must_change_password: true })));
    const { router } = await renderApp("/settings");
    expect(router.state.location.pathname).toBe("/account");
    expect(
      await screen.findByText(/An administrator set a temporary password/),
    ).toBeInTheDocument();
    expect(screen.getByLabelText("Temporary password")).toBeInTheDocument();
  });

  it("after the new password is set, the account page says so and every page opens again", async () => {
    let mustChange = true;
    mockFetch([
      {
        method: "GET",
        path: "/api/auth/me",
        handler: () => json(testUser({ must_change_password: mustChange })),
      },
      { method: "GET", path: "/api/llm/health", handler: () => json(HEALTH) },
      {
        method: "PATCH",
        path: "/api/auth/me",
        handler: () => {
          mustChange = false;
          return json(testUser());
        },
      },
      {
        method: "POST",
        path: "/api/auth/login",
        handler: () => json({ access_token: "jwt-2", token_type: "bearer", expires_in: 3600 }),
      },
    ]);
    const { router } = await renderApp("/");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Temporary password"), "Temp-pass-1");
    await user.type(screen.getByLabelText("New password"), "my-own-pass-2");
    await user.type(screen.getByLabelText("Repeat the new password"), "my-own-pass-2");
    await user.click(screen.getByRole("button", { name: "Change password" }));

    expect(await screen.findByText(/Your password is changed/)).toBeInTheDocument();
    expect(screen.queryByText(/An administrator set a temporary password/)).not.toBeInTheDocument();
    expect(tokenStorage.get()).toBe("jwt-2");
    await router.navigate({ to: "/settings" });
    expect(router.state.location.pathname).toBe("/settings");
  });

  it("a 403 asking for a new password sends the person to their account page", async () => {
    let mustChange = false;
    mockFetch([
      {
        method: "GET",
        path: "/api/auth/me",
        handler: () => json(testUser({ must_change_password: mustChange })),
      },
      { method: "GET", path: "/api/llm/health", handler: () => json(HEALTH) },
      {
        method: "GET",
        path: "/api/keys",
        handler: () => {
          mustChange = true;
          return json(
            { error: "Set a new password first", timestamp: 1, code: "password_change_required" },
            403,
          );
        },
      },
    ]);
    const { router } = await renderApp("/settings/keys");
    await vi.waitFor(() => expect(router.state.location.pathname).toBe("/account"));
  });

  it("logging out ends the sign-in on the server and starts afresh at the login page", async () => {
    const spy = mockFetch([
      ...common(testUser()),
      {
        method: "POST",
        path: "/api/auth/logout",
        handler: () => new Response(null, { status: 204 }),
      },
    ]);
    const { router } = await renderApp("/settings");
    const user = userEvent.setup();

    await user.click(await screen.findByRole("button", { name: "User menu: Ada" }));
    await user.click(screen.getByRole("button", { name: "Log out" }));

    await vi.waitFor(() => expect(router.state.location.pathname).toBe("/login"));
    expect(router.state.location.search).toEqual({});
    expect(tokenStorage.get()).toBeNull();
    const logout = spy.mock.calls
      .map((call) => call[0] as Request)
      .find((request) => request.url.endsWith("/api/auth/logout"));
    expect(logout?.headers.get("Authorization")).toBe("Bearer jwt");
  });

  it("a lapsed sign-in shows the login page with the place kept", async () => {
    mockFetch(common(testUser()));
    const { router } = await renderApp("/settings?x=1");
    await screen.findByRole("heading", { name: "Settings", level: 1 });

    tokenStorage.clear("expired");

    await vi.waitFor(() => expect(router.state.location.pathname).toBe("/login"));
    expect(router.state.location.search).toMatchObject({
      redirect: "/settings?x=1",
      expired: true,
    });
    expect(await screen.findByText(/Your session has ended/)).toBeInTheDocument();
  });
});

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { savedTemplate, summaryOf } from "@/features/templates/__tests__/fixtures";
import { HEALTH, renderApp } from "@/testing/app";
import { json, mockFetch, type RouteMock } from "@/testing/fetch-mock";
import { testUser } from "@/testing/users";

const common: RouteMock[] = [
  { method: "GET", path: "/api/auth/me", handler: () => json(testUser()) },
  { method: "GET", path: "/api/llm/health", handler: () => json(HEALTH) },
];

function listed(request: Request) {
  const url = new URL(request.url);
  const q = url.searchParams.get("q");
  const mine = savedTemplate();
  const shared = savedTemplate({
    id: 4,
    title: "Quiz master",
    owner_id: 2,
    owner_name: "Grace",
    visibility: "shared",
    can_edit: false,
    tags: ["quiz"],
    labels: {},
  });
  const items = [mine, shared]
    .filter((t) => !q || t.title.toLowerCase().includes(q.toLowerCase()))
    .map(summaryOf);
  return json({ items, total: items.length, page: 1, page_size: 20 });
}

describe("the templates pages", () => {
  it("lists templates and keeps the search in the address", async () => {
    const spy = mockFetch([...common, { method: "GET", path: "/api/templates", handler: listed }]);
    const { router } = await renderApp("/templates");
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(await within(nav).findByRole("link", { name: "Templates" })).toHaveAttribute(
      "aria-current",
      "page",
    );
    const results = screen.getByRole("region", { name: "Templates" });
    expect(await within(results).findByRole("link", { name: "Maze hints" })).toHaveAttribute(
      "href",
      "/templates/3",
    );
    expect(within(results).getByText("by you")).toBeInTheDocument();
    expect(within(results).getByText("by Grace")).toBeInTheDocument();
    expect(within(results).getByText("production → v1")).toBeInTheDocument();

    await userEvent.setup().type(screen.getByLabelText("Search"), "quiz");
    await waitFor(() => expect(router.state.location.search).toMatchObject({ q: "quiz" }));
    await waitFor(() =>
      expect(within(results).queryByRole("link", { name: "Maze hints" })).not.toBeInTheDocument(),
    );
    const queries = spy.mock.calls
      .map((call) => new URL((call[0] as Request).url))
      .filter((url) => url.pathname === "/api/templates")
      .map((url) => url.searchParams.get("q"));
    expect(queries).toContain("quiz");
  });

  it("opens the history tab with the diff of the last two versions", async () => {
    mockFetch([
      ...common,
      { method: "GET", path: "/api/templates/3", handler: () => json(savedTemplate()) },
      {
        method: "GET",
        path: "/api/templates/3/versions",
        handler: () =>
          json({
            items: [
              { version: 2, note: "briefer", created_at: "2026-11-30T11:00:00Z", created_by: 1 },
              { version: 1, note: "", created_at: "2026-11-30T10:00:00Z", created_by: 1 },
            ],
            total: 2,
            page: 1,
            page_size: 20,
          }),
      },
      {
        method: "GET",
        path: "/api/templates/3/diff",
        handler: (request) => {
          const url = new URL(request.url);
          return json({
            from: Number(url.searchParams.get("from")),
            to: Number(url.searchParams.get("to")),
            unified: "",
            lines: [
              { op: "remove", text: "Help.", old: 1 },
              { op: "add", text: "Help with {{topic}}.", new: 1 },
            ],
          });
        },
      },
    ]);
    await renderApp("/templates/3?tab=history");
    expect(
      await screen.findByRole("heading", { name: "Maze hints", level: 1 }),
    ).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "History" })).toHaveAttribute("aria-current", "page");
    expect(screen.getByRole("link", { name: "Edit" })).not.toHaveClass("active");
    expect(
      await screen.findByRole("table", { name: /Changes from version 1 to version 2/ }),
    ).toBeInTheDocument();
    expect(await screen.findByText("briefer")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Restore version 1" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Restore version 2" })).not.toBeInTheDocument();
  });

  it("says plainly when a template is not there (or private to someone else)", async () => {
    mockFetch([
      ...common,
      {
        method: "GET",
        path: "/api/templates/8",
        handler: () =>
          json({ error: "No template 8", timestamp: 1, code: "template_not_found" }, 404),
      },
    ]);
    await renderApp("/templates/8");
    expect(await screen.findByRole("heading", { name: "Template not found" })).toBeInTheDocument();
    expect(screen.getByText(/private to someone else/)).toBeInTheDocument();
  });
});

import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { frame, gameEvent, gameResult, mqttStatus } from "@/features/monitor/__tests__/fixtures";
import { HEALTH, renderApp } from "@/testing/app";
import { json, mockFetch, type RouteMock, sseResponse } from "@/testing/fetch-mock";
import { testUser } from "@/testing/users";

/** The page with a feed that sends `frames` and then stays open. */
function serve(frames: string[], extra: RouteMock[] = []) {
  const spy = mockFetch([
    { method: "GET", path: "/api/auth/me", handler: () => json(testUser()) },
    { method: "GET", path: "/api/llm/health", handler: () => json(HEALTH) },
    { method: "GET", path: "/api/mqtt/status", handler: () => json(mqttStatus()) },
    {
      method: "GET",
      path: "/api/mqtt/events",
      handler: (request) => sseResponse(request, frames),
    },
    ...extra,
  ]);
  const paths = () =>
    spy.mock.calls.map((call) => {
      const url = new URL((call[0] as Request).url);
      return `${url.pathname}${url.search}`;
    });
  return { spy, paths };
}

describe("the Test & Monitor page", () => {
  it("watches the session the address names and shows its events live", async () => {
    const { paths } = serve(
      [
        frame(gameEvent("request", { message: "Which way?" }, { at: 1 })),
        frame(gameEvent("reply", { response: "Go north." }, { at: 2 })),
      ],
      [{ method: "GET", path: "/api/mqtt/results", handler: () => json([gameResult()]) }],
    );
    await renderApp("/monitor?project=maze&session=s1");
    expect(await screen.findByRole("heading", { name: "Test & Monitor", level: 1 })).toBeVisible();
    const events = await screen.findByRole("list", { name: "Events, newest first" });
    await vi.waitFor(() => expect(within(events).getAllByRole("listitem")).toHaveLength(2));
    expect(within(events).getAllByRole("listitem")[0]).toHaveTextContent("Go north.");
    expect(screen.getByText("Live")).toBeInTheDocument();
    expect(paths()).toContain("/api/mqtt/events?project=maze&session_id=s1");

    const results = await screen.findByRole("list", { name: "Results, newest first" });
    expect(results).toHaveTextContent("Result: score 120, won true, steps 14");
    expect(results).toHaveTextContent("you");
    expect(within(results).getByText("Template in use")).toBeInTheDocument();
    expect(results).toHaveTextContent("You guide a player through a maze.");
  });

  it("starts at the maze with no session; New id starts watching a fresh one", async () => {
    const { paths } = serve(
      [],
      [{ method: "GET", path: "/api/mqtt/results", handler: () => json([]) }],
    );
    const { router } = await renderApp("/monitor");
    const project = await screen.findByLabelText("Project");
    expect(project).toHaveValue("maze");
    expect(screen.getByText(/Enter a session id and press Watch/)).toBeInTheDocument();

    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "New id" }));
    await vi.waitFor(() =>
      expect(router.state.location.search).toMatchObject({
        project: "maze",
        session: expect.stringMatching(/^test-/),
      }),
    );
    const id = (router.state.location.search as { session: string }).session;
    expect(screen.getByLabelText("Session id")).toHaveValue(id);
    expect(await screen.findByText(/No results for this session yet/)).toBeInTheDocument();
    await vi.waitFor(() =>
      expect(paths()).toContain(`/api/mqtt/events?project=maze&session_id=${id}`),
    );

    await user.selectOptions(project, "driving");
    await vi.waitFor(() =>
      expect(router.state.location.search).toMatchObject({ project: "driving", session: id }),
    );
  });

  it("explains a session id it cannot watch", async () => {
    serve([]);
    const { router } = await renderApp("/monitor?project=maze");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Session id"), "a/b");
    await user.click(screen.getByRole("button", { name: "Watch" }));
    expect(screen.getByLabelText("Session id")).toHaveAccessibleDescription(/cannot contain/);
    expect(router.state.location.search).not.toHaveProperty("session");
  });

  it("reloads the results when the game posts one", async () => {
    let served = 0;
    serve(
      [frame(gameEvent("result", { score: 7 }, { at: 5 }))],
      [
        {
          method: "GET",
          path: "/api/mqtt/results",
          handler: () => {
            served += 1;
            return json(served === 1 ? [] : [gameResult({ payload: { score: 7 } })]);
          },
        },
      ],
    );
    await renderApp("/monitor?project=maze&session=s1");
    const results = await screen.findByRole("list", { name: "Results, newest first" });
    expect(results).toHaveTextContent("Result: score 7");
  });

  it("the dashboard says whether the game broker is connected, with a way to the page", async () => {
    serve([]);
    await renderApp("/");
    const card = await screen.findByRole("region", { name: "Game broker" });
    expect(await within(card).findByText("connected")).toBeInTheDocument();
    expect(within(card).getByText("mqtt://127.0.0.1:1883")).toBeInTheDocument();
    expect(within(card).getByRole("link", { name: "Test & Monitor" })).toHaveAttribute(
      "href",
      "/monitor",
    );
  });
});

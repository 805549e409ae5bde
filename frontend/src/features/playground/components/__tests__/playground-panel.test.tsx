import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { json, mockFetch, sseResponse } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { PlaygroundPanel } from "../playground-panel";
import { cellDone, event, playgroundRoutes, runEvent, versionRead } from "./playground-fixtures";

const group = (name: string) => screen.getByRole("group", { name });

/** Version 1 = Story teller v1, version 2 = Story teller v2, two inputs with their values. */
async function setUpTwoByTwo(user: ReturnType<typeof userEvent.setup>) {
  const first = group("Version 1");
  await within(first).findByRole("option", { name: "Story teller" });
  await user.selectOptions(within(first).getByLabelText("Template"), "Story teller");
  await within(first).findByRole("option", { name: "v1" });
  await user.selectOptions(within(first).getByLabelText("Version"), "v1");
  await user.click(screen.getByRole("button", { name: "Add version" }));
  const second = group("Version 2");
  await within(second).findByRole("option", { name: "v2 — tone" });
  await user.selectOptions(within(second).getByLabelText("Version"), "v2 — tone");

  await user.click(screen.getByRole("button", { name: "Add input" }));
  const one = group("Input 1");
  await user.type(await within(one).findByLabelText("topic"), "cats");
  await user.selectOptions(await within(one).findByLabelText("tone"), "calm");
  const two = group("Input 2");
  await user.type(within(two).getByLabelText("topic"), "dogs");
  await user.selectOptions(within(two).getByLabelText("tone"), "cheerful");
  await user.type(within(two).getByLabelText("Message"), "Make it short");
}

const cell = (v: number, i: number) =>
  within(screen.getByRole("region", { name: "Results" })).getByRole("article", {
    name: `Version ${v} · input ${i}`,
  });

describe("PlaygroundPanel", () => {
  it("runs versions × inputs and streams each cell into its place", async () => {
    let body: unknown;
    const onRunChange = vi.fn();
    mockFetch(
      playgroundRoutes([
        {
          method: "POST",
          path: "/api/playground/run",
          handler: async (request) => {
            body = await request.clone().json();
            return sseResponse(request, [
              runEvent(9, [
                [0, 0, 1],
                [0, 1, 1],
                [1, 0, 2],
                [1, 1, 2],
              ]),
              event("cell", { v: 1, i: 0, delta: "Once upon" }),
              cellDone(0, 0, "A cat story.", 12),
              event("cell_error", {
                v: 0,
                i: 1,
                error: "Missing: topic",
                code: "invalid_variables",
              }),
            ]);
          },
        },
      ]),
    );
    renderWithProviders(<PlaygroundPanel onRunChange={onRunChange} />);
    const user = userEvent.setup();
    await setUpTwoByTwo(user);

    await user.click(screen.getByRole("button", { name: "Run" }));

    expect(
      await within(await waitFor(() => cell(2, 1))).findByText("Once upon"),
    ).toBeInTheDocument();
    expect(body).toEqual({
      versions: [
        { template_id: 3, version: 1 },
        { template_id: 3, version: 2 },
      ],
      inputs: [
        { variables: { topic: "cats", tone: "calm" } },
        { variables: { topic: "dogs", tone: "cheerful" }, message: "Make it short" },
      ],
    });
    expect(onRunChange).toHaveBeenCalledWith(9, { replace: true });
    const done = cell(1, 1);
    expect(within(done).getByText("A cat story.")).toBeInTheDocument();
    expect(within(done).getByText("Tokens").nextSibling).toHaveTextContent("5");
    expect(within(done).getByText("TTFT").nextSibling).toHaveTextContent("120 ms");
    expect(within(done).getByText("Total").nextSibling).toHaveTextContent("1.35 s");
    expect(within(done).getByText("Cached").nextSibling).toHaveTextContent("12 of 20");
    expect(within(cell(1, 2)).getByText("Missing: topic")).toBeInTheDocument();
    expect(within(cell(2, 2)).getByText("Waiting for the model…")).toBeInTheDocument();

    // Stop closes the stream; the cells still open read as stopped, the others keep their end.
    await user.click(screen.getByRole("button", { name: "Stop" }));
    expect(await within(cell(2, 1)).findByText("Stopped")).toBeInTheDocument();
    expect(within(cell(2, 1)).getByText("Once upon")).toBeInTheDocument();
    expect(within(cell(1, 1)).getByText("Complete")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Run" })).toBeInTheDocument();
  });

  it("names the missing values and sends nothing", async () => {
    const fetchSpy = mockFetch(playgroundRoutes([]));
    renderWithProviders(<PlaygroundPanel onRunChange={() => undefined} />);
    const user = userEvent.setup();
    const first = group("Version 1");
    await within(first).findByRole("option", { name: "Story teller" });
    await user.selectOptions(within(first).getByLabelText("Template"), "Story teller");
    const topic = await within(group("Input 1")).findByLabelText("topic");

    await user.click(screen.getByRole("button", { name: "Run" }));

    expect(topic).toHaveAccessibleDescription("Required");
    expect(fetchSpy.mock.calls.some(([input]) => String(input).includes("/playground/run"))).toBe(
      false,
    );
  });

  it("asks for a template before it runs", async () => {
    mockFetch(playgroundRoutes([]));
    renderWithProviders(<PlaygroundPanel onRunChange={() => undefined} />);
    await userEvent.setup().click(screen.getByRole("button", { name: "Run" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Choose a template for every version.",
    );
  });

  it("runs on Ctrl+Enter from anywhere on the page", async () => {
    const run = vi.fn((request: Request) =>
      sseResponse(
        request,
        [runEvent(4, [[0, 0, 2]]), cellDone(0, 0, "ok"), event("done", { run_id: 4 })],
        {
          close: true,
        },
      ),
    );
    mockFetch(playgroundRoutes([{ method: "POST", path: "/api/playground/run", handler: run }]));
    renderWithProviders(<PlaygroundPanel onRunChange={() => undefined} />);
    const user = userEvent.setup();
    const first = group("Version 1");
    await within(first).findByRole("option", { name: "Story teller" });
    await user.selectOptions(within(first).getByLabelText("Template"), "Story teller");
    const input = group("Input 1");
    await user.type(await within(input).findByLabelText("topic"), "owls");
    await user.selectOptions(within(input).getByLabelText("tone"), "calm");

    fireEvent.keyDown(within(input).getByLabelText("topic"), { key: "Enter", ctrlKey: true });

    expect(await within(await waitFor(() => cell(1, 1))).findByText("ok")).toBeInTheDocument();
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("says why a run was refused before it started", async () => {
    mockFetch(
      playgroundRoutes([
        {
          method: "POST",
          path: "/api/playground/run",
          handler: () =>
            json({ error: "Template 3 is archived", timestamp: 1, code: "template_archived" }, 409),
        },
      ]),
    );
    renderWithProviders(<PlaygroundPanel onRunChange={() => undefined} />);
    const user = userEvent.setup();
    const first = group("Version 1");
    await within(first).findByRole("option", { name: "Story teller" });
    await user.selectOptions(within(first).getByLabelText("Template"), "Story teller");
    await user.type(await within(group("Input 1")).findByLabelText("topic"), "owls");
    await user.selectOptions(within(group("Input 1")).getByLabelText("tone"), "calm");
    await user.click(screen.getByRole("button", { name: "Run" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("Template 3 is archived");
    expect(screen.queryByRole("region", { name: "Results" })).not.toBeInTheDocument();
  });

  it("reopens a stored run as it was, and runs one cell again on its own", async () => {
    const stored = {
      run_id: 12,
      status: "complete",
      created_at: "2026-11-30T06:00:00Z",
      finished_at: "2026-11-30T06:00:05Z",
      request: {
        versions: [
          { template_id: 3, version: 1 },
          { template_id: 3, label: "production" },
        ],
        inputs: [{ variables: { topic: "cats" }, message: "Short please" }],
        temperature: 0.5,
      },
      versions: [
        { template_id: 3, version: 1, title: "Story teller" },
        { template_id: 3, version: 1, title: "Story teller" },
      ],
      cells: [
        {
          v: 0,
          i: 0,
          template_id: 3,
          version: 1,
          text: "First answer",
          status: "complete",
          usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
          ttft_ms: 50,
          total_ms: 400,
          cache_n: 0,
        },
        {
          v: 1,
          i: 0,
          template_id: 3,
          version: 1,
          text: "Second",
          status: "failed",
          error: "The model is busy",
          code: "llm_busy",
        },
      ],
    };
    let again: unknown;
    mockFetch(
      playgroundRoutes(
        [
          { method: "GET", path: "/api/playground/runs/12", handler: () => json(stored) },
          {
            method: "POST",
            path: "/api/playground/run",
            handler: async (request) => {
              again = await request.clone().json();
              return sseResponse(
                request,
                [
                  runEvent(13, [[0, 0, 1]]),
                  event("cell", { v: 0, i: 0, delta: "Fresh" }),
                  cellDone(0, 0, "Fresh answer", 9),
                  event("done", { run_id: 13 }),
                ],
                { close: true },
              );
            },
          },
        ],
        {
          runs: [
            {
              run_id: 12,
              status: "complete",
              created_at: stored.created_at,
              finished_at: stored.finished_at,
              versions: stored.versions,
              input_count: 1,
            },
          ],
        },
      ),
    );
    const onRunChange = vi.fn();
    renderWithProviders(<PlaygroundPanel runId={12} onRunChange={onRunChange} />);

    expect(
      await within(await waitFor(() => cell(1, 1))).findByText("First answer"),
    ).toBeInTheDocument();
    expect(within(cell(1, 1)).getByText("Cached").nextSibling).toHaveTextContent("0 of 9");
    expect(within(cell(2, 1)).getByText("The model is busy")).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: /Input 1 · topic: cats/ })).toBeInTheDocument();
    // The form is the run's, ready to change and run again.
    expect(within(group("Input 1")).getByLabelText("Message")).toHaveValue("Short please");
    expect(screen.getByLabelText("Temperature")).toHaveValue("0.5");
    expect(await within(group("Version 2")).findByLabelText("Version")).toHaveValue("l:production");
    expect(await screen.findByRole("link", { name: /Run #12/ })).toHaveAttribute(
      "aria-current",
      "page",
    );

    const user = userEvent.setup();
    await user.click(within(cell(2, 1)).getByRole("button", { name: "Run again" }));

    expect(await within(cell(2, 1)).findByText("Fresh answer")).toBeInTheDocument();
    expect(within(cell(2, 1)).getByText("Run again as run #13")).toBeInTheDocument();
    expect(again).toEqual({
      versions: [{ template_id: 3, label: "production" }],
      inputs: [{ variables: { topic: "cats" }, message: "Short please" }],
      temperature: 0.5,
    });
    expect(within(cell(1, 1)).getByText("First answer")).toBeInTheDocument();
    expect(onRunChange).not.toHaveBeenCalled();
  });

  it("says so when a stored run cannot be found", async () => {
    mockFetch(
      playgroundRoutes([
        {
          method: "GET",
          path: "/api/playground/runs/77",
          handler: () => json({ error: "Run not found", timestamp: 1 }, 404),
        },
      ]),
    );
    renderWithProviders(<PlaygroundPanel runId={77} onRunChange={() => undefined} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Run #77 was not found");
  });

  it("lists a label's version and every version of the chosen template", async () => {
    mockFetch(playgroundRoutes([]));
    renderWithProviders(<PlaygroundPanel onRunChange={() => undefined} />);
    const user = userEvent.setup();
    const first = group("Version 1");
    await within(first).findByRole("option", { name: "Riddles (shared by Grace)" });
    await user.selectOptions(within(first).getByLabelText("Template"), "Story teller");
    const version = within(first).getByLabelText("Version");
    await within(first).findByRole("option", { name: "v1" });
    expect(
      within(version)
        .getAllByRole("option")
        .map((option) => option.textContent),
    ).toEqual(["Latest (v2)", "production (v1)", "v2 — tone", "v1"]);
    // The latest version asks for both of its variables; v1 only for topic.
    expect(await within(group("Input 1")).findByLabelText("tone")).toBeInTheDocument();
    await user.selectOptions(version, "v1");
    await waitFor(() =>
      expect(within(group("Input 1")).queryByLabelText("tone")).not.toBeInTheDocument(),
    );
    expect(versionRead(1).variables).toHaveLength(1);
  });
});

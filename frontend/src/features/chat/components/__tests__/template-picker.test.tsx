import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { TemplateRead, TemplateSummary } from "@/api/client";
import { pressKey, typeInEditor } from "@/testing/editor";
import { json, mockFetch, type RouteMock, sseResponse } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { ChatPanel } from "../chat-panel";
import { chatRoutes, delta, history, sessionEvent } from "./chat-fixtures";

const AT = "2026-11-30T06:00:00Z";

const summary = (extra: Partial<TemplateSummary>): TemplateSummary => ({
  id: 3,
  title: "Story teller",
  description: "",
  project: null,
  tags: [],
  visibility: "private",
  owner_id: 1,
  owner_name: "Ada",
  version: 2,
  labels: { production: 1 },
  archived: false,
  created_at: AT,
  updated_at: AT,
  can_edit: true,
  ...extra,
});

const topic = { name: "topic", type: "text" as const, required: true, default: null };
const short = { name: "short", type: "boolean" as const, required: false, default: true };
const STORY: TemplateRead = {
  ...summary({}),
  content: "Tell a story about {{topic}}.",
  variables: [topic, short],
  note: "",
};

function templateRoutes(extra: RouteMock[] = []): RouteMock[] {
  return chatRoutes([
    ...extra,
    {
      method: "GET",
      path: "/api/templates",
      handler: () =>
        json({
          items: [
            summary({}),
            summary({ id: 5, title: "Riddles", owner_name: "Grace", can_edit: false, labels: {} }),
          ],
          total: 2,
          page: 1,
          page_size: 100,
        }),
    },
    { method: "GET", path: "/api/templates/3", handler: () => json(STORY) },
    {
      method: "GET",
      path: "/api/templates/3/versions",
      handler: () =>
        json({
          items: [
            { version: 2, note: "short", created_at: AT, created_by: 1 },
            { version: 1, note: "", created_at: AT, created_by: 1 },
          ],
          total: 2,
          page: 1,
          page_size: 100,
        }),
    },
    {
      method: "GET",
      path: "/api/templates/3/versions/1",
      handler: () =>
        json({
          template_id: 3,
          version: 1,
          content: "About {{topic}}",
          variables: [topic],
          note: "",
          created_at: AT,
        }),
    },
    {
      method: "GET",
      path: "/api/templates/3/versions/2",
      handler: () =>
        json({
          template_id: 3,
          version: 2,
          content: STORY.content,
          variables: STORY.variables,
          note: "short",
          created_at: AT,
        }),
    },
  ]);
}

const doneWith = (id: string, response: string) =>
  `event: done\ndata: ${JSON.stringify({
    session_id: id,
    response,
    model: "smollm2",
    usage: { prompt_tokens: 30, completion_tokens: 5, total_tokens: 35 },
    cache_n: 12,
  })}\n\n`;

const messageBox = () => screen.getByRole("textbox", { name: "Message" });

describe("ChatPanel: the template picker", () => {
  it("offers No template first, then your templates and the shared ones", async () => {
    mockFetch(templateRoutes());
    renderWithProviders(<ChatPanel />);
    const select = screen.getByRole("combobox", { name: "Template" });
    await within(select).findByRole("option", { name: "Story teller" });
    expect(
      within(select)
        .getAllByRole("option")
        .map((option) => option.textContent),
    ).toEqual(["No template", "Story teller", "Riddles (Grace)"]);
    expect(select).toHaveValue("");
    // No template keeps the plain system prompt.
    expect(screen.getByLabelText("System prompt")).toBeInTheDocument();
    expect(screen.queryByRole("combobox", { name: "Template version" })).not.toBeInTheDocument();
  });

  it("a template brings its versions and one field per variable, in place of the system prompt", async () => {
    mockFetch(templateRoutes());
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();
    const select = screen.getByRole("combobox", { name: "Template" });
    await within(select).findByRole("option", { name: "Story teller" });
    await user.selectOptions(select, "Story teller");

    const version = screen.getByRole("combobox", { name: "Template version" });
    await within(version).findByRole("option", { name: "v1" });
    expect(
      within(version)
        .getAllByRole("option")
        .map((option) => option.textContent),
    ).toEqual(["Latest (v2)", "production (v1)", "v2 — short", "v1"]);
    expect(await screen.findByRole("textbox", { name: "topic" })).toBeInTheDocument();
    expect(screen.getByRole("checkbox", { name: "short" })).toBeChecked();
    expect(screen.queryByLabelText("System prompt")).not.toBeInTheDocument();

    // The production label points at v1, which has no `short`.
    await user.selectOptions(version, "production (v1)");
    await waitFor(() =>
      expect(screen.queryByRole("checkbox", { name: "short" })).not.toBeInTheDocument(),
    );
    expect(screen.getByRole("textbox", { name: "topic" })).toBeInTheDocument();

    await user.selectOptions(select, "No template");
    expect(screen.getByLabelText("System prompt")).toBeInTheDocument();
  });

  it("starts the chat from the template with its variables; a missing one is named first", async () => {
    const bodies: unknown[] = [];
    let stored = history("abc", []);
    mockFetch(
      templateRoutes([
        {
          method: "POST",
          path: "/api/llm/chat/session",
          handler: async (request) => {
            bodies.push(await request.clone().json());
            stored = {
              ...history(
                "abc",
                [
                  { role: "user", content: "Begin" },
                  { role: "assistant", content: "Once upon a time." },
                ],
                "Tell a story about owls.",
              ),
              template: { id: 3, version: 1, label: "production", title: "Story teller" },
            } as typeof stored;
            return sseResponse(
              request,
              [sessionEvent("abc"), delta("Once"), doneWith("abc", "Once upon a time.")],
              { close: true },
            );
          },
        },
        { method: "GET", path: "/api/llm/chat/session/abc/history", handler: () => json(stored) },
      ]),
    );
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();
    const select = screen.getByRole("combobox", { name: "Template" });
    await within(select).findByRole("option", { name: "Story teller" });
    await user.selectOptions(select, "Story teller");
    const version = screen.getByRole("combobox", { name: "Template version" });
    await within(version).findByRole("option", { name: "production (v1)" });
    await user.selectOptions(version, "production (v1)");
    const field = await screen.findByRole("textbox", { name: "topic" });

    typeInEditor(messageBox(), "Begin");
    pressKey(messageBox(), "Enter");
    expect(field).toHaveAccessibleDescription("Required");
    expect(bodies).toHaveLength(0);

    await user.type(field, "owls");
    pressKey(messageBox(), "Enter");

    const messages = await screen.findByRole("list", { name: "Messages" });
    expect(await within(messages).findByText("Once upon a time.")).toBeInTheDocument();
    expect(bodies[0]).toMatchObject({
      message: "Begin",
      template: { id: 3, label: "production" },
      variables: { topic: "owls" },
    });
    expect(bodies[0]).not.toHaveProperty("system_prompt");
    // The answer's numbers, from the done event.
    expect(within(messages).getByText("5 tokens · 12 prompt tokens cached")).toBeInTheDocument();
    // Read back: the session shows the template it runs, read-only; the picker is gone.
    expect(await screen.findByText("Story teller · production (v1)")).toBeInTheDocument();
    expect(screen.getByText("Tell a story about owls.")).toBeInTheDocument();
    expect(screen.queryByRole("combobox", { name: "Template" })).not.toBeInTheDocument();
  });

  it("a stored chat shows its template read-only", async () => {
    mockFetch(
      templateRoutes([
        {
          method: "GET",
          path: "/api/llm/chat/session/old/history",
          handler: () =>
            json({
              ...history("old", [{ role: "user", content: "Hi" }], "Rendered prompt"),
              template: { id: 3, version: 2, label: null, title: "Story teller" },
            }),
        },
      ]),
    );
    renderWithProviders(<ChatPanel sessionId="old" />);
    expect(await screen.findByText("Story teller · v2")).toBeInTheDocument();
    expect(screen.getByText("Rendered prompt")).toBeInTheDocument();
    expect(screen.queryByRole("combobox", { name: "Template" })).not.toBeInTheDocument();
  });
});

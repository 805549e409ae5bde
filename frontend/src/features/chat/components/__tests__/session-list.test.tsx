import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { ChatPanel } from "../chat-panel";
import { chatRoutes, history, summary } from "./chat-fixtures";

const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 60 * 60 * 1000).toISOString();

const sidebar = () => screen.getByRole("navigation", { name: "Chat sessions" });

describe("the chat list", () => {
  it("groups chats by date, newest first, each a link to its own address", async () => {
    mockFetch(
      chatRoutes([], {
        sessions: [
          summary("t", { title: "Fresh", updated_at: new Date().toISOString() }),
          summary("w", { title: "Last week", updated_at: daysAgo(3) }),
          summary("o", { title: "Ancient", updated_at: daysAgo(60) }),
        ],
      }),
    );
    renderWithProviders(<ChatPanel />);

    await screen.findByText("Fresh");
    const groups = within(sidebar())
      .getAllByRole("heading")
      .map((heading) => heading.textContent);
    expect(groups).toEqual(["Today", "Previous 7 days", "Older"]);
    const today = within(sidebar()).getByRole("region", { name: "Today" });
    expect(within(today).getByRole("link", { name: /^Fresh/ })).toHaveAttribute("href", "/chat/t");
  });

  it("searches titles and messages (debounced) through ?q=", async () => {
    const asked: (string | null)[] = [];
    mockFetch(
      chatRoutes([
        {
          method: "GET",
          path: "/api/llm/chat/sessions",
          handler: (request) => {
            const q = new URL(request.url).searchParams.get("q");
            asked.push(q);
            return json(q ? [summary("m", { title: "Dragons" })] : [summary("a"), summary("b")]);
          },
        },
      ]),
    );
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();
    await screen.findByText("Session a");

    await user.type(within(sidebar()).getByRole("searchbox", { name: "Search chats" }), "drag");

    expect(await within(sidebar()).findByText("Dragons")).toBeInTheDocument();
    await waitFor(() => expect(within(sidebar()).queryByText("Session a")).not.toBeInTheDocument());
    // One request for the settled text, not one per key.
    expect(asked).toEqual([null, "drag"]);
  });

  it("renames a chat in place (PATCH title)", async () => {
    let title = "Session a";
    const patched: unknown[] = [];
    mockFetch(
      chatRoutes([
        {
          method: "GET",
          path: "/api/llm/chat/sessions",
          handler: () => json([summary("a", { title })]),
        },
        {
          method: "PATCH",
          path: "/api/llm/chat/session/a",
          handler: async (request) => {
            const body = (await request.json()) as { title: string };
            patched.push(body);
            title = body.title;
            return json(summary("a", { title }));
          },
        },
      ]),
    );
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole("button", { name: "Rename chat Session a" }));
    const box = within(sidebar()).getByRole("textbox", { name: "Chat title" });
    await user.clear(box);
    await user.type(box, "Trip planning{Enter}");

    expect(await within(sidebar()).findByRole("link", { name: /^Trip planning/ })).toBeVisible();
    expect(patched).toEqual([{ title: "Trip planning" }]);
  });

  it("deletes a chat with an Undo that restores it", async () => {
    let deleted = false;
    const calls: string[] = [];
    mockFetch(
      chatRoutes([
        {
          method: "GET",
          path: "/api/llm/chat/sessions",
          handler: () => json(deleted ? [] : [summary("a", { title: "Keep me" })]),
        },
        {
          method: "GET",
          path: "/api/llm/chat/session/a/history",
          handler: () =>
            json(
              history("a", [
                { role: "user", content: "Hi" },
                { role: "assistant", content: "Hello!" },
              ]),
            ),
        },
        {
          method: "DELETE",
          path: "/api/llm/chat/session/a",
          handler: () => {
            calls.push("delete");
            deleted = true;
            return new Response(null, { status: 204 });
          },
        },
        {
          method: "POST",
          path: "/api/llm/chat/session/a/restore",
          handler: () => {
            calls.push("restore");
            deleted = false;
            return json(summary("a", { title: "Keep me" }));
          },
        },
      ]),
    );
    const onNavigate = vi.fn();
    renderWithProviders(<ChatPanel sessionId="a" onNavigate={onNavigate} />);
    const user = userEvent.setup();
    await screen.findByText("Hello!");

    await user.click(await screen.findByRole("button", { name: "Delete chat Keep me" }));
    const toast = await screen.findByText("Deleted “Keep me”.");
    expect(await within(sidebar()).findByText("No chats yet.")).toBeInTheDocument();
    // The open chat was the deleted one: the page moves to a new chat.
    expect(onNavigate).toHaveBeenCalledWith(undefined, { replace: false });

    await user.click(
      within(toast.parentElement as HTMLElement).getByRole("button", { name: "Undo" }),
    );
    expect(await within(sidebar()).findByText("Keep me")).toBeInTheDocument();
    expect(calls).toEqual(["delete", "restore"]);
    expect(onNavigate).toHaveBeenLastCalledWith("a", { replace: false });
    await waitFor(() => expect(screen.queryByText("Deleted “Keep me”.")).not.toBeInTheDocument());
  });
});

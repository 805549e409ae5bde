import { QueryClientProvider } from "@tanstack/react-query";
import {
  createMemoryHistory,
  createRootRoute,
  createRoute,
  createRouter,
  Outlet,
  RouterProvider,
} from "@tanstack/react-router";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import {
  chatRoutes,
  delta,
  history,
  sessionEvent,
  summary,
} from "@/features/chat/components/__tests__/chat-fixtures";
import { pressKey, typeInEditor } from "@/testing/editor";
import { json, mockFetch, sseResponse } from "@/testing/fetch-mock";
import { createTestQueryClient } from "@/testing/render";
import { ChatPage } from "../chat";

/** The chat page under a router of its own, at `path`. */
function renderAt(path: string) {
  // The router restores the window's scroll position, which jsdom cannot do.
  vi.spyOn(window, "scrollTo").mockImplementation(() => undefined);
  const root = createRootRoute({ component: Outlet });
  const routeTree = root.addChildren([
    createRoute({ getParentRoute: () => root, path: "/chat", component: ChatPage }),
    createRoute({ getParentRoute: () => root, path: "/chat/$sessionId", component: ChatPage }),
  ]);
  const memory = createMemoryHistory({ initialEntries: [path] });
  const router = createRouter({ routeTree, history: memory });
  render(
    <QueryClientProvider client={createTestQueryClient()}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { router, memory };
}

describe("the chat's address", () => {
  it("becomes /chat/<id> as soon as the first event names the session (replacing /chat)", async () => {
    mockFetch(
      chatRoutes([
        {
          method: "POST",
          path: "/api/llm/chat/session",
          handler: (request) => sseResponse(request, [sessionEvent("abc"), delta("Hel")]),
        },
      ]),
    );
    const { router, memory } = renderAt("/chat");
    const input = await screen.findByRole("textbox", { name: "Message" });
    const entries = memory.length;

    typeInEditor(input, "Hello");
    pressKey(input, "Enter");

    await waitFor(() => expect(router.state.location.pathname).toBe("/chat/abc"));
    expect(memory.length).toBe(entries);
    // Still the same chat on screen, still streaming into it.
    const messages = screen.getByRole("list", { name: "Messages" });
    expect(await within(messages).findByText("Hel")).toBeInTheDocument();
    expect(within(messages).getByText("Hello")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Stop" })).toBeInTheDocument();
  });

  it("opening /chat/<id> shows that chat; its sidebar link goes there", async () => {
    mockFetch(
      chatRoutes(
        [
          {
            method: "GET",
            path: "/api/llm/chat/session/s1/history",
            handler: () =>
              json(
                history("s1", [
                  { role: "user", content: "Stored question" },
                  { role: "assistant", content: "Stored answer", status: "stopped" },
                ]),
              ),
          },
          {
            method: "GET",
            path: "/api/llm/chat/session/s2/history",
            handler: () =>
              json(
                history("s2", [
                  { role: "user", content: "Other question" },
                  { role: "assistant", content: "Other answer" },
                ]),
              ),
          },
        ],
        { sessions: [summary("s1"), summary("s2")] },
      ),
    );
    const { router } = renderAt("/chat/s1");
    const user = userEvent.setup();

    expect(await screen.findByText("Stored answer")).toBeInTheDocument();
    expect(screen.getByText("stopped")).toBeInTheDocument();
    const link = await screen.findByRole("link", { name: /^Session s2/ });
    expect(link).toHaveAttribute("href", "/chat/s2");

    await user.click(link);
    await waitFor(() => expect(router.state.location.pathname).toBe("/chat/s2"));
    expect(await screen.findByText("Other answer")).toBeInTheDocument();
    expect(screen.queryByText("Stored answer")).not.toBeInTheDocument();
  });
});

import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { editorText, pressKey, typeInEditor } from "@/testing/editor";
import { json, mockFetch, sseResponse } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { ChatPanel } from "../chat-panel";
import {
  chatRoutes,
  delta,
  doneEvent,
  errorEvent,
  healthBody,
  history,
  sessionEvent,
  summary,
} from "./chat-fixtures";

const SESSION_ABC = sessionEvent("abc");

const messageBox = () => screen.getByRole("textbox", { name: "Message" });

function send(text: string) {
  typeInEditor(messageBox(), text);
  pressKey(messageBox(), "Enter");
}

describe("ChatPanel: a turn", () => {
  it("streams an answer and the Stop button aborts it, keeping the partial text", async () => {
    let streamRequest: Request | undefined;
    mockFetch(
      chatRoutes([
        {
          method: "POST",
          path: "/api/llm/chat/session",
          handler: (request) => {
            streamRequest = request;
            return sseResponse(request, [SESSION_ABC, delta("The capital")]);
          },
        },
      ]),
    );
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();

    typeInEditor(messageBox(), "Which city is the capital of France?");
    await user.click(screen.getByRole("button", { name: "Send" }));

    const messages = await screen.findByRole("list", { name: "Messages" });
    expect(await within(messages).findByText("The capital")).toBeInTheDocument();
    expect(await streamRequest?.clone().json()).toMatchObject({
      message: "Which city is the capital of France?",
      stream: true,
    });

    await user.click(screen.getByRole("button", { name: "Stop" }));

    expect(await within(messages).findByText("stopped")).toBeInTheDocument();
    expect(streamRequest?.signal.aborted).toBe(true);
    expect(within(messages).getByText("The capital")).toBeInTheDocument();
    expect(within(messages).getByText("Which city is the capital of France?")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Send" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Stop" })).not.toBeInTheDocument();
  });

  it("shows the final answer, then continues in the same session", async () => {
    const bodies: unknown[] = [];
    mockFetch(
      chatRoutes([
        {
          method: "POST",
          path: "/api/llm/chat/session",
          handler: async (request) => {
            bodies.push(await request.clone().json());
            return sseResponse(
              request,
              [SESSION_ABC, delta("Paris"), doneEvent("abc", "The capital of France is Paris.")],
              { close: true },
            );
          },
        },
      ]),
    );
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();

    await user.type(screen.getByLabelText("System prompt"), "Be brief.");
    send("Capital of France?");
    expect(await screen.findByText("The capital of France is Paris.")).toBeInTheDocument();

    send("And Japan?");
    await vi.waitFor(() => expect(bodies).toHaveLength(2));
    expect(bodies[0]).toMatchObject({ system_prompt: "Be brief.", stream: true });
    // A new chat's id is chosen by the browser; the server creates it on admission.
    expect(bodies[0]).toMatchObject({ session_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(bodies[1]).toMatchObject({ session_id: "abc", message: "And Japan?" });
    expect(bodies[1]).not.toHaveProperty("system_prompt");
  });

  it("takes the new session's id from the first event: the address names it at once", async () => {
    const onNavigate = vi.fn();
    mockFetch(
      chatRoutes([
        {
          method: "POST",
          path: "/api/llm/chat/session",
          handler: (request) => sseResponse(request, [SESSION_ABC]),
        },
      ]),
    );
    renderWithProviders(<ChatPanel onNavigate={onNavigate} />);

    send("Hello");
    // Before any token or the end of the turn: the question is stored in "abc".
    await vi.waitFor(() => expect(onNavigate).toHaveBeenCalledWith("abc", { replace: true }));
    expect(onNavigate).toHaveBeenCalledTimes(1);
    expect(screen.getByText("Waiting for the model…")).toBeInTheDocument();
  });

  it("stopping the first answer keeps its question, answer and session: the next message continues it", async () => {
    const bodies: unknown[] = [];
    let stored = history("abc", [{ role: "user", content: "Tell me a long story" }]);
    mockFetch(
      chatRoutes([
        {
          method: "POST",
          path: "/api/llm/chat/session",
          handler: async (request) => {
            bodies.push(await request.clone().json());
            if (bodies.length === 1) {
              request.signal.addEventListener("abort", () => {
                stored = history("abc", [
                  { role: "user", content: "Tell me a long story" },
                  { role: "assistant", content: "Once upon", status: "stopped" },
                ]);
              });
              return sseResponse(request, [SESSION_ABC, delta("Once upon")]);
            }
            return sseResponse(request, [sessionEvent("abc", false), doneEvent("abc", "a time.")], {
              close: true,
            });
          },
        },
        {
          method: "GET",
          path: "/api/llm/chat/session/abc/history",
          handler: () => json(stored),
        },
      ]),
    );
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();

    send("Tell me a long story");
    expect(await screen.findByText("Once upon")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Stop" }));
    const messages = screen.getByRole("list", { name: "Messages" });
    expect(await within(messages).findByText("stopped")).toBeInTheDocument();
    expect(within(messages).getByText("Tell me a long story")).toBeInTheDocument();
    expect(editorText(messageBox())).toBe("");
    // Read back from the store, the question can be edited now.
    expect(await within(messages).findByRole("button", { name: "Edit" })).toBeInTheDocument();

    send("Go on");
    expect(await screen.findByText("a time.")).toBeInTheDocument();
    expect(bodies[1]).toMatchObject({ session_id: "abc", message: "Go on" });
  });

  it("Stop before the session event, when the server had admitted the turn: the chat is that stored session", async () => {
    const onNavigate = vi.fn();
    vi.spyOn(crypto, "randomUUID").mockReturnValue(
      "0000-new" as ReturnType<typeof crypto.randomUUID>,
    );
    const bodies: unknown[] = [];
    mockFetch(
      chatRoutes([
        {
          method: "POST",
          path: "/api/llm/chat/session",
          handler: async (request) => {
            bodies.push(await request.clone().json());
            // Admitted on the server, but the session event never reaches the browser.
            return sseResponse(request, []);
          },
        },
        {
          method: "GET",
          path: "/api/llm/chat/session/0000-new/history",
          handler: () =>
            json(
              history("0000-new", [
                { role: "user", content: "Hello" },
                { role: "assistant", content: "", status: "stopped" },
              ]),
            ),
        },
      ]),
    );
    renderWithProviders(<ChatPanel onNavigate={onNavigate} />);
    const user = userEvent.setup();

    send("Hello");
    expect(await screen.findByText("Waiting for the model…")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Stop" }));

    await vi.waitFor(() => expect(onNavigate).toHaveBeenCalledWith("0000-new", { replace: true }));
    const messages = screen.getByRole("list", { name: "Messages" });
    expect(await within(messages).findByText("stopped")).toBeInTheDocument();
    expect(within(messages).getByText("Hello")).toBeInTheDocument();
    expect(await within(messages).findByRole("button", { name: "Edit" })).toBeInTheDocument();
    expect(editorText(messageBox())).toBe("");
    expect(bodies[0]).toMatchObject({ session_id: "0000-new", message: "Hello" });
  });

  it("Stop before the session event, when nothing was stored: the text goes back to the input", async () => {
    const onNavigate = vi.fn();
    vi.spyOn(crypto, "randomUUID").mockReturnValue(
      "0000-gone" as ReturnType<typeof crypto.randomUUID>,
    );
    const historyRead = vi.fn(() =>
      json({ error: "Session not found", timestamp: 1, code: "not_found" }, 404),
    );
    mockFetch(
      chatRoutes([
        {
          method: "POST",
          path: "/api/llm/chat/session",
          handler: (request) => sseResponse(request, []),
        },
        { method: "GET", path: "/api/llm/chat/session/0000-gone/history", handler: historyRead },
      ]),
    );
    renderWithProviders(<ChatPanel onNavigate={onNavigate} />);
    const user = userEvent.setup();

    send("Hello");
    expect(await screen.findByText("Waiting for the model…")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Stop" }));

    await waitFor(() => expect(editorText(messageBox())).toBe("Hello"));
    expect(historyRead).toHaveBeenCalled();
    expect(screen.queryByRole("list", { name: "Messages" })).not.toBeInTheDocument();
    expect(onNavigate).not.toHaveBeenCalled();
  });

  it("gives a message refused at admission back to the input, and shows nothing was stored", async () => {
    const onNavigate = vi.fn();
    mockFetch(
      chatRoutes([
        {
          method: "POST",
          path: "/api/llm/chat/session",
          handler: () =>
            json(
              {
                error: "Too many requests at once — wait for an answer to finish",
                timestamp: 1,
                code: "llm_user_limit",
              },
              429,
            ),
        },
      ]),
    );
    renderWithProviders(<ChatPanel onNavigate={onNavigate} />);

    send("Anyone there?");

    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Not sent: Too many requests at once",
    );
    await waitFor(() => expect(editorText(messageBox())).toBe("Anyone there?"));
    expect(screen.queryByRole("list", { name: "Messages" })).not.toBeInTheDocument();
    expect(screen.getByText("No messages yet. Say hello below.")).toBeInTheDocument();
    expect(onNavigate).not.toHaveBeenCalled();
  });

  it("while the model is offline: Retry, input closed until health is back, then Retry sends", async () => {
    let up = true;
    const bodies: unknown[] = [];
    mockFetch(
      chatRoutes(
        [
          {
            method: "POST",
            path: "/api/llm/chat/session",
            handler: async (request) => {
              bodies.push(await request.clone().json());
              if (!up) {
                return json(
                  {
                    error: "The model is offline — try again in a minute",
                    timestamp: 1,
                    code: "llm_unavailable",
                  },
                  503,
                );
              }
              return sseResponse(request, [SESSION_ABC, doneEvent("abc", "Yes, here.")], {
                close: true,
              });
            },
          },
        ],
        { health: () => json(healthBody(up ? "ok" : "unavailable")) },
      ),
    );
    const { queryClient } = renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();
    await screen.findByText("No chats yet.");
    await waitFor(() => expect(queryClient.getQueryData(["llm", "health"])).toBeDefined());
    // The model goes away; the page last heard it was fine.
    up = false;

    send("Anyone there?");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The model is offline, so your message was not sent.");
    expect(alert).not.toHaveTextContent("make llm");
    await waitFor(() => expect(editorText(messageBox())).toBe("Anyone there?"));
    await waitFor(() => expect(messageBox()).toHaveAttribute("contenteditable", "false"));
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();

    up = true;
    await act(() => queryClient.refetchQueries({ queryKey: ["llm", "health"] }));
    await waitFor(() => expect(messageBox()).toHaveAttribute("contenteditable", "true"));
    expect(screen.getByRole("alert")).toHaveTextContent("The model is back.");
    await user.click(screen.getByRole("button", { name: "Retry" }));

    expect(await screen.findByText("Yes, here.")).toBeInTheDocument();
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toMatchObject({ message: "Anyone there?" });
    expect(editorText(messageBox())).toBe("");
    expect(screen.queryByRole("button", { name: "Retry" })).not.toBeInTheDocument();
  });

  it("shows an error event after admission as a failed answer, with its question", async () => {
    mockFetch(
      chatRoutes([
        {
          method: "POST",
          path: "/api/llm/chat/session",
          handler: (request) =>
            sseResponse(
              request,
              [SESSION_ABC, delta("Half"), errorEvent("The model stopped answering")],
              { close: true },
            ),
        },
      ]),
    );
    renderWithProviders(<ChatPanel />);

    send("Hello");

    const messages = await screen.findByRole("list", { name: "Messages" });
    expect(await within(messages).findByRole("alert")).toHaveTextContent(
      "failed: The model stopped answering",
    );
    expect(within(messages).getByText("Half")).toBeInTheDocument();
    expect(within(messages).getByText("Hello")).toBeInTheDocument();
  });

  it("says a turn is queued when it waits and the chat lane is busy", async () => {
    mockFetch(
      chatRoutes(
        [
          {
            method: "POST",
            path: "/api/llm/chat/session",
            // Never admitted while the test watches: no event at all.
            handler: (request) => sseResponse(request, []),
          },
        ],
        { health: () => json(healthBody("ok", { in_use: 2, waiting: 1 })) },
      ),
    );
    // The clock and the once-a-second tick are the test's: no real waiting, whatever the load.
    vi.useFakeTimers({ toFake: ["Date", "setInterval", "clearInterval"] });
    try {
      renderWithProviders(<ChatPanel />);

      send("Hello");
      expect(await screen.findByText("Waiting for the model…")).toBeInTheDocument();
      expect(screen.queryByText("Queued — the model is busy")).not.toBeInTheDocument();
      await act(async () => {
        await vi.advanceTimersByTimeAsync(2000);
      });
      expect(await screen.findByText("Queued — the model is busy")).toBeInTheDocument();
      expect(screen.getByText(/^\d+ s$/)).toBeInTheDocument();
    } finally {
      vi.useRealTimers();
    }
  });

  it("announces an answer once it is finished, not chunk by chunk", async () => {
    let finish: (() => void) | undefined;
    mockFetch(
      chatRoutes([
        {
          method: "POST",
          path: "/api/llm/chat/session",
          handler: () => {
            const encoder = new TextEncoder();
            const body = new ReadableStream<Uint8Array>({
              start(controller) {
                controller.enqueue(encoder.encode(sessionEvent("s1") + delta("Par")));
                finish = () => {
                  controller.enqueue(encoder.encode(doneEvent("s1", "Paris.")));
                  controller.close();
                };
              },
            });
            return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
          },
        },
      ]),
    );
    renderWithProviders(<ChatPanel />);
    const announcer = screen.getByTestId("chat-announcer");
    expect(announcer).toHaveAttribute("aria-live", "polite");

    send("Capital of France?");
    const messages = await screen.findByRole("list", { name: "Messages" });
    expect(await within(messages).findByText("Par")).toBeInTheDocument();
    expect(announcer).toBeEmptyDOMElement();

    act(() => finish?.());
    await waitFor(() => expect(announcer).toHaveTextContent("Assistant: Paris."));
  });
});

describe("ChatPanel: stored chats", () => {
  it("opens the chat its address names, with stopped and failed answers as stored", async () => {
    mockFetch(
      chatRoutes([
        {
          method: "GET",
          path: "/api/llm/chat/session/a/history",
          handler: () =>
            json(
              history("a", [
                { role: "user", content: "First" },
                { role: "assistant", content: "Half an ans", status: "stopped" },
                { role: "user", content: "Second" },
                { role: "assistant", content: "Cut o", status: "failed" },
              ]),
            ),
        },
      ]),
    );
    renderWithProviders(<ChatPanel sessionId="a" onNavigate={vi.fn()} />);

    const messages = await screen.findByRole("list", { name: "Messages" });
    expect(await within(messages).findByText("Half an ans")).toBeInTheDocument();
    expect(within(messages).getByText("stopped")).toBeInTheDocument();
    expect(within(messages).getByRole("alert")).toHaveTextContent("failed: the answer broke off");
  });

  it("says so when the address names a chat that does not exist, with a way out", async () => {
    const onNavigate = vi.fn();
    mockFetch(
      chatRoutes([
        {
          method: "GET",
          path: "/api/llm/chat/session/nope/history",
          handler: () => json({ error: "Session not found", timestamp: 1 }, 404),
        },
      ]),
    );
    renderWithProviders(<ChatPanel sessionId="nope" onNavigate={onNavigate} />);
    const user = userEvent.setup();

    expect(await screen.findByText("Chat not found.")).toBeInTheDocument();
    const link = screen.getByRole("link", { name: "Start a new chat" });
    expect(link).toHaveAttribute("href", "/chat");
    await user.click(link);
    expect(onNavigate).toHaveBeenCalledWith(undefined, { replace: false });
  });

  it("regenerates the last answer: the new one replaces it", async () => {
    let regenerated: Request | undefined;
    mockFetch(
      chatRoutes([
        {
          method: "GET",
          path: "/api/llm/chat/session/a/history",
          handler: () =>
            json(
              history("a", [
                { role: "user", content: "Name a colour" },
                {
                  role: "assistant",
                  content: regenerated ? "Blue." : "Red.",
                },
              ]),
            ),
        },
        {
          method: "POST",
          path: "/api/llm/chat/session/a/regenerate",
          handler: (request) => {
            regenerated = request;
            return sseResponse(request, [sessionEvent("a", false), doneEvent("a", "Blue.")], {
              close: true,
            });
          },
        },
      ]),
    );
    renderWithProviders(<ChatPanel sessionId="a" onNavigate={vi.fn()} />);
    const user = userEvent.setup();

    const messages = await screen.findByRole("list", { name: "Messages" });
    await within(messages).findByText("Red.");
    await user.click(within(messages).getByRole("button", { name: "Regenerate" }));

    expect(await within(messages).findByText("Blue.")).toBeInTheDocument();
    expect(within(messages).queryByText("Red.")).not.toBeInTheDocument();
    expect(await regenerated?.clone().json()).toMatchObject({ stream: true });
    expect(within(messages).getAllByRole("listitem")).toHaveLength(2);
  });

  it("a regenerate refused at admission keeps the old answer; Retry asks again", async () => {
    let attempts = 0;
    mockFetch(
      chatRoutes([
        {
          method: "GET",
          path: "/api/llm/chat/session/a/history",
          handler: () =>
            json(
              history("a", [
                { role: "user", content: "Name a colour" },
                { role: "assistant", content: attempts > 1 ? "Blue." : "Red." },
              ]),
            ),
        },
        {
          method: "POST",
          path: "/api/llm/chat/session/a/regenerate",
          handler: (request) => {
            attempts += 1;
            if (attempts === 1) {
              return json(
                { error: "The model is offline", timestamp: 1, code: "llm_unavailable" },
                503,
              );
            }
            return sseResponse(request, [sessionEvent("a", false), doneEvent("a", "Blue.")], {
              close: true,
            });
          },
        },
      ]),
    );
    renderWithProviders(<ChatPanel sessionId="a" onNavigate={vi.fn()} />);
    const user = userEvent.setup();
    const messages = await screen.findByRole("list", { name: "Messages" });
    await within(messages).findByText("Red.");

    await user.click(within(messages).getByRole("button", { name: "Regenerate" }));
    expect(await screen.findByRole("button", { name: "Retry" })).toBeInTheDocument();
    expect(within(messages).getByText("Red.")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Retry" }));
    expect(await within(messages).findByText("Blue.")).toBeInTheDocument();
    expect(within(messages).queryByText("Red.")).not.toBeInTheDocument();
    expect(attempts).toBe(2);
  });

  it("edits a question and sends it again: the turns after it go", async () => {
    let edited: unknown;
    mockFetch(
      chatRoutes([
        {
          method: "GET",
          path: "/api/llm/chat/session/a/history",
          handler: () =>
            json(
              edited
                ? history("a", [
                    { role: "user", content: "Capital of Italy?" },
                    { role: "assistant", content: "Rome." },
                  ])
                : history("a", [
                    { role: "user", content: "Capital of Spain?" },
                    { role: "assistant", content: "Madrid." },
                    { role: "user", content: "And Portugal?" },
                    { role: "assistant", content: "Lisbon." },
                  ]),
            ),
        },
        {
          method: "POST",
          path: "/api/llm/chat/session/a/edit",
          handler: async (request) => {
            edited = await request.clone().json();
            return sseResponse(request, [sessionEvent("a", false), doneEvent("a", "Rome.")], {
              close: true,
            });
          },
        },
      ]),
    );
    renderWithProviders(<ChatPanel sessionId="a" onNavigate={vi.fn()} />);
    const user = userEvent.setup();

    const messages = await screen.findByRole("list", { name: "Messages" });
    await within(messages).findByText("Lisbon.");
    await user.click(within(messages).getAllByRole("button", { name: "Edit" })[0] as HTMLElement);
    const box = within(messages).getByRole("textbox", { name: "Edited message" });
    expect(box).toHaveValue("Capital of Spain?");
    await user.clear(box);
    await user.type(box, "Capital of Italy?");
    await user.click(within(messages).getByRole("button", { name: "Send edit" }));

    expect(await within(messages).findByText("Rome.")).toBeInTheDocument();
    expect(edited).toMatchObject({ message_id: 1, message: "Capital of Italy?", stream: true });
    expect(within(messages).queryByText("Lisbon.")).not.toBeInTheDocument();
    expect(within(messages).queryByText("And Portugal?")).not.toBeInTheDocument();
  });

  it("an edit of a message changed elsewhere says so and shows the chat as stored", async () => {
    let changed = false;
    mockFetch(
      chatRoutes([
        {
          method: "GET",
          path: "/api/llm/chat/session/a/history",
          handler: () =>
            json(
              changed
                ? history("a", [
                    { role: "user", content: "Capital of Peru?" },
                    { role: "assistant", content: "Lima." },
                  ])
                : history("a", [
                    { role: "user", content: "Capital of Spain?" },
                    { role: "assistant", content: "Madrid." },
                  ]),
            ),
        },
        {
          method: "POST",
          path: "/api/llm/chat/session/a/edit",
          handler: () => {
            changed = true;
            return json(
              { error: "Message not found in this session", timestamp: 1, code: "not_found" },
              404,
            );
          },
        },
      ]),
    );
    renderWithProviders(<ChatPanel sessionId="a" onNavigate={vi.fn()} />);
    const user = userEvent.setup();

    const messages = await screen.findByRole("list", { name: "Messages" });
    await within(messages).findByText("Madrid.");
    await user.click(within(messages).getByRole("button", { name: "Edit" }));
    const box = within(messages).getByRole("textbox", { name: "Edited message" });
    await user.clear(box);
    await user.type(box, "Capital of Italy?");
    await user.click(within(messages).getByRole("button", { name: "Send edit" }));

    expect(await screen.findByRole("alert")).toHaveTextContent(
      "That message was changed elsewhere",
    );
    expect(screen.getByRole("alert")).not.toHaveTextContent("no longer exists");
    expect(await within(messages).findByText("Lima.")).toBeInTheDocument();
    expect(within(messages).queryByText("Madrid.")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Retry" })).not.toBeInTheDocument();
  });

  it("opening A, then B: the slower history of A never replaces B", async () => {
    const release: Record<string, (response: Response) => void> = {};
    mockFetch(
      chatRoutes(
        ["a", "b"].map((id) => ({
          method: "GET",
          path: `/api/llm/chat/session/${id}/history`,
          handler: () => new Promise<Response>((resolve) => (release[id] = resolve)),
        })),
        { sessions: [summary("a"), summary("b")] },
      ),
    );
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole("link", { name: /^Session a/ }));
    await vi.waitFor(() => expect(release.a).toBeDefined());
    await user.click(screen.getByRole("link", { name: /^Session b/ }));
    await vi.waitFor(() => expect(release.b).toBeDefined());
    act(() =>
      release.b?.(
        json(
          history("b", [
            { role: "user", content: "Question B" },
            { role: "assistant", content: "Answer B" },
          ]),
        ),
      ),
    );
    expect(await screen.findByText("Answer B")).toBeInTheDocument();

    await act(async () =>
      release.a?.(
        json(
          history("a", [
            { role: "user", content: "Question A" },
            { role: "assistant", content: "Answer A" },
          ]),
        ),
      ),
    );
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(screen.getByText("Answer B")).toBeInTheDocument();
    expect(screen.queryByText("Answer A")).not.toBeInTheDocument();
    expect(screen.getByRole("link", { name: /^Session b/ })).toHaveAttribute(
      "aria-current",
      "page",
    );
    expect(screen.queryByText("Loading conversation…")).not.toBeInTheDocument();
  });

  it("New chat while a session loads stays a new chat", async () => {
    let release: ((response: Response) => void) | undefined;
    mockFetch(
      chatRoutes(
        [
          {
            method: "GET",
            path: "/api/llm/chat/session/a/history",
            handler: () => new Promise<Response>((resolve) => (release = resolve)),
          },
        ],
        { sessions: [summary("a")] },
      ),
    );
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole("link", { name: /^Session a/ }));
    await vi.waitFor(() => expect(release).toBeDefined());
    expect(screen.getByText("Loading conversation…")).toBeInTheDocument();
    const sidebar = screen.getByRole("navigation", { name: "Chat sessions" });
    await user.click(within(sidebar).getByRole("link", { name: "New chat" }));
    expect(screen.queryByText("Loading conversation…")).not.toBeInTheDocument();

    await act(async () =>
      release?.(json(history("a", [{ role: "assistant", content: "Old answer" }], "Be terse."))),
    );
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(screen.queryByText("Old answer")).not.toBeInTheDocument();
    expect(screen.getByText("No messages yet. Say hello below.")).toBeInTheDocument();
    expect(screen.getByLabelText("System prompt")).toHaveValue("");
  });
});

describe("ChatPanel: the message box", () => {
  it("suggests how the message goes on (message completions); Tab takes it, Enter sends", async () => {
    const bodies: { completion?: unknown; chat?: unknown }[] = [];
    mockFetch(
      chatRoutes([
        {
          method: "POST",
          path: "/api/completion/generate",
          handler: async (request) => {
            bodies.push({ completion: await request.json() });
            return json({ completion: " of France?", timestamp: 1 });
          },
        },
        {
          method: "POST",
          path: "/api/llm/chat/session",
          handler: async (request) => {
            bodies.push({ chat: await request.clone().json() });
            return sseResponse(request, [SESSION_ABC, doneEvent("abc", "Paris.")], {
              close: true,
            });
          },
        },
      ]),
    );
    renderWithProviders(<ChatPanel />);
    await screen.findByText("No chats yet.");
    const input = messageBox();

    typeInEditor(input, "What is the capital");
    await waitFor(() => expect(document.querySelector(".cm-ghost-text")).not.toBeNull());
    expect(bodies[0]?.completion).toMatchObject({
      text: "What is the capital",
      completion_type: "message",
    });
    pressKey(input, "Tab");
    pressKey(input, "Enter");

    await waitFor(() => expect(bodies).toHaveLength(2));
    expect(bodies[1]?.chat).toMatchObject({ message: "What is the capital of France?" });
    expect(await screen.findByText("Paris.")).toBeInTheDocument();
    expect(editorText(input)).toBe("");
  });

  it("asks for nothing when ghost text is off", async () => {
    const spy = mockFetch(chatRoutes([]));
    renderWithProviders(<ChatPanel ghostText={false} />);
    await screen.findByText("No chats yet.");
    typeInEditor(messageBox(), "Hello there");
    await act(() => new Promise((resolve) => setTimeout(resolve, 500)));
    expect(
      spy.mock.calls.map(([input]) => String(input instanceof Request ? input.url : input)),
    ).not.toContainEqual(expect.stringContaining("/api/completion"));
  });
});

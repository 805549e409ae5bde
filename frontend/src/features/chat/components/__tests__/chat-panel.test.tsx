import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { editorText, pressKey, typeInEditor } from "@/testing/editor";
import { json, mockFetch, sseResponse } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { ChatPanel } from "../chat-panel";

/** The first event of an admitted turn: its question is stored in session "abc". */
const SESSION_ABC = 'event: session\ndata: {"session_id": "abc", "created": true}\n\n';

describe("ChatPanel", () => {
  it("streams an answer and the Stop button aborts it, keeping the partial text", async () => {
    let streamRequest: Request | undefined;
    mockFetch([
      { method: "GET", path: "/api/llm/chat/sessions", handler: () => json([]) },
      {
        method: "POST",
        path: "/api/llm/chat/session",
        handler: (request) => {
          streamRequest = request;
          return sseResponse(request, [SESSION_ABC, 'data: {"delta": "The capital"}\n\n']);
        },
      },
    ]);
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();

    typeInEditor(screen.getByLabelText("Message"), "Which city is the capital of France?");
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
    expect(screen.getByRole("button", { name: "Send" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Stop" })).not.toBeInTheDocument();
  });

  it("shows the final answer, then continues in the same session", async () => {
    const bodies: unknown[] = [];
    mockFetch([
      { method: "GET", path: "/api/llm/chat/sessions", handler: () => json([]) },
      {
        method: "POST",
        path: "/api/llm/chat/session",
        handler: async (request) => {
          bodies.push(await request.clone().json());
          return sseResponse(
            request,
            [
              SESSION_ABC,
              'data: {"delta": "Paris"}\n\n',
              'event: done\ndata: {"session_id": "abc", "response": "The capital of France is Paris.", "usage": {}}\n\n',
            ],
            { close: true },
          );
        },
      },
    ]);
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();

    await user.type(screen.getByLabelText("System prompt"), "Be brief.");
    typeInEditor(screen.getByLabelText("Message"), "Capital of France?");
    pressKey(screen.getByLabelText("Message"), "Enter");
    expect(await screen.findByText("The capital of France is Paris.")).toBeInTheDocument();

    typeInEditor(screen.getByLabelText("Message"), "And Japan?");
    pressKey(screen.getByLabelText("Message"), "Enter");
    await screen.findAllByText("The capital of France is Paris.");
    await vi.waitFor(() => expect(bodies).toHaveLength(2));
    expect(bodies[0]).toMatchObject({ system_prompt: "Be brief.", stream: true });
    expect(bodies[0]).not.toHaveProperty("session_id");
    expect(bodies[1]).toMatchObject({ session_id: "abc", message: "And Japan?" });
    expect(bodies[1]).not.toHaveProperty("system_prompt");
  });

  it("stopping the first answer keeps its session: the next message continues it", async () => {
    const bodies: unknown[] = [];
    mockFetch([
      { method: "GET", path: "/api/llm/chat/sessions", handler: () => json([]) },
      {
        method: "POST",
        path: "/api/llm/chat/session",
        handler: async (request) => {
          bodies.push(await request.clone().json());
          if (bodies.length === 1) {
            return sseResponse(request, [SESSION_ABC, 'data: {"delta": "Once upon"}\n\n']);
          }
          const done = 'event: done\ndata: {"session_id": "abc", "response": "a time."}\n\n';
          return sseResponse(request, [SESSION_ABC, done], { close: true });
        },
      },
    ]);
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();

    typeInEditor(screen.getByLabelText("Message"), "Tell me a long story");
    pressKey(screen.getByLabelText("Message"), "Enter");
    expect(await screen.findByText("Once upon")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Stop" }));
    expect(await screen.findByText("stopped")).toBeInTheDocument();
    expect(editorText(screen.getByLabelText("Message"))).toBe("");

    typeInEditor(screen.getByLabelText("Message"), "Go on");
    pressKey(screen.getByLabelText("Message"), "Enter");
    expect(await screen.findByText("a time.")).toBeInTheDocument();
    expect(bodies[1]).toMatchObject({ session_id: "abc", message: "Go on" });
  });

  it("gives a message the server refused back to the input", async () => {
    mockFetch([
      { method: "GET", path: "/api/llm/chat/sessions", handler: () => json([]) },
      {
        method: "POST",
        path: "/api/llm/chat/session",
        handler: () =>
          json({ error: "The model is offline — try again in a minute", timestamp: 1 }, 503),
      },
    ]);
    renderWithProviders(<ChatPanel />);

    typeInEditor(screen.getByLabelText("Message"), "Anyone there?");
    pressKey(screen.getByLabelText("Message"), "Enter");

    expect(await screen.findByRole("alert")).toHaveTextContent("The model is offline");
    await waitFor(() => expect(editorText(screen.getByLabelText("Message"))).toBe("Anyone there?"));
  });

  it("shows stored answers that were stopped or broke off as such", async () => {
    mockFetch([
      {
        method: "GET",
        path: "/api/llm/chat/sessions",
        handler: () =>
          json([
            {
              session_id: "a",
              title: "Session a",
              message_count: 4,
              created_at: "2025-01-01T00:00:00Z",
              updated_at: "2025-01-01T00:00:00Z",
            },
          ]),
      },
      {
        method: "GET",
        path: "/api/llm/chat/session/a/history",
        handler: () =>
          json({
            session_id: "a",
            system_prompt: null,
            messages: [
              { role: "user", content: "First", status: "complete" },
              { role: "assistant", content: "Half an ans", status: "stopped" },
              { role: "user", content: "Second", status: "complete" },
              { role: "assistant", content: "Cut o", status: "failed" },
            ],
            created_at: "2025-01-01T00:00:00Z",
            updated_at: "2025-01-01T00:00:00Z",
          }),
      },
    ]);
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole("button", { name: /^Session a/ }));
    const messages = await screen.findByRole("list", { name: "Messages" });
    expect(await within(messages).findByText("Half an ans")).toBeInTheDocument();
    expect(within(messages).getByText("stopped")).toBeInTheDocument();
    expect(within(messages).getByRole("alert")).toHaveTextContent("The answer broke off here.");
  });

  it("shows an error event inline under the answer", async () => {
    mockFetch([
      { method: "GET", path: "/api/llm/chat/sessions", handler: () => json([]) },
      {
        method: "POST",
        path: "/api/llm/chat/session",
        handler: (request) =>
          sseResponse(
            request,
            [
              SESSION_ABC,
              'event: error\ndata: {"error": "LLM server timed out", "timestamp": 1}\n\n',
            ],
            { close: true },
          ),
      },
    ]);
    renderWithProviders(<ChatPanel />);

    typeInEditor(screen.getByLabelText("Message"), "Hello");
    pressKey(screen.getByLabelText("Message"), "Enter");

    expect(await screen.findByRole("alert")).toHaveTextContent("LLM server timed out");
  });

  it("suggests how the message goes on (message completions); Tab takes it, Enter sends", async () => {
    const bodies: { completion?: unknown; chat?: unknown }[] = [];
    mockFetch([
      { method: "GET", path: "/api/llm/chat/sessions", handler: () => json([]) },
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
          // A whole turn, so the sent message is stored and never given back to the input.
          const done = 'event: done\ndata: {"session_id": "abc", "response": "Paris."}\n\n';
          return sseResponse(request, [SESSION_ABC, done], { close: true });
        },
      },
    ]);
    renderWithProviders(<ChatPanel />);
    await screen.findByText("No sessions yet.");
    const input = screen.getByRole("textbox", { name: "Message" });

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

  it("opening A, then B: the slower history of A never replaces B", async () => {
    const release: Record<string, (response: Response) => void> = {};
    const history = (id: string, text: string) =>
      json({
        session_id: id,
        system_prompt: null,
        messages: [
          { role: "user", content: `Question ${text}` },
          { role: "assistant", content: `Answer ${text}` },
        ],
        created_at: "2025-01-01T00:00:00Z",
        updated_at: "2025-01-01T00:00:00Z",
      });
    const session = (id: string) => ({
      session_id: id,
      title: `Session ${id}`,
      message_count: 2,
      created_at: "2025-01-01T00:00:00Z",
      updated_at: "2025-01-01T00:00:00Z",
    });
    mockFetch([
      {
        method: "GET",
        path: "/api/llm/chat/sessions",
        handler: () => json([session("a"), session("b")]),
      },
      ...["a", "b"].map((id) => ({
        method: "GET",
        path: `/api/llm/chat/session/${id}/history`,
        handler: () => new Promise<Response>((resolve) => (release[id] = resolve)),
      })),
    ]);
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole("button", { name: /^Session a/ }));
    await vi.waitFor(() => expect(release.a).toBeDefined());
    await user.click(screen.getByRole("button", { name: /^Session b/ }));
    await vi.waitFor(() => expect(release.b).toBeDefined());
    act(() => release.b?.(history("b", "B")));
    expect(await screen.findByText("Answer B")).toBeInTheDocument();

    await act(async () => release.a?.(history("a", "A")));
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(screen.getByText("Answer B")).toBeInTheDocument();
    expect(screen.queryByText("Answer A")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: /^Session b/ })).toHaveAttribute(
      "aria-current",
      "true",
    );
    expect(screen.queryByText("Loading conversation…")).not.toBeInTheDocument();
  });

  it("New chat while a session loads stays a new chat", async () => {
    let release: ((response: Response) => void) | undefined;
    mockFetch([
      {
        method: "GET",
        path: "/api/llm/chat/sessions",
        handler: () =>
          json([
            {
              session_id: "a",
              title: "Session a",
              message_count: 2,
              created_at: "2025-01-01T00:00:00Z",
              updated_at: "2025-01-01T00:00:00Z",
            },
          ]),
      },
      {
        method: "GET",
        path: "/api/llm/chat/session/a/history",
        handler: () => new Promise<Response>((resolve) => (release = resolve)),
      },
    ]);
    renderWithProviders(<ChatPanel />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole("button", { name: /^Session a/ }));
    await vi.waitFor(() => expect(release).toBeDefined());
    expect(screen.getByText("Loading conversation…")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "New chat" }));
    expect(screen.queryByText("Loading conversation…")).not.toBeInTheDocument();

    await act(async () =>
      release?.(
        json({
          session_id: "a",
          system_prompt: "Be terse.",
          messages: [{ role: "assistant", content: "Old answer" }],
          created_at: "2025-01-01T00:00:00Z",
          updated_at: "2025-01-01T00:00:00Z",
        }),
      ),
    );
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(screen.queryByText("Old answer")).not.toBeInTheDocument();
    expect(screen.getByText("No messages yet. Say hello below.")).toBeInTheDocument();
    expect(screen.getByLabelText("System prompt")).toHaveValue("");
  });

  it("announces an answer once it is finished, not chunk by chunk", async () => {
    let finish: (() => void) | undefined;
    mockFetch([
      { method: "GET", path: "/api/llm/chat/sessions", handler: () => json([]) },
      {
        method: "POST",
        path: "/api/llm/chat/session",
        handler: () => {
          const encoder = new TextEncoder();
          const body = new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(encoder.encode('data: {"delta": "Par"}\n\n'));
              finish = () => {
                controller.enqueue(
                  encoder.encode(
                    'event: done\ndata: {"session_id": "s1", "response": "Paris.", "usage": {}}\n\n',
                  ),
                );
                controller.close();
              };
            },
          });
          return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
        },
      },
    ]);
    renderWithProviders(<ChatPanel />);
    const announcer = screen.getByTestId("chat-announcer");
    expect(announcer).toHaveAttribute("aria-live", "polite");

    typeInEditor(screen.getByLabelText("Message"), "Capital of France?");
    pressKey(screen.getByLabelText("Message"), "Enter");
    const messages = await screen.findByRole("list", { name: "Messages" });
    expect(await within(messages).findByText("Par")).toBeInTheDocument();
    expect(announcer).toBeEmptyDOMElement();

    act(() => finish?.());
    await waitFor(() => expect(announcer).toHaveTextContent("Assistant: Paris."));
  });

  it("asks for nothing when ghost text is off", async () => {
    const spy = mockFetch([
      { method: "GET", path: "/api/llm/chat/sessions", handler: () => json([]) },
    ]);
    renderWithProviders(<ChatPanel ghostText={false} />);
    await screen.findByText("No sessions yet.");
    typeInEditor(screen.getByRole("textbox", { name: "Message" }), "Hello there");
    await act(() => new Promise((resolve) => setTimeout(resolve, 500)));
    expect(
      spy.mock.calls.map(([input]) => String(input instanceof Request ? input.url : input)),
    ).not.toContainEqual(expect.stringContaining("/api/completion"));
  });
});

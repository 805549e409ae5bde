import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { draftsStorageKey } from "@/features/drafts/hooks/use-drafts";
import { editorText, pressKey, typeInEditor } from "@/testing/editor";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { DraftsPanel } from "../drafts-panel";
import { countChars, countWords } from "../text-stats";

const TYPES = [
  { name: "general", description: "General text completion" },
  { name: "code", description: "Code snippet completion" },
  { name: "prompt", description: "LLM prompt completion" },
  { name: "message", description: "Chat message completion" },
  { name: "search", description: "Search query completion" },
  { name: "email", description: "Email text completion" },
  { name: "description", description: "Description/documentation completion" },
];

function mockApi(bodies: unknown[] = []) {
  return mockFetch([
    { method: "GET", path: "/api/completion/types", handler: () => json(TYPES) },
    {
      method: "POST",
      path: "/api/completion/generate",
      handler: async (request) => {
        const body = (await request.json()) as { text: string; completion_type: string };
        bodies.push(body);
        return json({ completion: ` [${body.completion_type}]`, timestamp: 1 });
      },
    },
  ]);
}

describe("DraftsPanel", () => {
  it("offers the server's completion types and asks with the chosen one", async () => {
    const bodies: unknown[] = [];
    mockApi(bodies);
    renderWithProviders(<DraftsPanel ghostText owner="1" />);
    const user = userEvent.setup();

    const select = screen.getByLabelText("Completion type");
    await waitFor(() => expect(screen.getByText("General text completion")).toBeInTheDocument());
    expect(Array.from((select as HTMLSelectElement).options).map((o) => o.value)).toEqual(
      TYPES.map((t) => t.name),
    );

    await user.selectOptions(select, "email");
    expect(screen.getByText("Email text completion")).toBeInTheDocument();
    const draft = screen.getByRole("textbox", { name: "Draft" });
    typeInEditor(draft, "Dear Sam,");

    await waitFor(() => expect(document.querySelector(".cm-ghost-text")).not.toBeNull());
    expect(document.querySelector(".cm-ghost-text")).toHaveTextContent("[email]");
    expect(bodies).toEqual([
      expect.objectContaining({ text: "Dear Sam,", completion_type: "email" }),
    ]);

    pressKey(draft, "Tab");
    expect(editorText(draft)).toBe("Dear Sam, [email]");
    expect(screen.getByTestId("draft-stats")).toHaveTextContent("3 words · 17 characters");
  });

  it("keeps one draft per type in this browser", async () => {
    mockApi();
    const first = renderWithProviders(<DraftsPanel ghostText={false} owner="1" />);
    const user = userEvent.setup();

    typeInEditor(screen.getByRole("textbox", { name: "Draft" }), "A general note");
    await user.selectOptions(screen.getByLabelText("Completion type"), "code");
    expect(editorText(screen.getByRole("textbox", { name: "Draft" }))).toBe("");
    typeInEditor(screen.getByRole("textbox", { name: "Draft" }), "def main():");
    expect(JSON.parse(window.localStorage.getItem(draftsStorageKey("1")) ?? "{}")).toMatchObject({
      current: "code",
      drafts: { general: { text: "A general note" }, code: { text: "def main():" } },
    });
    first.unmount();

    renderWithProviders(<DraftsPanel ghostText={false} owner="1" />);
    expect(screen.getByLabelText("Completion type")).toHaveValue("code");
    expect(editorText(screen.getByRole("textbox", { name: "Draft" }))).toBe("def main():");
    await user.selectOptions(screen.getByLabelText("Completion type"), "general");
    expect(editorText(screen.getByRole("textbox", { name: "Draft" }))).toBe("A general note");

    await user.click(screen.getByRole("button", { name: "Clear" }));
    expect(editorText(screen.getByRole("textbox", { name: "Draft" }))).toBe("");
    expect(screen.getByTestId("draft-stats")).toHaveTextContent("0 words · 0 characters");
  });

  it("keeps each account's drafts to itself", async () => {
    mockApi();
    const first = renderWithProviders(<DraftsPanel ghostText={false} owner="1" />);
    typeInEditor(screen.getByRole("textbox", { name: "Draft" }), "Private note of user 1");
    await waitFor(() =>
      expect(window.localStorage.getItem(draftsStorageKey("1"))).toContain("Private note"),
    );
    first.unmount();

    const second = renderWithProviders(<DraftsPanel ghostText={false} owner="2" />);
    expect(editorText(screen.getByRole("textbox", { name: "Draft" }))).toBe("");
    expect(screen.getByRole("button", { name: "Clear" })).toBeDisabled();
    second.unmount();

    renderWithProviders(<DraftsPanel ghostText={false} owner="1" />);
    expect(editorText(screen.getByRole("textbox", { name: "Draft" }))).toBe(
      "Private note of user 1",
    );
  });

  it("says so when the draft cannot be saved", async () => {
    mockApi();
    renderWithProviders(<DraftsPanel ghostText={false} owner="1" />);
    vi.spyOn(Storage.prototype, "setItem").mockImplementation(() => {
      throw new DOMException("Quota exceeded", "QuotaExceededError");
    });
    typeInEditor(screen.getByRole("textbox", { name: "Draft" }), "Too much");
    expect(await screen.findByText("Could not save in this browser.")).toBeInTheDocument();
    expect(editorText(screen.getByRole("textbox", { name: "Draft" }))).toBe("Too much");
  });

  it("counts words and characters", () => {
    expect(countWords("  Hello   brave\nnew world ")).toBe(4);
    expect(countWords("   ")).toBe(0);
    expect(countChars("héllo 👋")).toBe(7);
  });
});

import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { savedTemplate } from "@/features/templates/__tests__/fixtures";
import { typeInEditor } from "@/testing/editor";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { TemplateEditorForm } from "../template-editor-form";

async function bodyOf(spy: ReturnType<typeof mockFetch>, method: string) {
  const call = spy.mock.calls.map((c) => c[0] as Request).find((r) => r.method === method);
  if (!call) throw new Error(`No ${method} request`);
  return call.clone().json();
}

describe("TemplateEditorForm", () => {
  it("adds the placeholders it finds as variables and creates the template", async () => {
    const created = savedTemplate({ id: 9, version: 1 });
    const spy = mockFetch([
      { method: "POST", path: "/api/templates", handler: () => json(created, 201) },
    ]);
    const onCreated = vi.fn();
    renderWithProviders(<TemplateEditorForm ghostText={false} onCreated={onCreated} />);
    const user = userEvent.setup();

    await user.type(screen.getByLabelText("Title"), "Maze hints");
    await user.type(screen.getByLabelText("Tags"), "Hints, short");
    typeInEditor(
      screen.getByRole("textbox", { name: "Template content" }),
      "Guide {{player}} in {{ level }}.",
    );
    expect(screen.getByText(/no variable yet: \{\{player\}\}, \{\{level\}\}/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Add all" }));
    const level = screen.getByRole("group", { name: "Variable level" });
    await user.selectOptions(within(level).getByLabelText("Type"), "number");
    await user.type(within(level).getByLabelText("Default"), "2");
    await user.click(screen.getByRole("button", { name: "Save" }));

    await waitFor(() => expect(onCreated).toHaveBeenCalledWith(created));
    expect(await bodyOf(spy, "POST")).toMatchObject({
      title: "Maze hints",
      tags: ["hints", "short"],
      content: "Guide {{player}} in {{ level }}.",
      project: null,
      visibility: "private",
      variables: [
        { name: "player", type: "text", required: true, default: null },
        { name: "level", type: "number", required: true, default: 2 },
      ],
    });
  });

  it("checks the fields before sending anything", async () => {
    const spy = mockFetch([]);
    renderWithProviders(<TemplateEditorForm ghostText={false} />);
    await userEvent.setup().click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Enter a title.")).toBeInTheDocument();
    expect(screen.getByText("Write the prompt.")).toBeInTheDocument();
    expect(screen.getByLabelText("Title")).toHaveFocus();
    expect(spy).not.toHaveBeenCalled();
  });

  it("saves a new version with Ctrl-S and says which", async () => {
    const saved = savedTemplate();
    const spy = mockFetch([
      {
        method: "PATCH",
        path: "/api/templates/3",
        handler: () =>
          json(savedTemplate({ version: 3, content: "Help with {{topic}}, briefly." })),
      },
    ]);
    renderWithProviders(<TemplateEditorForm template={saved} ghostText={false} />);
    typeInEditor(screen.getByRole("textbox", { name: "Template content" }), " Briefly.");
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
    await userEvent.setup().type(screen.getByLabelText("Change note"), "shorter");

    fireEvent.keyDown(document, { key: "s", ctrlKey: true });

    expect(await screen.findByText("Saved version 3.")).toBeInTheDocument();
    expect(await bodyOf(spy, "PATCH")).toEqual({
      content: "Help with {{topic}}. Briefly.",
      variables: saved.variables,
      note: "shorter",
    });
    expect(screen.getByLabelText("Change note")).toHaveValue("");
  });

  it("shows the server's unknown and unused variables by name", async () => {
    mockFetch([
      {
        method: "PATCH",
        path: "/api/templates/3",
        handler: () =>
          json(
            {
              error: "The content and the variables do not match",
              timestamp: 1,
              code: "variables_mismatch",
              details: { unknown: ["mood"], unused: ["topic"] },
            },
            400,
          ),
      },
    ]);
    // The browser's own check agrees here; the server's answer is what marks the fields.
    renderWithProviders(<TemplateEditorForm template={savedTemplate()} ghostText={false} />);
    typeInEditor(screen.getByRole("textbox", { name: "Template content" }), " {{mood}}");
    await userEvent.setup().click(screen.getByRole("button", { name: "Save" }));

    const alert = await screen.findByText(/Not saved: the placeholders and the variables/);
    expect(alert).toHaveTextContent("No variable for {{mood}}.");
    expect(alert).toHaveTextContent("Not used in the content: topic.");
  });

  it("opens someone else's shared template read-only", () => {
    mockFetch([]);
    renderWithProviders(
      <TemplateEditorForm
        template={savedTemplate({ can_edit: false, visibility: "shared", owner_name: "Grace" })}
        ghostText
      />,
    );
    expect(
      screen.getByText(/Shared by Grace: you can read, render and use it/),
    ).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Save" })).not.toBeInTheDocument();
    expect(screen.getByLabelText("Title")).toHaveAttribute("readonly");
    expect(screen.getByRole("textbox", { name: "Template content" })).toHaveAttribute(
      "contenteditable",
      "false",
    );
    expect(screen.queryByRole("button", { name: /Remove variable/ })).not.toBeInTheDocument();
    // Rendering stays open to readers.
    expect(screen.getByRole("button", { name: "Render" })).toBeEnabled();
  });
});

import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { typeInEditor } from "@/testing/editor";
import { GhostTextEditor } from "../ghost-text-editor";
import { variableHighlight } from "../variable-highlight";

const marks = () =>
  Array.from(document.querySelectorAll(".cm-template-variable"), (mark) => [
    mark.textContent,
    mark.getAttribute("data-variable"),
  ]);

describe("variableHighlight", () => {
  it("marks each {{placeholder}}, and new ones as they are typed", () => {
    render(
      <GhostTextEditor
        ariaLabel="Template content"
        value="Hi {{name}}, {{ 1x }} and {{ game }}"
        onChange={() => {}}
        complete={vi.fn()}
        enabled={false}
        extensions={variableHighlight}
      />,
    );
    expect(marks()).toEqual([
      ["{{name}}", "name"],
      ["{{ game }}", "game"],
    ]);

    typeInEditor(screen.getByRole("textbox", { name: "Template content" }), " {{level}}");
    expect(marks()).toContainEqual(["{{level}}", "level"]);
  });

  it("is off unless given", () => {
    render(
      <GhostTextEditor
        ariaLabel="Message"
        value="Hi {{name}}"
        onChange={() => {}}
        complete={vi.fn()}
        enabled={false}
      />,
    );
    expect(marks()).toEqual([]);
  });
});

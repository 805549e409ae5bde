import { describe, expect, it } from "vitest";
import {
  createBody,
  formFromTemplate,
  formProblems,
  hasProblems,
  isDirty,
  tagList,
  updateBody,
} from "../template-form";
import { savedTemplate } from "./fixtures";

describe("the template form", () => {
  it("sends nothing when nothing changed", () => {
    const saved = savedTemplate();
    const values = formFromTemplate(saved);
    expect(updateBody(values, saved)).toEqual({});
    expect(isDirty(values, saved)).toBe(false);
  });

  it("sends metadata alone without content, so no version is made", () => {
    const saved = savedTemplate();
    const values = { ...formFromTemplate(saved), title: "Maze help", project: "" };
    expect(updateBody(values, saved)).toEqual({ title: "Maze help", project: null });
  });

  it("sends content and variables together, with the note", () => {
    const saved = savedTemplate();
    const form = formFromTemplate(saved);
    const values = { ...form, content: "Help with {{ topic }} now.", note: "now" };
    expect(updateBody(values, saved)).toEqual({
      content: "Help with {{ topic }} now.",
      variables: saved.variables,
      note: "now",
    });
  });

  it("keeps tags lower-case and once each", () => {
    expect(tagList(" Hints, short,,hints ")).toEqual(["hints", "short"]);
    expect(createBody({ ...formFromTemplate(savedTemplate()), tags: "A, b" }).tags).toEqual([
      "a",
      "b",
    ]);
  });

  it("checks the API's rules before sending", () => {
    const values = {
      ...formFromTemplate(savedTemplate()),
      title: " ",
      project: "no spaces",
      content: "",
    };
    const problems = formProblems(values);
    expect(problems.fields).toMatchObject({
      title: "Enter a title.",
      content: "Write the prompt.",
    });
    expect(problems.fields.project).toMatch(/letters, digits/);
    expect(hasProblems(formProblems(formFromTemplate(savedTemplate())))).toBe(false);
  });
});

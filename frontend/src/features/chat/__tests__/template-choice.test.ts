import { describe, expect, it } from "vitest";
import { answerStats, statsText } from "../chat-entries";
import { sessionTemplateName, templateStart } from "../template-choice";

const specs = [
  { name: "topic", type: "text" as const },
  { name: "short", type: "boolean" as const, required: false, default: true },
  { name: "count", type: "number" as const, required: false },
];

describe("templateStart", () => {
  it("sends the reference and the typed values, defaults for untouched checkboxes", () => {
    expect(
      templateStart(
        {
          templateId: 3,
          ref: { kind: "label", label: "production" },
          fields: { topic: "owls", count: "2" },
        },
        specs,
      ),
    ).toEqual({
      ok: true,
      template: { id: 3, label: "production" },
      variables: { topic: "owls", short: true, count: 2 },
    });
  });

  it("names the fields still to fill", () => {
    expect(templateStart({ templateId: 3, ref: { kind: "latest" }, fields: {} }, specs)).toEqual({
      ok: false,
      errors: { topic: "Required" },
    });
  });

  it("sends nothing while the variables are still loading", () => {
    expect(
      templateStart({ templateId: 3, ref: { kind: "version", version: 2 }, fields: {} }, undefined),
    ).toEqual({
      ok: false,
      errors: {},
    });
  });
});

describe("sessionTemplateName", () => {
  it("names the title, the label and the version the session runs", () => {
    expect(sessionTemplateName({ id: 3, version: 1, label: "production", title: "Story" })).toBe(
      "Story · production (v1)",
    );
    expect(sessionTemplateName({ id: 3, version: 2, label: null })).toBe("Template #3 · v2");
  });
});

describe("answer stats", () => {
  it("come from the done event and read as one line", () => {
    const stats = answerStats({
      usage: { completion_tokens: 1 },
      cache_n: 40,
    });
    expect(statsText(stats.stats)).toBe("1 token · 40 prompt tokens cached");
    expect(answerStats({ usage: null, cache_n: null })).toEqual({});
    expect(statsText(undefined)).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { parseRefValue, refValue, resolveVersion } from "@/lib/template-refs";
import type { VariableSpec } from "@/lib/template-variables";
import {
  buildRequest,
  cellRequest,
  DEFAULT_SAMPLING,
  formFromRequest,
  MAX_CELLS,
  newInputRow,
  newVersionChoice,
  parseStoredRequest,
  type VersionChoice,
} from "../playground-form";

const specs: VariableSpec[] = [
  { name: "topic", type: "text" },
  { name: "count", type: "number", required: false },
];

const version = (templateId: number, ref: VersionChoice["ref"] = { kind: "latest" }) => ({
  ...newVersionChoice(templateId),
  ref,
});

describe("version references", () => {
  it("round-trip through the select value", () => {
    for (const ref of [
      { kind: "latest" },
      { kind: "version", version: 3 },
      { kind: "label", label: "production" },
    ] as const) {
      expect(parseRefValue(refValue(ref))).toEqual(ref);
    }
    expect(parseRefValue("v:zero")).toEqual({ kind: "latest" });
  });

  it("resolve to a version number with the template's labels", () => {
    const template = { version: 4, labels: { production: 2 } };
    expect(resolveVersion({ kind: "latest" }, template)).toBe(4);
    expect(resolveVersion({ kind: "label", label: "production" }, template)).toBe(2);
    expect(resolveVersion({ kind: "label", label: "gone" }, template)).toBeUndefined();
    expect(resolveVersion({ kind: "version", version: 1 }, undefined)).toBe(1);
  });
});

describe("buildRequest", () => {
  it("builds the run request from the form", () => {
    const { request, problems } = buildRequest(
      [
        version(3, { kind: "version", version: 1 }),
        version(3, { kind: "label", label: "staging" }),
      ],
      [newInputRow({ topic: "cats", count: "2" }, "Tell me more"), newInputRow({ topic: "dogs" })],
      specs,
      { temperature: "0.2", maxTokens: "64" },
    );
    expect(problems.form).toBeUndefined();
    expect(request).toEqual({
      versions: [
        { template_id: 3, version: 1 },
        { template_id: 3, label: "staging" },
      ],
      inputs: [
        { variables: { topic: "cats", count: 2 }, message: "Tell me more" },
        { variables: { topic: "dogs" } },
      ],
      temperature: 0.2,
      max_tokens: 64,
    });
  });

  it("names the missing fields per input row and sends nothing", () => {
    const { request, problems } = buildRequest(
      [version(3)],
      [newInputRow({ topic: "ok" }), newInputRow({ topic: "" })],
      specs,
      DEFAULT_SAMPLING,
    );
    expect(request).toBeUndefined();
    expect(problems.inputs).toEqual({ 1: { topic: "Required" } });
  });

  it("needs a template for every version", () => {
    const { problems } = buildRequest([newVersionChoice()], [newInputRow()], [], DEFAULT_SAMPLING);
    expect(problems.form).toBe("Choose a template for every version.");
  });

  it("keeps within the server's cell limit", () => {
    const versions = Array.from({ length: 3 }, () => version(1));
    const inputs = Array.from({ length: 9 }, () => newInputRow());
    expect(buildRequest(versions, inputs, [], DEFAULT_SAMPLING).problems.form).toBe(
      `At most ${MAX_CELLS} cells per run (versions × inputs).`,
    );
  });

  it("checks the sampling fields", () => {
    const { problems } = buildRequest([version(1)], [newInputRow()], [], {
      temperature: "3",
      maxTokens: "1.5",
    });
    expect(problems.temperature).toBe("Between 0 and 2");
    expect(problems.maxTokens).toBe("A whole number from 1 to 8192");
  });
});

describe("stored requests", () => {
  const stored = {
    versions: [
      { template_id: 3, version: 1 },
      { template_id: 3, label: "production" },
      { template_id: 5 },
    ],
    inputs: [{ variables: { topic: "cats", short: true }, message: "Hi" }, { variables: {} }],
    temperature: 0,
  };

  it("parse back into a request", () => {
    expect(parseStoredRequest(stored)).toEqual(stored);
    expect(parseStoredRequest(null)).toEqual({ versions: [], inputs: [] });
  });

  it("refill the form", () => {
    const form = formFromRequest(parseStoredRequest(stored), specs);
    expect(form.versions.map((choice) => [choice.templateId, choice.ref])).toEqual([
      [3, { kind: "version", version: 1 }],
      [3, { kind: "label", label: "production" }],
      [5, { kind: "latest" }],
    ]);
    expect(form.inputs[0]).toMatchObject({
      fields: { topic: "cats", count: "", short: true },
      message: "Hi",
    });
    expect(form.sampling).toEqual({ temperature: "0", maxTokens: "" });
  });

  it("give one cell's own request for Run again", () => {
    const request = parseStoredRequest(stored);
    expect(cellRequest(request, 1, 0)).toEqual({
      versions: [{ template_id: 3, label: "production" }],
      inputs: [{ variables: { topic: "cats", short: true }, message: "Hi" }],
      temperature: 0,
    });
    expect(() => cellRequest(request, 4, 0)).toThrow(RangeError);
  });
});

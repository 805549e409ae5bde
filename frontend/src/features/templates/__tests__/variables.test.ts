import { describe, expect, it } from "vitest";
import { ApiError } from "@/api/http";
import {
  newRow,
  placeholders,
  renderErrorsFrom,
  renderValues,
  rowErrors,
  rowFromVariable,
  schemaProblems,
  schemaProblemsFrom,
  variableFromRow,
} from "../variables";

describe("placeholders", () => {
  it("finds each name once, in order, with spaces inside the braces allowed", () => {
    expect(placeholders("Hi {{name}}, {{ game }} and {{name}} again {{  _x1 }}")).toEqual([
      "name",
      "game",
      "_x1",
    ]);
  });

  it("leaves what the backend does not treat as a placeholder", () => {
    const long = `a${"b".repeat(64)}`;
    expect(placeholders(`{{1st}} {{a-b}} {{ }} {name} {{${long}}} {{ok}}`)).toEqual(["ok"]);
  });

  it("is the same on every call (no regex state carried over)", () => {
    expect(placeholders("{{a}}")).toEqual(["a"]);
    expect(placeholders("{{a}}")).toEqual(["a"]);
  });
});

describe("schemaProblems", () => {
  it("names unknown placeholders and unused variables", () => {
    expect(schemaProblems("{{a}} {{b}}", ["b", "c"])).toEqual({ unknown: ["a"], unused: ["c"] });
    expect(schemaProblems("{{a}}", ["a"])).toEqual({ unknown: [], unused: [] });
  });

  it("reads the API's refusal details", () => {
    const refused = new ApiError(
      400,
      {
        error: "x",
        timestamp: 1,
        code: "schema_mismatch",
        details: { unknown: ["a"], unused: [] },
      },
      "",
    );
    expect(schemaProblemsFrom(refused)).toEqual({ unknown: ["a"], unused: [] });
    const other = new ApiError(400, { error: "x", timestamp: 1, details: [] }, "");
    expect(schemaProblemsFrom(other)).toBeNull();
    expect(schemaProblemsFrom(new Error("x"))).toBeNull();
  });
});

describe("variable rows", () => {
  it("round-trip a variable of each type", () => {
    const variables = [
      {
        name: "topic",
        type: "text" as const,
        required: true,
        default: null,
        choices: null,
        description: "What",
      },
      {
        name: "count",
        type: "number" as const,
        required: false,
        default: 3,
        choices: null,
        description: "",
      },
      {
        name: "tone",
        type: "choice" as const,
        required: true,
        default: "calm",
        choices: ["calm", "wild"],
        description: "",
      },
      {
        name: "short",
        type: "boolean" as const,
        required: false,
        default: false,
        choices: null,
        description: "",
      },
    ];
    expect(variables.map((v) => variableFromRow(rowFromVariable(v)))).toEqual(variables);
  });

  it("names each problem on its row", () => {
    const good = { ...newRow("ok") };
    const duplicate = { ...newRow("ok") };
    const badName = { ...newRow("1x") };
    const noChoices = { ...newRow("pick"), type: "choice" as const };
    const badNumber = { ...newRow("n"), type: "number" as const, defaultValue: "three" };
    const wrongDefault = {
      ...newRow("c"),
      type: "choice" as const,
      choices: "a\nb",
      defaultValue: "z",
    };
    const errors = rowErrors([good, duplicate, badName, noChoices, badNumber, wrongDefault]);
    expect(errors[good.key]?.name).toMatch(/Another variable/);
    expect(errors[duplicate.key]?.name).toMatch(/Another variable/);
    expect(errors[badName.key]?.name).toMatch(/not starting with a digit/);
    expect(errors[noChoices.key]?.choices).toMatch(/at least one/);
    expect(errors[badNumber.key]?.defaultValue).toMatch(/number/);
    expect(errors[wrongDefault.key]?.defaultValue).toMatch(/one of the choices/);
    expect(rowErrors([newRow("fine")])).toEqual({});
  });

  it("keeps choices one per line, trimmed and distinct", () => {
    const row = { ...newRow("c"), type: "choice" as const, choices: " a \n\nb\na\n" };
    expect(variableFromRow(row).choices).toEqual(["a", "b"]);
  });
});

describe("render values", () => {
  const variables = [
    { name: "topic", type: "text" as const },
    { name: "count", type: "number" as const },
    { name: "short", type: "boolean" as const },
    { name: "tone", type: "choice" as const, choices: ["calm"] },
  ];

  it("types what was typed and leaves blank fields to the server", () => {
    expect(
      renderValues(variables, { topic: "maze", count: " 2.5 ", short: "false", tone: "" }),
    ).toEqual({ topic: "maze", count: 2.5, short: false });
  });

  it("sends a number that does not parse as typed, for the server to name", () => {
    expect(renderValues(variables, { count: "two" })).toEqual({ count: "two" });
  });

  it("maps missing and invalid values to their fields", () => {
    const error = new ApiError(
      400,
      {
        error: "Invalid variables",
        timestamp: 1,
        code: "invalid_variables",
        details: { missing: ["topic"], invalid: [{ name: "count", reason: "must be a number" }] },
      },
      "",
    );
    expect(renderErrorsFrom(error)).toEqual({
      topic: "Give a value: it is required.",
      count: "It must be a number.",
    });
    expect(renderErrorsFrom(new ApiError(404, undefined, "gone"))).toBeNull();
  });
});

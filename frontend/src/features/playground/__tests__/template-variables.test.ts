import { describe, expect, it } from "vitest";
import {
  collectValues,
  fieldValues,
  initialValues,
  needsValue,
  parseValue,
  unionVariables,
  type VariableSpec,
  variableHint,
} from "@/lib/template-variables";

const topic: VariableSpec = { name: "topic", type: "text" };
const count: VariableSpec = { name: "count", type: "number", required: false, default: 3 };
const tone: VariableSpec = { name: "tone", type: "choice", choices: ["calm", "cheerful"] };
const short: VariableSpec = { name: "short", type: "boolean", default: true };

describe("needsValue", () => {
  it("is true for a required variable without a default only", () => {
    expect(needsValue(topic)).toBe(true);
    expect(needsValue({ ...topic, default: "x" })).toBe(false);
    expect(needsValue({ ...topic, required: false })).toBe(false);
  });
});

describe("unionVariables", () => {
  it("lists each name once, first seen first, with its first definition", () => {
    const union = unionVariables([
      [topic, count],
      [count, tone, { ...topic, type: "number" }],
    ]);
    expect(union.map((spec) => spec.name)).toEqual(["topic", "count", "tone"]);
    expect(union[0]?.type).toBe("text");
  });

  it("must be filled when any version needs it", () => {
    const union = unionVariables([[count], [{ name: "count", type: "number" }]]);
    expect(needsValue(union[0] as VariableSpec)).toBe(true);
  });
});

describe("parseValue", () => {
  it("sends text as typed and asks for a required one", () => {
    expect(parseValue(topic, "dragons")).toEqual({ value: "dragons" });
    expect(parseValue(topic, "  ")).toEqual({ error: "Required" });
  });

  it("leaves an empty optional field out so the server uses its default", () => {
    expect(parseValue(count, "")).toEqual({});
  });

  it("turns numbers into numbers and refuses anything else", () => {
    expect(parseValue(count, " 4.5 ")).toEqual({ value: 4.5 });
    expect(parseValue(count, "four")).toEqual({ error: "Enter a number" });
    expect(parseValue(count, "Infinity")).toEqual({ error: "Enter a number" });
  });

  it("accepts only a listed choice", () => {
    expect(parseValue(tone, "calm")).toEqual({ value: "calm" });
    expect(parseValue(tone, "angry")).toEqual({ error: "Pick one of the choices" });
  });

  it("sends booleans as booleans", () => {
    expect(parseValue(short, true)).toEqual({ value: true });
    expect(parseValue(short, false)).toEqual({ value: false });
  });
});

describe("collectValues", () => {
  it("gives the values to send and the errors by name", () => {
    const specs = [topic, count, tone, short];
    const fields = { ...initialValues(specs), topic: "cats", count: "x" };
    expect(collectValues(specs, fields)).toEqual({
      values: { topic: "cats", short: true },
      errors: { count: "Enter a number", tone: "Required" },
    });
  });
});

describe("fieldValues", () => {
  it("turns stored values back into field contents", () => {
    expect(fieldValues([topic, short], { topic: "cats", count: 3, short: false })).toEqual({
      topic: "cats",
      count: "3",
      short: false,
    });
  });
});

describe("variableHint", () => {
  it("names the description and the default", () => {
    expect(variableHint({ ...count, description: "How many" })).toBe("How many · Default: 3");
    expect(variableHint({ name: "x", type: "text", required: false })).toBe("Optional");
    expect(variableHint(topic)).toBeUndefined();
  });
});

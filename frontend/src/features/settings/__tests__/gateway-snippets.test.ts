import { describe, expect, it } from "vitest";
import { firstModelId } from "../api";
import {
  curlSnippet,
  gatewayBaseUrl,
  KEY_PLACEHOLDER,
  MODEL_PLACEHOLDER,
  pythonSnippet,
} from "../gateway-snippets";

const BASE = "https://portal.example/v1";

describe("gatewayBaseUrl", () => {
  it("is the page's origin plus /v1 when the API shares it", () => {
    expect(gatewayBaseUrl("", "https://portal.example")).toBe(BASE);
  });

  it("is the API's own origin when the app is built against another one", () => {
    expect(gatewayBaseUrl("https://api.example/", "https://app.example")).toBe(
      "https://api.example/v1",
    );
  });
});

describe("pythonSnippet", () => {
  it("fills in the base URL, the new key and the model", () => {
    const code = pythonSnippet({ baseUrl: BASE, apiKey: "pp_abc_secret", model: "qwen3-8b" });
    expect(code).toContain("from openai import OpenAI");
    expect(code).toContain('base_url="https://portal.example/v1",');
    expect(code).toContain('api_key="pp_abc_secret",');
    expect(code).toContain('model="qwen3-8b",');
    expect(code).toContain("client.chat.completions.create(");
    expect(code).toMatch(/^ {4}# extra_body=\{"session_id": "SESSION_ID"\},$/m);
    expect(code).not.toContain(KEY_PLACEHOLDER);
  });

  it("shows placeholders for a key and a model it does not know", () => {
    const code = pythonSnippet({ baseUrl: BASE, apiKey: null, model: null });
    expect(code).toContain(`api_key="${KEY_PLACEHOLDER}",`);
    expect(code).toContain(`model="${MODEL_PLACEHOLDER}",`);
  });

  it("keeps quotes in a model name inside the string", () => {
    expect(pythonSnippet({ baseUrl: BASE, model: 'a"b' })).toContain('model="a\\"b",');
  });
});

describe("curlSnippet", () => {
  it("fills in the endpoint, the new key and the model", () => {
    const code = curlSnippet({ baseUrl: BASE, apiKey: "pp_abc_secret", model: "qwen3-8b" });
    expect(code).toContain("curl 'https://portal.example/v1/chat/completions' \\");
    expect(code).toContain("-H 'Authorization: Bearer pp_abc_secret' \\");
    expect(code).toContain("-H 'Content-Type: application/json' \\");
    const body = /-d '(.*)'$/m.exec(code)?.[1] ?? "";
    expect(JSON.parse(body)).toEqual({
      model: "qwen3-8b",
      messages: [{ role: "user", content: "Say hello in one sentence." }],
    });
  });

  it("shows placeholders without a key or a model", () => {
    const code = curlSnippet({ baseUrl: BASE });
    expect(code).toContain(`Bearer ${KEY_PLACEHOLDER}'`);
    expect(code).toContain(`"model":"${MODEL_PLACEHOLDER}"`);
  });

  it("quotes a single quote for the shell", () => {
    expect(curlSnippet({ baseUrl: BASE, model: "it's" })).toContain(`"model":"it'\\''s"`);
  });
});

describe("firstModelId", () => {
  it("reads the first id of an OpenAI model list", () => {
    expect(firstModelId({ object: "list", data: [{ id: "m1" }, { id: "m2" }] })).toBe("m1");
  });

  it("is null for anything else", () => {
    expect(firstModelId({ data: [] })).toBeNull();
    expect(firstModelId({ data: [{ id: 3 }] })).toBeNull();
    expect(firstModelId({ error: { message: "Not Found" } })).toBeNull();
    expect(firstModelId(null)).toBeNull();
  });
});

import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { GatewayPanel } from "../gateway-panel";

// Vitest builds the app against http://portal.test (vite.config.ts), so that is the API origin.
const BASE = "http://portal.test/v1";

const HEALTH = {
  status: "ok",
  server_url: "http://llm:8080",
  model: "health-model",
  latency_ms: 3,
  slot_context: 4096,
  gate: {},
};

function snippetText(): string {
  return document.querySelector(".snippet pre")?.textContent ?? "";
}

describe("GatewayPanel", () => {
  it("shows the base URL and a Python call with the new key and the listed model", async () => {
    const spy = mockFetch([
      {
        method: "GET",
        path: "/v1/models",
        handler: () => json({ object: "list", data: [{ id: "qwen3-8b", object: "model" }] }),
      },
    ]);
    renderWithProviders(<GatewayPanel apiKey="pp_abc_secret" />);

    expect(screen.getByRole("textbox", { name: "Base URL" })).toHaveValue(BASE);
    expect(await screen.findByText("qwen3-8b")).toBeVisible();
    expect(screen.getByRole("radio", { name: "Python" })).toBeChecked();
    expect(snippetText()).toContain(`base_url="${BASE}"`);
    expect(snippetText()).toContain('api_key="pp_abc_secret"');
    expect(snippetText()).toContain('model="qwen3-8b"');
    expect(snippetText()).toContain('# extra_body={"session_id": "SESSION_ID"}');
    const sent = spy.mock.calls[0]?.[0] as Request;
    expect(new URL(sent.url).pathname).toBe("/v1/models");
  });

  it("falls back to the health check's model where /v1/models is not served", async () => {
    mockFetch([
      { method: "GET", path: "/v1/models", handler: () => json({ detail: "Not Found" }, 404) },
      { method: "GET", path: "/api/llm/health", handler: () => json(HEALTH) },
    ]);
    renderWithProviders(<GatewayPanel apiKey={null} />);

    expect(await screen.findByText("health-model")).toBeVisible();
    expect(snippetText()).toContain('model="health-model"');
    expect(snippetText()).toContain('api_key="YOUR_API_KEY"');
    expect(screen.getByText(/Replace/)).toHaveTextContent("Replace YOUR_API_KEY with one");
  });

  it("falls back too where the page shell answers /v1/models", async () => {
    mockFetch([
      {
        method: "GET",
        path: "/v1/models",
        handler: () =>
          new Response("<!doctype html>", { headers: { "Content-Type": "text/html" } }),
      },
      { method: "GET", path: "/api/llm/health", handler: () => json(HEALTH) },
    ]);
    renderWithProviders(<GatewayPanel apiKey={null} />);

    expect(await screen.findByText("health-model")).toBeVisible();
  });

  it("says how to find the model when no one names it", async () => {
    mockFetch([
      { method: "GET", path: "/v1/models", handler: () => json({ data: [] }) },
      { method: "GET", path: "/api/llm/health", handler: () => json({ ...HEALTH, model: null }) },
    ]);
    renderWithProviders(<GatewayPanel apiKey={null} />);

    expect(await screen.findByText(/could not be read/)).toBeVisible();
    expect(snippetText()).toContain('model="MODEL_ID"');
  });

  it("switches to curl and copies what is shown, announcing it", async () => {
    mockFetch([
      {
        method: "GET",
        path: "/v1/models",
        handler: () => json({ data: [{ id: "qwen3-8b" }] }),
      },
    ]);
    renderWithProviders(<GatewayPanel apiKey="pp_abc_secret" />);
    const user = userEvent.setup();
    await screen.findByText("qwen3-8b");

    await user.click(screen.getByRole("radio", { name: "curl" }));
    expect(snippetText()).toContain(`curl '${BASE}/chat/completions'`);
    expect(snippetText()).toContain("-H 'Authorization: Bearer pp_abc_secret'");

    await user.click(screen.getByRole("button", { name: "Copy curl example" }));
    expect(await navigator.clipboard.readText()).toBe(snippetText());
    const copyButton = screen.getByRole("button", { name: "Copy curl example" });
    expect(copyButton).toHaveTextContent("Copied");
    const block = copyButton.closest(".snippet") as HTMLElement;
    expect(within(block).getByText("Copied curl example")).toHaveAttribute("aria-live", "polite");

    await user.click(screen.getByRole("button", { name: "Copy base URL" }));
    expect(await navigator.clipboard.readText()).toBe(BASE);
  });
});

import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ApiKeyRead } from "@/api/client";
import { json, mockFetch, type RouteMock } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { ApiKeysPanel } from "../api-keys-panel";

function key(id: number, name: string, mqtt: boolean): ApiKeyRead {
  return {
    id,
    name,
    prefix: `pp_${id}abc`,
    created_at: "2025-01-01T00:00:00Z",
    expires_at: null,
    last_used_at: null,
    mqtt,
  };
}

/** The examples ask which model is served. */
const MODELS: RouteMock = {
  method: "GET",
  path: "/v1/models",
  handler: () => json({ object: "list", data: [{ id: "qwen3-8b" }] }),
};

describe("ApiKeysPanel", () => {
  it("says which keys game clients can log in with", async () => {
    mockFetch([
      {
        method: "GET",
        path: "/api/keys",
        handler: () => json([key(1, "old script", false), key(2, "maze", true)]),
      },
      MODELS,
    ]);
    renderWithProviders(<ApiKeysPanel />);

    const oldRow = (await screen.findByRole("rowheader", { name: "old script" })).closest("tr");
    const newRow = screen.getByRole("rowheader", { name: "maze" }).closest("tr");
    expect(
      within(oldRow as HTMLElement).getByText("Re-issue to use with game clients"),
    ).toBeVisible();
    expect(within(newRow as HTMLElement).getByText("Works for game clients (MQTT)")).toBeVisible();
  });

  it("explains how a game client logs in with a key", () => {
    mockFetch([{ method: "GET", path: "/api/keys", handler: () => json([]) }, MODELS]);
    renderWithProviders(<ApiKeysPanel />);
    expect(screen.getByText(/key id as username/)).toBeVisible();
  });

  it("fills a new key into the examples until its notice is dismissed", async () => {
    const created = {
      id: 3,
      name: "script",
      prefix: "pp_3abc",
      key: "pp_3abc_secret",
      created_at: "2025-01-01T00:00:00Z",
      expires_at: null,
      last_used_at: null,
      mqtt: true,
    };
    mockFetch([
      { method: "GET", path: "/api/keys", handler: () => json([]) },
      { method: "POST", path: "/api/keys", handler: () => json(created, 201) },
      MODELS,
    ]);
    renderWithProviders(<ApiKeysPanel />);
    const user = userEvent.setup();
    const gateway = screen.getByRole("region", { name: "OpenAI-compatible API" });
    const snippet = () => gateway.querySelector(".snippet pre")?.textContent ?? "";
    expect(snippet()).toContain('api_key="YOUR_API_KEY"');

    await user.type(screen.getByLabelText("Key name"), "script");
    await user.click(screen.getByRole("button", { name: "Create key" }));
    await screen.findByLabelText("New API key");
    expect(snippet()).toContain('api_key="pp_3abc_secret"');
    expect(snippet()).not.toContain("YOUR_API_KEY");

    await user.click(screen.getByRole("button", { name: "Done" }));
    expect(snippet()).toContain('api_key="YOUR_API_KEY"');
  });
});

import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { ApiKeyRead } from "@/api/client";
import { json, mockFetch } from "@/testing/fetch-mock";
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

describe("ApiKeysPanel", () => {
  it("says which keys game clients can log in with", async () => {
    mockFetch([
      {
        method: "GET",
        path: "/api/keys",
        handler: () => json([key(1, "old script", false), key(2, "maze", true)]),
      },
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
    mockFetch([{ method: "GET", path: "/api/keys", handler: () => json([]) }]);
    renderWithProviders(<ApiKeysPanel />);
    expect(screen.getByText(/key id as username/)).toBeVisible();
  });
});

import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { LlmHealthBadge } from "../llm-health-badge";
import { healthBody } from "./chat-fixtures";

describe("LlmHealthBadge", () => {
  it("says ok when the model answers and nobody waits", async () => {
    mockFetch([{ method: "GET", path: "/api/llm/health", handler: () => json(healthBody()) }]);
    renderWithProviders(<LlmHealthBadge />);
    expect(await screen.findByRole("status", { name: "LLM status: ok" })).toHaveTextContent(
      "LLM: ok",
    );
  });

  it("says how busy the model is when turns wait", async () => {
    mockFetch([
      {
        method: "GET",
        path: "/api/llm/health",
        handler: () => json(healthBody("ok", { in_use: 2, waiting: 3 })),
      },
    ]);
    renderWithProviders(<LlmHealthBadge />);
    const badge = await screen.findByRole("status", { name: /^LLM status: busy/ });
    expect(badge).toHaveTextContent("LLM: busy · 3 waiting");
    expect(badge).toHaveAccessibleName("LLM status: busy — 2 of 4 in use, 3 waiting");
  });

  it("says offline when the portal cannot reach the model, or cannot be reached", async () => {
    mockFetch([
      { method: "GET", path: "/api/llm/health", handler: () => json(healthBody("unavailable")) },
    ]);
    renderWithProviders(<LlmHealthBadge />);
    expect(await screen.findByRole("status", { name: "LLM status: offline" })).toBeVisible();
  });
});

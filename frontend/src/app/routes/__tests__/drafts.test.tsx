import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { draftsStorageKey } from "@/features/drafts/hooks/use-drafts";
import { GHOST_TEXT_STORAGE_KEY } from "@/features/settings/hooks/use-ghost-text-enabled";
import { typeInEditor } from "@/testing/editor";
import { json, mockFetch } from "@/testing/fetch-mock";
import { renderWithProviders } from "@/testing/render";
import { DraftsPage } from "../drafts";

describe("DraftsPage", () => {
  it("keeps the drafts under the signed-in user's id", async () => {
    mockFetch([
      {
        method: "GET",
        path: "/api/auth/me",
        handler: () =>
          json({
            id: 7,
            email: "ada@example.com",
            display_name: "Ada",
            role: "user",
            is_active: true,
            created_at: "2025-01-01T00:00:00Z",
          }),
      },
      { method: "GET", path: "/api/completion/types", handler: () => json([]) },
    ]);
    window.localStorage.setItem(GHOST_TEXT_STORAGE_KEY, "false");
    renderWithProviders(<DraftsPage />);

    typeInEditor(await screen.findByRole("textbox", { name: "Draft" }), "Ada's note");
    await waitFor(() =>
      expect(JSON.parse(window.localStorage.getItem(draftsStorageKey("7")) ?? "{}")).toMatchObject({
        drafts: { general: { text: "Ada's note" } },
      }),
    );
  });
});

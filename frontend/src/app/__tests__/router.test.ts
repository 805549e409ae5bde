import { describe, expect, it, vi } from "vitest";
import { TOKEN_STORAGE_KEY, tokenStorage } from "@/lib/token-storage";
import { createTestQueryClient } from "@/testing/render";
import { createAppRouter, safeRedirect } from "../router";

describe("safeRedirect", () => {
  it("follows same-site paths only", () => {
    expect(safeRedirect("/chat?x=1")).toBe("/chat?x=1");
    expect(safeRedirect("//evil.com")).toBeUndefined();
    expect(safeRedirect("/\\evil.com")).toBeUndefined();
    expect(safeRedirect("/a\\b")).toBeUndefined();
    expect(safeRedirect("https://evil.com")).toBeUndefined();
    expect(safeRedirect(42)).toBeUndefined();
  });
});

describe("createAppRouter", () => {
  it("goes to /login when the token is removed in another tab", async () => {
    tokenStorage.set("jwt");
    const queryClient = createTestQueryClient();
    queryClient.setQueryData(["auth", "me"], { id: 1 });
    const router = createAppRouter(queryClient);
    await router.navigate({ to: "/settings" });
    expect(router.state.location.pathname).toBe("/settings");

    // Another tab logged out: localStorage changes there, this tab only hears the event.
    window.localStorage.removeItem(TOKEN_STORAGE_KEY);
    window.dispatchEvent(
      new StorageEvent("storage", { key: TOKEN_STORAGE_KEY, oldValue: "jwt", newValue: null }),
    );

    await vi.waitFor(() => expect(router.state.location.pathname).toBe("/login"));
    expect(router.state.location.search).toMatchObject({ redirect: "/settings", expired: true });
    expect(queryClient.getQueryData(["auth", "me"])).toBeUndefined();
  });

  it("stays put when another tab logs in", async () => {
    tokenStorage.set("jwt");
    const queryClient = createTestQueryClient();
    queryClient.setQueryData(["auth", "me"], { id: 1 });
    const router = createAppRouter(queryClient);
    await router.navigate({ to: "/settings" });

    window.localStorage.setItem(TOKEN_STORAGE_KEY, "other");
    window.dispatchEvent(
      new StorageEvent("storage", { key: TOKEN_STORAGE_KEY, oldValue: "jwt", newValue: "other" }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(router.state.location.pathname).toBe("/settings");
  });
});

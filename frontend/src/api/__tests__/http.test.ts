import { afterEach, describe, expect, it, vi } from "vitest";
import { AuthService } from "@/api/client";
import { tokenStorage } from "@/lib/token-storage";
import { json, mockFetch } from "@/testing/fetch-mock";
import { ApiError, setUnauthorizedHandler, unwrap } from "../http";

describe("http", () => {
  afterEach(() => setUnauthorizedHandler(() => undefined));

  it("sends the stored token as a bearer token", async () => {
    tokenStorage.set("jwt-abc");
    const spy = mockFetch([
      {
        method: "GET",
        path: "/api/auth/me",
        handler: () =>
          json({
            id: 1,
            email: "a@b.c",
            display_name: null,
            role: "user",
            is_active: true,
            created_at: "2025-01-01T00:00:00Z",
          }),
      },
    ]);
    const me = await unwrap(AuthService.readMe());
    expect(me.email).toBe("a@b.c");
    const request = spy.mock.calls[0]?.[0] as Request;
    expect(request.headers.get("Authorization")).toBe("Bearer jwt-abc");
  });

  it("on a 401 forgets the token and hands over to the unauthorized handler", async () => {
    tokenStorage.set("expired");
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    mockFetch([
      {
        method: "GET",
        path: "/api/auth/me",
        handler: () => json({ error: "Token expired", timestamp: 1, code: "unauthorized" }, 401),
      },
    ]);
    const failure = unwrap(AuthService.readMe());
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ status: 401, message: "Token expired" });
    expect(tokenStorage.get()).toBeNull();
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it("turns a network failure into a readable ApiError", async () => {
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("fetch failed")));
    await expect(unwrap(AuthService.readMe())).rejects.toMatchObject({
      status: 0,
      message: expect.stringContaining("Cannot reach the server"),
    });
  });
});

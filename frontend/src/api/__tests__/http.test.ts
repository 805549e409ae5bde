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

  it("on a 401 without a token still hands over to the unauthorized handler", async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    mockFetch([
      {
        method: "GET",
        path: "/api/auth/me",
        handler: () => json({ error: "Not authenticated", timestamp: 1 }, 401),
      },
    ]);
    await expect(unwrap(AuthService.readMe())).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it("a 401 from login or registration means wrong credentials, not a lost session", async () => {
    tokenStorage.set("still-valid");
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    mockFetch([
      {
        method: "POST",
        path: "/api/auth/login",
        handler: () => json({ error: "Invalid email or password", timestamp: 1 }, 401),
      },
    ]);
    await expect(
      unwrap(AuthService.loginUser({ body: { email: "a@b.c", password: "nope-nope-1" } })),
    ).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).not.toHaveBeenCalled();
    expect(tokenStorage.get()).toBe("still-valid");
  });

  it("a late 401 for an old token leaves a fresh login alone", async () => {
    tokenStorage.set("old");
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    let answer: (response: Response) => void = () => undefined;
    const spy = mockFetch([
      {
        method: "GET",
        path: "/api/auth/me",
        handler: () => new Promise<Response>((resolve) => (answer = resolve)),
      },
    ]);
    const failure = unwrap(AuthService.readMe());
    await vi.waitFor(() => expect(spy).toHaveBeenCalledOnce());
    tokenStorage.set("fresh");
    answer(json({ error: "Token expired", timestamp: 1 }, 401));
    await expect(failure).rejects.toMatchObject({ status: 401 });
    expect(tokenStorage.get()).toBe("fresh");
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it("keeps an aborted request an abort, not a network failure", async () => {
    mockFetch([
      {
        method: "GET",
        path: "/api/auth/me",
        handler: (request) =>
          new Promise<Response>((_resolve, reject) => {
            const fail = () => reject(new DOMException("The operation was aborted.", "AbortError"));
            if (request.signal.aborted) fail();
            request.signal.addEventListener("abort", fail);
          }),
      },
    ]);
    const controller = new AbortController();
    const pending = unwrap(AuthService.readMe({ signal: controller.signal }));
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledOnce());
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await expect(pending).rejects.not.toBeInstanceOf(ApiError);
  });

  it("turns a network failure into a readable ApiError", async () => {
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("fetch failed")));
    await expect(unwrap(AuthService.readMe())).rejects.toMatchObject({
      status: 0,
      message: expect.stringContaining("Cannot reach the server"),
    });
  });
});

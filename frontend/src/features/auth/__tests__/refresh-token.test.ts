import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tokenStorage } from "@/lib/token-storage";
import { json, mockFetch } from "@/testing/fetch-mock";
import { refreshToken } from "../api";

/** The refresh endpoint, answering `delayMs` after it was asked. */
function slowRefresh(delayMs: number, accessToken = "renewed") {
  return mockFetch([
    {
      method: "POST",
      path: "/api/auth/refresh",
      handler: () =>
        new Promise<Response>((resolve) =>
          setTimeout(
            () => resolve(json({ access_token: accessToken, token_type: "bearer" })),
            delayMs,
          ),
        ),
    },
  ]);
}

describe("refreshToken", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("stores the renewed token when the sign-in is unchanged", async () => {
    tokenStorage.set("old");
    const spy = slowRefresh(1000);
    const done = refreshToken();
    await vi.advanceTimersByTimeAsync(1000);
    await done;
    expect(tokenStorage.get()).toBe("renewed");
    const request = spy.mock.calls[0]?.[0] as Request;
    expect(request.headers.get("Authorization")).toBe("Bearer old");
  });

  it("an answer landing after logout does not sign the person in again", async () => {
    tokenStorage.set("old");
    slowRefresh(1000);
    const done = refreshToken();
    await vi.advanceTimersByTimeAsync(10);
    tokenStorage.clear("logout");
    await vi.advanceTimersByTimeAsync(1000);
    await done;
    expect(tokenStorage.get()).toBeNull();
  });

  it("an answer landing after a new sign-in keeps the newer token", async () => {
    tokenStorage.set("old");
    slowRefresh(1000);
    const done = refreshToken();
    await vi.advanceTimersByTimeAsync(10);
    tokenStorage.set("after-password-change");
    await vi.advanceTimersByTimeAsync(1000);
    await done;
    expect(tokenStorage.get()).toBe("after-password-change");
  });
});

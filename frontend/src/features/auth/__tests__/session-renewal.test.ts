import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { testJwt } from "@/testing/users";
import { SessionRenewal } from "../session-renewal";

const MINUTE = 60_000;
const START = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A token store like localStorage's, with a change listener. */
function store(initial: string | null) {
  let token = initial;
  const listeners = new Set<() => void>();
  return {
    read: () => token,
    write(next: string | null) {
      token = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** A token issued now that lasts an hour, like the API's. */
function hourToken(from = Date.now()) {
  return testJwt({ issuedAt: from, expiresAt: from + 60 * MINUTE });
}

function setup(initial = hourToken()) {
  const tokens = store(initial);
  const renew = vi.fn(async () => tokens.write(hourToken()));
  const expire = vi.fn(() => tokens.write(null));
  const renewal = new SessionRenewal({
    readToken: tokens.read,
    subscribe: tokens.subscribe,
    renew,
    expire,
  });
  renewal.start();
  return { tokens, renew, expire, renewal };
}

describe("SessionRenewal", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(START);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("keeps an active person signed in well past the first hour", async () => {
    const { renew, expire, renewal } = setup();
    // Somebody working: a keystroke every ten minutes for three hours.
    for (let minute = 0; minute < 180; minute += 10) {
      await vi.advanceTimersByTimeAsync(10 * MINUTE);
      renewal.noteActivity();
    }
    expect(renew.mock.calls.length).toBeGreaterThanOrEqual(3);
    expect(expire).not.toHaveBeenCalled();
    renewal.stop();
  });

  it("renews shortly before expiry, not at once", async () => {
    const { renew, renewal } = setup();
    renewal.noteActivity();
    await vi.advanceTimersByTimeAsync(54 * MINUTE);
    expect(renew).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1 * MINUTE + 1);
    expect(renew).toHaveBeenCalledOnce();
    renewal.stop();
  });

  it("lets an idle tab lapse, then ends the session itself", async () => {
    const { renew, expire, renewal } = setup();
    await vi.advanceTimersByTimeAsync(59 * MINUTE);
    expect(expire).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1 * MINUTE);
    expect(renew).not.toHaveBeenCalled();
    expect(expire).toHaveBeenCalledOnce();
    renewal.stop();
  });

  it("renews at once when the person comes back inside the renewal window", async () => {
    const { renew, expire, renewal } = setup();
    await vi.advanceTimersByTimeAsync(57 * MINUTE);
    expect(renew).not.toHaveBeenCalled();
    renewal.noteActivity();
    await vi.advanceTimersByTimeAsync(0);
    expect(renew).toHaveBeenCalledOnce();
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(expire).not.toHaveBeenCalled();
    renewal.stop();
  });

  it("needs new activity after each renewal", async () => {
    const { renew, expire, renewal } = setup();
    renewal.noteActivity();
    await vi.advanceTimersByTimeAsync(56 * MINUTE);
    expect(renew).toHaveBeenCalledOnce();
    // Nothing since the renewal: the new token is allowed to lapse.
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(renew).toHaveBeenCalledOnce();
    expect(expire).toHaveBeenCalledOnce();
    renewal.stop();
  });

  it("follows a token renewed in another tab", async () => {
    const { tokens, renew, expire, renewal } = setup();
    await vi.advanceTimersByTimeAsync(50 * MINUTE);
    tokens.write(hourToken());
    await vi.advanceTimersByTimeAsync(30 * MINUTE);
    expect(expire).not.toHaveBeenCalled();
    expect(renew).not.toHaveBeenCalled();
    renewal.stop();
  });

  it("tries again after a failed renewal, until the token lapses", async () => {
    const { tokens, renew, expire, renewal } = setup();
    renew.mockRejectedValueOnce(new Error("offline"));
    renewal.noteActivity();
    await vi.advanceTimersByTimeAsync(55 * MINUTE + 1);
    expect(renew).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(renew).toHaveBeenCalledTimes(2);
    expect(tokens.read()).not.toBeNull();
    expect(expire).not.toHaveBeenCalled();
    renewal.stop();
  });

  it("stops asking once a renewal cannot reach further (the sign-in's maximum age)", async () => {
    const end = START + 60 * MINUTE;
    const tokens = store(testJwt({ issuedAt: START, expiresAt: end }));
    // The API renews, but never past the end of the sign-in.
    const renew = vi.fn(async () =>
      tokens.write(testJwt({ issuedAt: Date.now(), expiresAt: end })),
    );
    const expire = vi.fn(() => tokens.write(null));
    const renewal = new SessionRenewal({
      readToken: tokens.read,
      subscribe: tokens.subscribe,
      renew,
      expire,
    });
    renewal.start();
    renewal.noteActivity();
    await vi.advanceTimersByTimeAsync(56 * MINUTE);
    expect(renew).toHaveBeenCalledOnce();
    for (let second = 0; second < 300; second += 1) {
      renewal.noteActivity();
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(renew).toHaveBeenCalledOnce();
    expect(expire).toHaveBeenCalledOnce();
    renewal.stop();
  });

  it("notices a token that lapsed while timers slept (a suspended laptop)", () => {
    const { expire, renewal } = setup();
    vi.setSystemTime(START + 2 * 60 * MINUTE);
    renewal.check();
    expect(expire).toHaveBeenCalledOnce();
    renewal.stop();
  });

  it("ignores a renewal that answers after stop(): no timer is set again", async () => {
    for (const outcome of ["fails", "succeeds"] as const) {
      const tokens = store(hourToken());
      let answer: ((ok: boolean) => void) | undefined;
      const renew = vi.fn(
        () =>
          new Promise<void>((resolve, reject) => {
            answer = (ok) => (ok ? resolve() : reject(new Error("offline")));
          }),
      );
      const expire = vi.fn();
      const renewal = new SessionRenewal({
        readToken: tokens.read,
        subscribe: tokens.subscribe,
        renew,
        expire,
      });
      renewal.start();
      await vi.advanceTimersByTimeAsync(56 * MINUTE);
      renewal.noteActivity();
      expect(renew).toHaveBeenCalledOnce();

      renewal.stop();
      answer?.(outcome === "succeeds");
      await vi.advanceTimersByTimeAsync(0);
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(120 * MINUTE);
      expect(renew).toHaveBeenCalledOnce();
      expect(expire).not.toHaveBeenCalled();
    }
  });

  it("does nothing without a token, and stops when stopped", async () => {
    const { renew, expire, renewal } = setup(null as unknown as string);
    renewal.noteActivity();
    await vi.advanceTimersByTimeAsync(120 * MINUTE);
    expect(renew).not.toHaveBeenCalled();
    expect(expire).not.toHaveBeenCalled();
    renewal.stop();

    const second = setup();
    second.renewal.stop();
    await vi.advanceTimersByTimeAsync(120 * MINUTE);
    expect(second.expire).not.toHaveBeenCalled();
  });
});

import { describe, expect, it } from "vitest";
import { testJwt } from "@/testing/users";
import { localTokenTimes, tokenTimes } from "../jwt";

const HOUR = 3_600_000;
const SERVER_NOW = Date.UTC(2026, 0, 1, 12);

describe("token times", () => {
  it("reads iat and exp in milliseconds", () => {
    const token = testJwt({ issuedAt: SERVER_NOW, expiresAt: SERVER_NOW + HOUR });
    expect(tokenTimes(token)).toEqual({ issuedAt: SERVER_NOW, expiresAt: SERVER_NOW + HOUR });
    expect(tokenTimes("not-a-jwt")).toBeNull();
    expect(tokenTimes("a.%%%.c")).toBeNull();
    expect(tokenTimes(null)).toBeNull();
  });

  it("places the lifetime on this clock, however wrong it is", () => {
    const token = testJwt({ issuedAt: SERVER_NOW, expiresAt: SERVER_NOW + HOUR });
    // This browser's clock runs two hours ahead: the token still has its hour here.
    const received = SERVER_NOW + 2 * HOUR;
    expect(localTokenTimes(token, received)).toEqual({
      issuedAt: received,
      expiresAt: received + HOUR,
    });
    expect(localTokenTimes(token, null)).toEqual(tokenTimes(token));
  });
});

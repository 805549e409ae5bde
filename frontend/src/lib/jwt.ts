/**
 * When an access token was issued and when it lapses, read from its payload. The browser cannot
 * check the signature and does not need to: these times only decide when to ask for a renewal.
 */
export interface TokenTimes {
  /** Milliseconds since the epoch; null when the token does not say. */
  issuedAt: number | null;
  expiresAt: number;
}

function decodeSegment(segment: string): unknown {
  const base64 = segment.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** The token's `iat`/`exp` in milliseconds; null for anything that is not a JWT with both. */
export function tokenTimes(token: string | null): TokenTimes | null {
  if (!token) return null;
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const claims = decodeSegment(parts[1]) as { iat?: unknown; exp?: unknown };
    if (typeof claims.exp !== "number") return null;
    const expiresAt = claims.exp * 1000;
    const issuedAt = typeof claims.iat === "number" ? claims.iat * 1000 : null;
    return { issuedAt, expiresAt };
  } catch {
    return null;
  }
}

/**
 * The token's times on this browser's clock: from when it was received plus its lifetime
 * (both server times, so a clock set wrong here does not matter). Without a receipt time or
 * an `iat`, the server's times as they are.
 */
export function localTokenTimes(
  token: string | null,
  receivedAt: number | null,
): TokenTimes | null {
  const times = tokenTimes(token);
  if (!times || times.issuedAt === null || receivedAt === null) return times;
  return { issuedAt: receivedAt, expiresAt: receivedAt + (times.expiresAt - times.issuedAt) };
}

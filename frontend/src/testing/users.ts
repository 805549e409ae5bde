/** Accounts and tokens as the API returns them, for component tests. */
export interface TestUser {
  id: number;
  email: string;
  display_name: string | null;
  role: "user" | "admin";
  is_active: boolean;
  created_at: string;
  must_change_password: boolean;
}

export function testUser(overrides: Partial<TestUser> = {}): TestUser {
  return {
    id: 1,
    email: "ada@example.com",
    display_name: "Ada",
    role: "user",
    is_active: true,
    created_at: "2025-01-01T00:00:00Z",
    must_change_password: false,
    ...overrides,
  };
}

function base64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** An unsigned JWT with these times (milliseconds); the browser never checks signatures. */
export function testJwt({ issuedAt, expiresAt }: { issuedAt: number; expiresAt: number }): string {
  const header = base64url({ alg: "HS256", typ: "JWT" });
  const payload = base64url({
    sub: "1",
    iat: Math.floor(issuedAt / 1000),
    exp: Math.floor(expiresAt / 1000),
  });
  return `${header}.${payload}.signature`;
}

import { type APIRequestContext, type Browser, expect, type Page } from "@playwright/test";

/** Screenshots for people to look at (frontend/screenshots, ignored by git). */
export const SCREENSHOTS = "screenshots";

export const SIZES = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;
export type SizeName = keyof typeof SIZES;

export interface TestUser {
  email: string;
  password: string;
  displayName: string;
}

/** The admin scripts/test-e2e.sh creates at start-up (ADMIN_EMAIL / ADMIN_PASSWORD). */
export const ADMIN: TestUser = {
  email: process.env.E2E_ADMIN_EMAIL ?? "e2e-admin@example.com",
  password: process.env.E2E_ADMIN_PASSWORD ?? "e2e-Admin-pass-1",
  displayName: "Admin",
};

export function freshUser(tag: string): TestUser {
  const id = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  return {
    email: `e2e-${tag}-${id}@example.com`,
    password: `e2e-Pass-${id}`,
    displayName: `E2E ${tag}`,
  };
}

/** A full-page screenshot, taken from the top so the sticky header sits where it belongs. */
export async function shot(page: Page, name: string): Promise<void> {
  const scrolled = await page.evaluate(() => window.scrollY);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
  await page.evaluate((y) => window.scrollTo(0, y), scrolled);
}

export async function logIn(page: Page, user: TestUser): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email", { exact: true }).fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: `Welcome, ${user.displayName}` })).toBeVisible();
}

export async function register(request: APIRequestContext, user: TestUser): Promise<void> {
  const response = await request.post("/api/auth/register", {
    data: { email: user.email, password: user.password, display_name: user.displayName },
  });
  expect(response.status()).toBe(201);
}

/** An access token for `user`, straight from the API. */
export async function tokenFor(request: APIRequestContext, user: TestUser): Promise<string> {
  const response = await request.post("/api/auth/login", {
    data: { email: user.email, password: user.password },
  });
  expect(response.status()).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/**
 * A page of a new browser context at `size`, signed in with `token` (when given) and with the
 * device asking for `colorScheme`, touch on the phone.
 */
export async function openPage(
  browser: Browser,
  size: SizeName,
  { token, colorScheme = "light" }: { token?: string; colorScheme?: "light" | "dark" } = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: SIZES[size],
    colorScheme,
    hasTouch: size === "phone",
    isMobile: size === "phone",
  });
  if (token) {
    await context.addInitScript((value) => {
      if (!window.sessionStorage.getItem("e2e-token-set")) {
        window.localStorage.setItem("prompt-portal.access-token", value);
        window.sessionStorage.setItem("e2e-token-set", "1");
      }
    }, token);
  }
  return context.newPage();
}

/** The page does not scroll sideways (what a phone user would have to do). */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const sizes = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(sizes.scroll, "the page scrolls sideways").toBeLessThanOrEqual(sizes.client);
}

/** Open the main navigation (behind the Menu button on a narrow screen) and follow `name`. */
export async function goVia(page: Page, name: string): Promise<void> {
  const menu = page.getByRole("button", { name: "Menu", exact: true });
  // The navigation folds away below 60rem (960 px), as styles.css says.
  if (
    (page.viewportSize()?.width ?? 0) < 960 &&
    (await menu.getAttribute("aria-expanded")) !== "true"
  ) {
    await menu.click();
  }
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).click();
}

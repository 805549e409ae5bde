import { expect, type Page } from "@playwright/test";

export const SCREENSHOTS = "e2e/screenshots";

export interface TestUser {
  email: string;
  password: string;
  displayName: string;
}

export function freshUser(tag: string): TestUser {
  const id = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  return {
    email: `e2e-${tag}-${id}@example.com`,
    password: `e2e-Pass-${id}`,
    displayName: `E2E ${tag}`,
  };
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

export async function logIn(page: Page, user: TestUser): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email", { exact: true }).fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: `Welcome, ${user.displayName}` })).toBeVisible();
}

import { expect, test } from "@playwright/test";
import { freshUser, goVia, shot } from "./support";

test("sign up (and be logged in), visit every page, log out, log in again", async ({ page }) => {
  const user = freshUser("auth");

  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  await shot(page, "auth-01-login");

  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
  await page.getByLabel("Email", { exact: true }).fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  // Checked in the browser, in plain words, next to the field; focus goes there.
  const password = page.getByLabel("Password", { exact: true });
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(password).toBeFocused();
  await expect(page.getByText("Use at least 8 characters.")).toBeVisible();
  await shot(page, "auth-02-register-field-errors");

  await password.fill(user.password);
  await page.getByLabel("Display name (optional)").fill(user.displayName);
  await page.getByRole("button", { name: "Create account" }).click();

  // Signed up means signed in.
  await expect(page.getByRole("heading", { name: `Welcome, ${user.displayName}` })).toBeVisible();
  await expect(page.getByRole("region", { name: "Your account" })).toContainText(user.email);
  await shot(page, "auth-03-dashboard");

  await goVia(page, "Settings");
  await page
    .getByRole("navigation", { name: "Settings" })
    .getByRole("link", { name: "API keys" })
    .click();
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await page.getByLabel("Key name").fill("e2e script");
  await page.getByRole("button", { name: "Create key" }).click();
  const newKey = page.getByLabel("New API key");
  await expect(newKey).toHaveValue(/^pp_/);
  // The OpenAI-compatible API examples carry this server's /v1 and the new key.
  const gateway = page.getByRole("region", { name: "OpenAI-compatible API" });
  const baseUrl = new URL("/v1", page.url()).href;
  await expect(gateway.getByRole("textbox", { name: "Base URL" })).toHaveValue(baseUrl);
  await expect(gateway.locator(".snippet pre")).toContainText(
    `api_key="${await newKey.inputValue()}"`,
  );
  await expect(page.getByRole("rowheader", { name: "e2e script", exact: true })).toBeVisible();
  await shot(page, "auth-04-api-keys");
  await page.getByRole("button", { name: "Revoke e2e script" }).click();
  await page.getByRole("button", { name: "Confirm revoking e2e script" }).click();
  await expect(page.getByText("No keys yet.")).toBeVisible();

  await goVia(page, "Chat");
  await expect(page.getByRole("textbox", { name: "Message" })).toBeVisible();

  await page.getByRole("button", { name: /User menu/ }).click();
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();

  await page.goto("/settings/keys");
  await expect(page).toHaveURL(/\/login\?redirect=/);
  await page.getByLabel("Email", { exact: true }).fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill("wrong-password-1");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toContainText("Invalid email or password");
  await shot(page, "auth-05-login-error");

  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Log in" }).click();
  // Back where the person wanted to go.
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await expect(page).toHaveURL(/\/settings\/keys$/);
});

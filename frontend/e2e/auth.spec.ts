import { expect, test } from "@playwright/test";
import { freshUser, logIn, shot } from "./support";

test("register, log in, visit every page, log out", async ({ page }) => {
  const user = freshUser("auth");

  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  await shot(page, "01-login");

  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
  await page.getByLabel("Email", { exact: true }).fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Please correct the highlighted fields.")).toBeVisible();
  await shot(page, "02-register-field-errors");

  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByLabel("Display name").fill(user.displayName);
  await shot(page, "03-register");
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByText("Your account is ready")).toBeVisible();

  await page.getByLabel("Email", { exact: true }).fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill("wrong-password-1");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toContainText("Invalid email or password");
  await shot(page, "04-login-error");

  await logIn(page, user);
  await expect(page.getByRole("status", { name: /LLM status/ })).toBeVisible();
  await expect(page.getByRole("region", { name: "Your account" })).toContainText(user.email);
  await shot(page, "05-dashboard");

  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "API keys" })
    .click();
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await page.getByLabel("Key name").fill("e2e script");
  await page.getByRole("button", { name: "Create key" }).click();
  const newKey = page.getByLabel("New API key");
  await expect(newKey).toHaveValue(/^pp_/);
  await expect(page.getByRole("cell", { name: "e2e script", exact: true })).toBeVisible();
  await shot(page, "06-api-keys");
  await page.getByRole("button", { name: "Revoke e2e script" }).click();
  await page.getByRole("button", { name: "Confirm revoking e2e script" }).click();
  await expect(page.getByText("No keys yet.")).toBeVisible();

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Chat" }).click();
  await expect(page.getByRole("textbox", { name: "Message" })).toBeVisible();
  await shot(page, "07-chat-empty");

  await page.getByRole("button", { name: /User menu/ }).click();
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();

  await page.goto("/settings/keys");
  await expect(page).toHaveURL(/\/login\?redirect=/);
  await shot(page, "08-logged-out");
});

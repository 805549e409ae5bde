import { expect, type Page, test } from "@playwright/test";
import {
  expectNoSidewaysScroll,
  freshUser,
  goVia,
  openPage,
  register,
  SIZES,
  type SizeName,
  shot,
  tokenFor,
} from "./support";

const TOKEN_KEY = "prompt-portal.access-token";

async function storedToken(page: Page): Promise<string | null> {
  return page.evaluate((key) => window.localStorage.getItem(key), TOKEN_KEY);
}

for (const size of Object.keys(SIZES) as SizeName[]) {
  test.describe(`at ${SIZES[size].width}×${SIZES[size].height}`, () => {
    test("the header is one row; the navigation reaches every page", async ({
      browser,
      request,
    }) => {
      const user = freshUser(`shell-${size}`);
      await register(request, user);
      const page = await openPage(browser, size, { token: await tokenFor(request, user) });
      await page.goto("/");
      await expect(
        page.getByRole("heading", { name: `Welcome, ${user.displayName}` }),
      ).toBeVisible();

      const header = page.locator("header.topbar");
      const height = (await header.boundingBox())?.height ?? 0;
      expect(height).toBeLessThan(70);
      const menu = page.getByRole("button", { name: "Menu", exact: true });
      if (size === "phone") {
        await expect(menu).toBeVisible();
        await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
        await menu.click();
        await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
        await shot(page, `shell-menu-open-${size}`);
        await page.keyboard.press("Escape");
        await expect(menu).toBeFocused();
        await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
      } else {
        await expect(menu).toBeHidden();
      }
      // Not an admin: no Users page in the navigation.
      if (size === "phone") await menu.click();
      const links = page.getByRole("navigation", { name: "Main" }).getByRole("link");
      await expect(links).toHaveText([
        "Dashboard",
        "Chat",
        "Templates",
        "Playground",
        "Monitor",
        "Settings",
        "Account",
      ]);
      if (size === "phone") await menu.click();

      const pages: [string, string][] = [
        ["Chat", "Chat"],
        ["Templates", "Templates"],
        ["Playground", "Playground"],
        ["Monitor", "Test & Monitor"],
        ["Settings", "Settings"],
        ["Account", "Account"],
        ["Dashboard", `Welcome, ${user.displayName}`],
      ];
      for (const [link, heading] of pages) {
        await goVia(page, link);
        await expect(page.getByRole("heading", { name: heading, level: 1 })).toBeAttached();
        if (size === "phone") await expectNoSidewaysScroll(page);
      }

      // The skip link is the first stop of the keyboard and lands on the main content.
      await page.reload();
      await expect(
        page.getByRole("heading", { name: `Welcome, ${user.displayName}` }),
      ).toBeVisible();
      await page.keyboard.press("Tab");
      const skip = page.getByRole("link", { name: "Skip to main content" });
      await expect(skip).toBeFocused();
      await expect(skip).toBeVisible();
      await page.keyboard.press("Enter");
      await expect(page.locator("main")).toBeFocused();

      // Non-admins get a plain answer on the users page.
      await page.goto("/admin/users");
      await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
      await page.context().close();
    });

    test("settings: theme and suggestions are kept in the browser; keys fit the screen", async ({
      browser,
      request,
    }) => {
      const user = freshUser(`settings-${size}`);
      await register(request, user);
      const page = await openPage(browser, size, { token: await tokenFor(request, user) });
      await page.goto("/settings");
      await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
      const html = page.locator("html");
      await expect(page.getByRole("radio", { name: "System" })).toBeChecked();
      await expect(html).not.toHaveAttribute("data-theme");

      await page.getByRole("radio", { name: "Dark" }).check();
      await expect(html).toHaveAttribute("data-theme", "dark");
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).toBe("rgb(15, 18, 23)");
      await page.reload();
      await expect(html).toHaveAttribute("data-theme", "dark");
      await expect(page.getByRole("radio", { name: "Dark" })).toBeChecked();
      await shot(page, `settings-dark-${size}`);
      await page.getByRole("radio", { name: "System" }).check();
      await expect(html).not.toHaveAttribute("data-theme");

      const ghost = page.getByRole("checkbox", { name: "Ghost-text suggestions" });
      await expect(ghost).toBeChecked();
      await ghost.uncheck();
      await page.reload();
      await expect(
        page.getByRole("checkbox", { name: "Ghost-text suggestions" }),
      ).not.toBeChecked();

      await page
        .getByRole("navigation", { name: "Settings" })
        .getByRole("link", { name: "API keys" })
        .click();
      await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
      await page.getByLabel("Expires in (days)").fill("0");
      await page.getByRole("button", { name: "Create key" }).click();
      await expect(page.getByLabel("Key name")).toBeFocused();
      await expect(page.getByText("Enter a name.")).toBeVisible();
      await page.getByLabel("Key name").fill("a rather long key name for the maze game client");
      await page.getByLabel("Expires in (days)").fill("30");
      await page.getByRole("button", { name: "Create key" }).click();
      await expect(page.getByLabel("New API key")).toHaveValue(/^pp_/);
      await expect(page.getByRole("rowheader", { name: /a rather long key name/ })).toBeVisible();
      if (size === "phone") await expectNoSidewaysScroll(page);
      await shot(page, `settings-keys-${size}`);
      await page.context().close();
    });

    test("account: a new name shows at once; a new password keeps this tab signed in", async ({
      browser,
      request,
    }) => {
      const user = freshUser(`account-${size}`);
      await register(request, user);
      const page = await openPage(browser, size, { token: await tokenFor(request, user) });
      await page.goto("/account");
      await expect(page.getByRole("heading", { name: "Account", level: 1 })).toBeVisible();

      const name = page.getByLabel("Display name");
      await name.fill("   ");
      await page.getByRole("button", { name: "Save name" }).click();
      await expect(name).toBeFocused();
      await expect(page.getByText("Enter a name.")).toBeVisible();
      await name.fill("Renamed Person");
      await page.getByRole("button", { name: "Save name" }).click();
      await expect(page.getByText("Your name is saved.")).toBeVisible();
      await expect(page.getByRole("button", { name: "User menu: Renamed Person" })).toBeVisible();

      const before = await storedToken(page);
      await page.getByLabel("Current password").fill("not-my-password-1");
      await page.getByLabel("New password", { exact: true }).fill("onlyletters");
      await page.getByLabel("Repeat the new password").fill("onlyletters");
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.getByLabel("New password", { exact: true })).toBeFocused();
      await expect(page.getByText("Mix letters with digits or symbols.")).toBeVisible();
      await shot(page, `account-errors-${size}`);

      await page.getByLabel("New password", { exact: true }).fill("brand-new-pass-9");
      await page.getByLabel("Repeat the new password").fill("brand-new-pass-9");
      await page.getByRole("button", { name: "Change password" }).click();
      const current = page.getByLabel("Current password");
      await expect(current).toBeFocused();
      await expect(page.getByText("That is not your current password.")).toBeVisible();

      await current.fill(user.password);
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.getByText("Your password is changed.")).toBeVisible();
      const after = await storedToken(page);
      expect(after).not.toBeNull();
      expect(after).not.toBe(before);
      // The old token is retired; this tab goes on with the new one.
      const old = await request.get("/api/auth/me", {
        headers: { Authorization: `Bearer ${before}` },
      });
      expect(old.status()).toBe(401);
      await goVia(page, "Templates");
      await expect(page.getByRole("heading", { name: "Templates", level: 1 })).toBeVisible();
      await shot(page, `account-changed-${size}`);
      if (size === "phone") await expectNoSidewaysScroll(page);
      await page.context().close();
    });
  });
}

test("a person at work stays signed in past the hour; an idle tab goes to the login, place kept", async ({
  browser,
  request,
}) => {
  const user = freshUser("renewal");
  await register(request, user);
  const page = await openPage(browser, "desktop", { token: await tokenFor(request, user) });
  await page.clock.install();
  await page.goto("/templates?q=renewal");
  await expect(page.getByRole("heading", { name: "Templates", level: 1 })).toBeVisible();
  const first = await storedToken(page);

  // Busy for 56 minutes: the token is renewed shortly before it lapses.
  const refreshed = page.waitForResponse((r) => r.url().endsWith("/api/auth/refresh"));
  await page.clock.fastForward("30:00");
  await page.mouse.click(5, 300);
  await page.clock.fastForward("26:00");
  expect((await refreshed).status()).toBe(200);
  await expect.poll(() => storedToken(page)).not.toBe(first);
  const second = await storedToken(page);
  const me = await request.get("/api/auth/me", { headers: { Authorization: `Bearer ${second}` } });
  expect(me.status()).toBe(200);

  // Then nobody touches the tab for more than an hour: it ends the session itself.
  await page.clock.fastForward(61 * 60_000);
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  await expect(page.getByText(/Your session has ended/)).toBeVisible();
  await shot(page, "session-ended-desktop");
  await page.getByLabel("Email", { exact: true }).fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Templates", level: 1 })).toBeVisible();
  await expect(page).toHaveURL(/\/templates\?q=renewal$/);
  await page.context().close();
});

import { expect, test } from "@playwright/test";
import {
  ADMIN,
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

for (const size of Object.keys(SIZES) as SizeName[]) {
  test(`admin sets a temporary password; the person must change it first (${size})`, async ({
    browser,
    request,
  }) => {
    const person = freshUser(`temp-${size}`);
    await register(request, person);

    // The admin finds the person in the list and sets a temporary password.
    const admin = await openPage(browser, size, { token: await tokenFor(request, ADMIN) });
    await admin.goto("/");
    await goVia(admin, "Users");
    await expect(admin.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();
    const row = admin.getByRole("row").filter({ hasText: person.email });
    await expect(row).toBeVisible();
    await expect(row.getByRole("combobox", { name: `Role of ${person.displayName}` })).toHaveValue(
      "user",
    );
    if (size === "phone") await expectNoSidewaysScroll(admin);
    await shot(admin, `admin-users-${size}`);

    await row
      .getByRole("button", { name: `Set a temporary password for ${person.displayName}` })
      .click();
    await expect(row.getByText(/will be logged out everywhere/)).toBeVisible();
    await shot(admin, `admin-confirm-${size}`);
    await row.getByRole("button", { name: "Set password" }).click();
    const shown = row.getByRole("textbox", {
      name: `Temporary password for ${person.displayName}`,
    });
    await expect(shown).toHaveValue(/\S{8,}/);
    const temporary = await shown.inputValue();
    if (size === "phone") await expectNoSidewaysScroll(admin);
    await shot(admin, `admin-temporary-password-${size}`);
    await row.getByRole("button", { name: "Done" }).click();
    await expect(shown).toHaveCount(0);
    await expect(row.getByText("must set a new password")).toBeVisible();

    // The person logs in with it and is sent to their account page before anything else.
    const page = await openPage(browser, size);
    await page.goto("/templates");
    await page.getByLabel("Email", { exact: true }).fill(person.email);
    await page.getByLabel("Password", { exact: true }).fill(temporary);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByText(/An administrator set a temporary password/)).toBeVisible();
    await shot(page, `account-temporary-${size}`);
    await page.goto("/chat");
    await expect(page).toHaveURL(/\/account$/);

    await page.getByLabel("Temporary password").fill(temporary);
    await page.getByLabel("New password", { exact: true }).fill("my-own-pass-42");
    await page.getByLabel("Repeat the new password").fill("my-own-pass-42");
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.getByText("Your password is changed.")).toBeVisible();
    await goVia(page, "Templates");
    await expect(page.getByRole("heading", { name: "Templates", level: 1 })).toBeVisible();

    // The admin disables the account: its sign-in stops working at once.
    await admin.reload();
    const again = admin.getByRole("row").filter({ hasText: person.email });
    await expect(again.getByText("must set a new password")).toHaveCount(0);
    await again.getByRole("button", { name: `Disable ${person.displayName}` }).click();
    await expect(again.getByRole("button", { name: `Enable ${person.displayName}` })).toBeVisible();
    await expect(again.getByText("disabled", { exact: true })).toBeVisible();
    await page.reload();
    await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();

    // An admin cannot lock everybody out: their own account is refused with a reason.
    const self = admin.getByRole("row").filter({ hasText: ADMIN.email });
    await self.getByRole("button", { name: `Disable ${ADMIN.displayName}` }).click();
    await expect(self.getByRole("alert")).toBeVisible();
    await expect(self.getByRole("alert")).not.toContainText(/Value error|HTTP \d+/);
    await shot(admin, `admin-refused-${size}`);

    await again.getByRole("button", { name: `Enable ${person.displayName}` }).click();
    await expect(again.getByText("active", { exact: true })).toBeVisible();
    await admin.context().close();
    await page.context().close();
  });
}

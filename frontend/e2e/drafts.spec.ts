import { expect, type Locator, type Page, test } from "@playwright/test";
import { freshUser, logIn, shot } from "./support";

const GENERATE = "/api/completion/generate";

/** The editor's own text: its lines, without the ghost suggestion drawn inside them. */
async function editorText(editor: Locator): Promise<string> {
  return editor.evaluate((content) => {
    const lines = Array.from(content.querySelectorAll(".cm-line"), (line) => {
      const copy = line.cloneNode(true) as HTMLElement;
      const extras = copy.querySelectorAll(".cm-ghost-text, .cm-placeholder, img, br");
      for (const extra of Array.from(extras)) extra.remove();
      return copy.textContent ?? "";
    });
    return lines.join("\n");
  });
}

/** The contrast ratio of the ghost text against the editor's background. */
async function ghostContrast(page: Page): Promise<number> {
  return page.evaluate(() => {
    const channels = (color: string) => (color.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const luminance = (color: string) => {
      const [r = 0, g = 0, b = 0] = channels(color).map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ghostEl = document.querySelector(".cm-ghost-text");
    const editorEl = document.querySelector(".ghost-editor");
    if (!ghostEl || !editorEl) return 0;
    const fg = luminance(getComputedStyle(ghostEl).color);
    const bg = luminance(getComputedStyle(editorEl).backgroundColor);
    return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  });
}

function watchCompletions(page: Page) {
  const seen = { started: 0, finished: 0, aborted: 0, otherFailures: [] as string[] };
  page.on("request", (request) => {
    if (request.url().endsWith(GENERATE)) seen.started += 1;
  });
  page.on("requestfinished", (request) => {
    if (request.url().endsWith(GENERATE)) seen.finished += 1;
  });
  page.on("requestfailed", (request) => {
    if (!request.url().endsWith(GENERATE)) return;
    const error = request.failure()?.errorText ?? "";
    if (error.includes("ERR_ABORTED")) seen.aborted += 1;
    else seen.otherFailures.push(error);
  });
  return seen;
}

test("ghost text in Drafts: Tab accepts the suggestion, typing on cancels a stale request", async ({
  page,
  request,
}) => {
  const user = freshUser("drafts");
  const registered = await request.post("/api/auth/register", {
    data: { email: user.email, password: user.password, display_name: user.displayName },
  });
  expect(registered.status()).toBe(201);
  await logIn(page, user);
  const completions = watchCompletions(page);

  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Drafts" })
    .click();
  await expect(page.getByRole("heading", { name: "Drafts" })).toBeVisible();
  const type = page.getByLabel("Completion type");
  await expect(type.locator("option")).toHaveCount(7);
  await type.selectOption("general");
  await expect(page.getByText("General text completion")).toBeVisible();

  const draft = page.getByRole("textbox", { name: "Draft" });
  const ghost = page.locator(".cm-ghost-text");
  await draft.click();
  // Slowly, like a person: requests go out in the pauses.
  await page.keyboard.type("The quick brown fox jumps over the", { delay: 120 });
  await expect(ghost).toBeVisible({ timeout: 60_000 });
  const suggestion = (await ghost.textContent()) ?? "";
  expect(suggestion.trim().length).toBeGreaterThan(0);
  const before = await editorText(draft);
  expect(before).toBe("The quick brown fox jumps over the");
  await shot(page, "20-drafts-ghost");
  // Readable on its own (WCAG AA, 4.5:1) in both themes, and told in words too.
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    expect(await ghostContrast(page)).toBeGreaterThanOrEqual(4.5);
  }
  await page.emulateMedia({ colorScheme: "light" });
  await expect(page.getByRole("status", { name: "Suggestion status: ready" })).toHaveText(
    /Suggestion shown/,
  );
  await expect(page.getByRole("button", { name: "Accept suggestion" })).toBeVisible();

  await page.keyboard.press("Tab");
  await expect.poll(() => editorText(draft)).toBe(before + suggestion);
  await expect(draft).toBeFocused();
  const accepted = before + suggestion;
  await expect(page.getByTestId("draft-stats")).toContainText(`${accepted.length} characters`);
  await shot(page, "21-drafts-accepted");

  // Now keep typing while a request is in flight: the editor aborts it (the browser reports
  // net::ERR_ABORTED) and the server stops generating. Each round pauses just long enough for
  // a request to leave, then types on before the model can answer.
  await page.keyboard.press("End");
  for (let round = 0; round < 8 && completions.aborted === 0; round += 1) {
    const sent = page.waitForRequest((r) => r.url().endsWith(GENERATE), { timeout: 10_000 });
    await page.keyboard.type(round === 0 ? "\nMeanwhile" : ` word${round}`, { delay: 20 });
    await sent.catch(() => undefined);
    await page.keyboard.type(" and", { delay: 10 });
    await page.waitForTimeout(100);
  }
  await expect.poll(() => completions.aborted, { timeout: 10_000 }).toBeGreaterThan(0);
  expect(completions.started).toBeGreaterThan(completions.finished);
  expect(completions.otherFailures).toEqual([]);

  // The draft is kept in this browser.
  await page.keyboard.press("Escape");
  const text = await editorText(draft);
  await page.reload();
  await expect(page.getByRole("textbox", { name: "Draft" })).toBeVisible();
  await expect.poll(() => editorText(page.getByRole("textbox", { name: "Draft" }))).toBe(text);
  await shot(page, "22-drafts-saved");

  // The off switch (saved in this browser): no suggestions and no requests.
  await page.getByRole("checkbox", { name: "Ghost-text suggestions" }).uncheck();
  await expect(page.getByRole("status", { name: /Suggestion status/ })).toHaveCount(0);
  const sentBefore = completions.started;
  const editor = page.getByRole("textbox", { name: "Draft" });
  await editor.click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type(" Then it slept", { delay: 120 });
  await page.waitForTimeout(1_000);
  expect(completions.started).toBe(sentBefore);
  await expect(ghost).toHaveCount(0);
});

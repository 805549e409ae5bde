import AxeBuilder from "@axe-core/playwright";
import { expect, type Locator, type Page, test } from "@playwright/test";
import {
  expectNoSidewaysScroll,
  freshUser,
  goVia,
  openPage,
  register,
  shot,
  tokenFor,
} from "./support";

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
  const seen = {
    started: 0,
    finished: 0,
    aborted: 0,
    otherFailures: [] as string[],
    types: [] as string[],
  };
  page.on("request", (request) => {
    if (!request.url().endsWith(GENERATE)) return;
    seen.started += 1;
    seen.types.push((request.postDataJSON() as { completion_type?: string }).completion_type ?? "");
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

/** Serious or critical WCAG A/AA problems axe-core finds on the page. */
async function seriousProblems(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((node) => node.target.join(" ")).join(", ")}`);
}

const CONTENT_V1 = "You guide {{player}} through level {{ level }} of the maze.\nBe brief.";

test("a template with two variables: create, edit to version 2, compare, render, label", async ({
  browser,
  request,
}) => {
  const user = freshUser("templates");
  await register(request, user);
  const token = await tokenFor(request, user);
  const page = await openPage(browser, "desktop", { token });
  // Suggestions have their own test below; here they would only keep the model busy.
  await page.addInitScript(() =>
    window.localStorage.setItem("prompt-portal.ghost-text-enabled", "false"),
  );
  await page.goto("/");
  await goVia(page, "Templates");
  await expect(page.getByRole("heading", { name: "Templates", level: 1 })).toBeVisible();
  await expect(page.getByText("No templates yet.")).toBeVisible();

  await page.getByRole("link", { name: "New template" }).click();
  await expect(page.getByRole("heading", { name: "New template", level: 1 })).toBeVisible();
  await page.getByLabel("Title", { exact: true }).fill("Maze guide");
  await page.getByLabel("Project", { exact: true }).fill("maze");
  await page.getByLabel("Description", { exact: true }).fill("The guide's voice in the maze game.");
  await page.getByLabel("Tags", { exact: true }).fill("Hints, e2e");
  const content = page.getByRole("textbox", { name: "Template content" });
  await content.click();
  await page.keyboard.type(CONTENT_V1);
  await expect(page.locator(".cm-template-variable")).toHaveText(["{{player}}", "{{ level }}"]);
  await expect(page.getByText(/no variable yet: \{\{player\}\}, \{\{level\}\}/)).toBeVisible();
  await page.getByRole("button", { name: "Add all" }).click();
  const level = page.getByRole("group", { name: "Variable level" });
  await level.getByLabel("Type").selectOption("number");
  await level.getByLabel("Default").fill("1");
  await level.getByLabel("Description").fill("The level being played");
  await page
    .getByRole("group", { name: "Variable player" })
    .getByLabel("Description")
    .fill("Who plays");
  await page.getByLabel("Change note").fill("First draft");
  await shot(page, "templates/new-desktop");
  await page.getByRole("button", { name: "Save" }).click();

  await expect(page).toHaveURL(/\/templates\/\d+$/);
  const templateUrl = new URL(page.url()).pathname;
  await expect(page.getByRole("heading", { name: "Maze guide", level: 1 })).toBeVisible();
  await expect(page.getByText("Created version 1.")).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: /^Version 1$/ })).toBeVisible();

  // Edit: a new line and a change note; Ctrl+S saves version 2.
  await content.click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("\nAlways call {{player}} by name.");
  await expect(page.getByText("Unsaved changes")).toBeVisible();
  await page.getByLabel("Change note").fill("Use the name");
  await page.keyboard.press("Control+s");
  await expect(page.getByText("Saved version 2.")).toBeVisible();
  await expect(page.getByLabel("Change note")).toHaveValue("");

  // Render the saved version: a missing value is named on its field, then the prompt shows.
  const preview = page.getByRole("region", { name: "Preview" });
  await preview.getByRole("button", { name: "Render" }).click();
  await expect(preview.getByText("Give a value: it is required.")).toBeVisible();
  await expect(preview.getByLabel("player")).toHaveAttribute("aria-invalid", "true");
  await preview.getByLabel("player").fill("Ada");
  await preview.getByRole("button", { name: "Render" }).click();
  const rendered = preview.getByRole("region", { name: "Rendered prompt" });
  await expect(rendered).toContainText(
    "You guide Ada through level 1 of the maze.\nBe brief.\nAlways call Ada by name.",
  );
  await expect(rendered.getByRole("heading")).toHaveText("Rendered prompt (version 2)");
  expect(await seriousProblems(page)).toEqual([]);
  await shot(page, "templates/editor-desktop");

  // History: version 2 against version 1, side by side.
  await page
    .getByRole("navigation", { name: "Template" })
    .getByRole("link", { name: "History" })
    .click();
  const diff = page.getByRole("table", { name: /Changes from version 1 to version 2/ });
  await expect(diff).toBeVisible();
  await expect(diff).toContainText("1 line added, 0 lines removed");
  await expect(
    diff.getByRole("row").filter({ hasText: "Always call {{player}} by name." }),
  ).toHaveCount(1);
  await expect(page.getByRole("row").filter({ hasText: "Use the name" })).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "First draft" })).toBeVisible();
  await page.getByRole("button", { name: "View version 1" }).click();
  await expect(page.getByRole("region", { name: "Version 1" })).toContainText(CONTENT_V1);
  expect(await seriousProblems(page)).toEqual([]);
  await shot(page, "templates/history-desktop");

  // Labels: production → version 2.
  await page
    .getByRole("navigation", { name: "Template" })
    .getByRole("link", { name: "Labels" })
    .click();
  await page.getByLabel("Label", { exact: true }).fill("production");
  await page.getByLabel("Version", { exact: true }).selectOption("2");
  await page.getByRole("button", { name: "Set label" }).click();
  await expect(page.getByText("production now points at version 2.")).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "production" })).toContainText("Version 2");
  await shot(page, "templates/labels-desktop");

  // The list shows it, and finds it by tag.
  await page.getByRole("link", { name: "Templates", exact: true }).first().click();
  const card = page.getByRole("listitem").filter({ hasText: "Maze guide" });
  await expect(card).toContainText("v2");
  await expect(card).toContainText("production → v2");
  await page.getByLabel("Tag", { exact: true }).fill("e2e");
  await expect(page).toHaveURL(/tag=e2e/);
  await expect(card).toBeVisible();
  await page.getByLabel("Tag", { exact: true }).fill("");
  expect(await seriousProblems(page)).toEqual([]);
  await shot(page, "templates/list-desktop");
  await page.context().close();

  // The same pages on a phone: nothing scrolls sideways.
  const phone = await openPage(browser, "phone", { token });
  for (const [path, heading, name] of [
    ["/templates", "Templates", "list"],
    [templateUrl, "Maze guide", "editor"],
    [`${templateUrl}?tab=history`, "Maze guide", "history"],
  ] as const) {
    await phone.goto(path);
    await expect(phone.getByRole("heading", { name: heading, level: 1 })).toBeVisible();
    if (name === "history")
      await expect(phone.getByRole("table", { name: /Changes from/ })).toBeVisible();
    if (name === "list")
      await expect(phone.getByRole("link", { name: "Maze guide" })).toBeVisible();
    await phone.waitForLoadState("networkidle");
    await expectNoSidewaysScroll(phone);
    await shot(phone, `templates/${name}-phone`);
  }
  await phone.context().close();
});

test("ghost text in the template editor: Tab accepts the suggestion, typing on cancels a stale request", async ({
  browser,
  request,
}) => {
  const user = freshUser("ghost");
  await register(request, user);
  const page = await openPage(browser, "desktop", { token: await tokenFor(request, user) });
  const completions = watchCompletions(page);
  await page.goto("/templates/new");
  await expect(page.getByRole("heading", { name: "New template", level: 1 })).toBeVisible();

  const editor = page.getByRole("textbox", { name: "Template content" });
  const ghost = page.locator(".cm-ghost-text");
  await editor.click();
  // Slowly, like a person: requests go out in the pauses.
  await page.keyboard.type("You are a friendly guide who helps players of a maze game", {
    delay: 120,
  });
  await expect(ghost).toBeVisible({ timeout: 60_000 });
  expect(new Set(completions.types)).toEqual(new Set(["prompt"]));
  const suggestion = (await ghost.textContent()) ?? "";
  expect(suggestion.trim().length).toBeGreaterThan(0);
  const before = await editorText(editor);
  expect(before).toBe("You are a friendly guide who helps players of a maze game");
  await shot(page, "templates/ghost-desktop");
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
  await expect.poll(() => editorText(editor)).toBe(before + suggestion);
  await expect(editor).toBeFocused();

  // Keep typing while a request is in flight: the editor aborts it (the browser reports
  // net::ERR_ABORTED) and the server stops generating. Each round pauses just long enough for
  // a request to leave, then types on before the model can answer.
  await page.keyboard.press("Control+End");
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

  // The off switch (saved in this browser): no suggestions and no requests.
  await page.keyboard.press("Escape");
  await page.getByRole("checkbox", { name: "Ghost-text suggestions" }).uncheck();
  await expect(page.getByRole("status", { name: /Suggestion status/ })).toHaveCount(0);
  const sentBefore = completions.started;
  await editor.click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type(" Then it slept", { delay: 120 });
  await page.waitForTimeout(1_000);
  expect(completions.started).toBe(sentBefore);
  await expect(ghost).toHaveCount(0);
  await page.context().close();
});

/**
 * The playground and chat's template picker in real Chromium against the real stack
 * (scripts/test-e2e.sh: the embedded llama.cpp with SmolLM2 at temperature 0, the backend, the
 * built front end). A template with two variables and a second version is made through the
 * API; the page runs both versions on two inputs and the four answers stream into the grid
 * with their numbers; the stored run reopens as it was (at phone size too); then a chat starts
 * from the template and shows it.
 */
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { expectNoSidewaysScroll, freshUser, openPage, register, shot, tokenFor } from "./support";

/** The tiny model on a busy machine: an answer can take a while, never forever. */
const ANSWER_TIMEOUT = 150_000;

test.describe.configure({ timeout: 420_000 });

interface Made {
  id: number;
  title: string;
}

/** A template with `topic` (text) and `mood` (choice), then version 2 with a change note. */
async function makeTemplate(request: APIRequestContext, token: string): Promise<Made> {
  const headers = { Authorization: `Bearer ${token}` };
  const title = `Story ${Date.now()}`;
  const created = await request.post("/api/templates", {
    headers,
    data: {
      title,
      content: "You write one short sentence about {{topic}} in a {{mood}} mood.",
      variables: [
        { name: "topic", type: "text", description: "What it is about" },
        { name: "mood", type: "choice", choices: ["happy", "sad"] },
      ],
      note: "first",
    },
  });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: number };
  const updated = await request.patch(`/api/templates/${id}`, {
    headers,
    data: {
      content: "You are a poet. Write two short lines about {{topic}} in a {{mood}} mood.",
      note: "poem",
    },
  });
  expect(updated.status()).toBe(200);
  expect(((await updated.json()) as { version: number }).version).toBe(2);
  return { id, title };
}

const results = (page: Page) => page.getByRole("region", { name: "Results" });
const cell = (page: Page, v: number, i: number) =>
  results(page).getByRole("article", { name: `Version ${v} · input ${i}` });

async function fillInput(page: Page, index: number, topic: string, mood: string) {
  const input = page.getByRole("group", { name: `Input ${index}` });
  await input.getByLabel("topic").fill(topic);
  await input.getByLabel("mood").selectOption(mood);
}

/** Every cell of the 2 × 2 grid finished, with its text and its numbers. */
async function expectFourAnswers(page: Page) {
  await expect(results(page).getByRole("article")).toHaveCount(4);
  for (const [v, i] of [
    [1, 1],
    [1, 2],
    [2, 1],
    [2, 2],
  ] as const) {
    const answer = cell(page, v, i);
    await expect(answer.getByText("Complete"), `cell ${v}×${i}`).toBeVisible({
      timeout: ANSWER_TIMEOUT,
    });
    await expect(answer.locator(".playground-cell-text")).not.toBeEmpty();
    for (const stat of ["Tokens", "TTFT", "Total", "Cached"]) {
      await expect(answer.getByText(stat, { exact: true })).toBeVisible();
    }
  }
}

test("playground: 2 versions × 2 inputs stream in, reopen as stored; chat starts from the template", async ({
  browser,
  request,
}) => {
  const user = freshUser("playground");
  await register(request, user);
  const token = await tokenFor(request, user);
  const template = await makeTemplate(request, token);

  const page = await openPage(browser, "desktop", { token });
  await page.goto("/playground");
  await expect(page.getByRole("heading", { name: "Playground", level: 1 })).toBeVisible();

  const first = page.getByRole("group", { name: "Version 1" });
  await first.getByLabel("Template").selectOption({ label: template.title });
  await first.getByLabel("Version").selectOption({ label: "v1 — first" });
  await page.getByRole("button", { name: "Add version" }).click();
  // A new version row starts on the template above it.
  const second = page.getByRole("group", { name: "Version 2" });
  await expect(second.getByLabel("Template")).toHaveValue(String(template.id));
  await second.getByLabel("Version").selectOption({ label: "v2 — poem" });

  await page.getByRole("button", { name: "Add input" }).click();
  await fillInput(page, 1, "the sea", "happy");
  await fillInput(page, 2, "a cat", "sad");
  await page.getByLabel("Max tokens").fill("24");

  // Ctrl+Enter runs, like the Run button.
  await page.getByRole("group", { name: "Input 2" }).getByLabel("topic").press("Control+Enter");
  await expect(page.getByRole("button", { name: "Stop" })).toBeVisible();
  await expect(page).toHaveURL(/\/playground\?run=\d+$/, { timeout: 60_000 });
  const runId = Number(new URL(page.url()).searchParams.get("run"));
  await expectFourAnswers(page);
  await expect(page.getByRole("button", { name: "Run", exact: true })).toBeVisible();

  // What the grid shows is what was stored.
  const stored = await request.get(`/api/playground/runs/${runId}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(stored.ok()).toBe(true);
  const run = (await stored.json()) as {
    status: string;
    cells: { v: number; i: number; version: number; status: string; text: string }[];
  };
  expect(run.status).toBe("complete");
  expect(run.cells.map((c) => [c.v, c.i, c.version, c.status])).toEqual([
    [0, 0, 1, "complete"],
    [0, 1, 1, "complete"],
    [1, 0, 2, "complete"],
    [1, 1, 2, "complete"],
  ]);
  await expect(cell(page, 2, 2).locator(".playground-cell-text")).toHaveText(
    run.cells[3]?.text ?? "",
  );
  await expect(page.getByRole("link", { name: new RegExp(`Run #${runId}`) })).toBeVisible();
  await expectNoSidewaysScroll(page);
  await shot(page, "playground-desktop");

  // The stored run reopens exactly as it was, on a phone too.
  const phone = await openPage(browser, "phone", { token });
  await phone.goto(`/playground?run=${runId}`);
  await expectFourAnswers(phone);
  await expect(cell(phone, 1, 1).locator(".playground-cell-text")).toHaveText(
    run.cells[0]?.text ?? "",
  );
  await expectNoSidewaysScroll(phone);
  await shot(phone, "playground-phone");

  // Chat: pick the template, its version and its variables, and get an answer.
  await page.goto("/chat");
  const picker = page.getByRole("combobox", { name: "Template", exact: true });
  await expect(picker.locator("option").first()).toHaveText("No template");
  await picker.selectOption({ label: template.title });
  await expect(page.getByRole("combobox", { name: "Template version" })).toHaveValue("latest");
  await page.getByLabel("topic").fill("owls");
  await page.getByLabel("mood").selectOption("happy");
  await shot(page, "chat-template-desktop");
  await page.getByRole("textbox", { name: "Message" }).fill("Say hello in one word.");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page).toHaveURL(/\/chat\/[^/]+$/, { timeout: 60_000 });
  const answer = page
    .getByRole("list", { name: "Messages" })
    .locator(".chat-message-assistant .chat-message-body");
  // The model answers under the template's system prompt. It gets a minute to finish; a
  // longer answer is stopped (SmolLM2 on two busy cores can take minutes for its whole budget).
  await expect
    .poll(async () => ((await answer.first().textContent()) ?? "").trim().length, {
      timeout: ANSWER_TIMEOUT,
    })
    .toBeGreaterThan(3);
  const send = page.getByRole("button", { name: "Send" });
  await send.waitFor({ timeout: 60_000 }).catch(() => undefined);
  const stop = page.getByRole("button", { name: "Stop" });
  if (await stop.isVisible()) await stop.click();
  await expect(send).toBeVisible({ timeout: 30_000 });
  // The session shows the template it runs (version 2, the latest when it started).
  await expect(page.getByText(`${template.title} · v2`)).toBeVisible();
  await expect(page.getByText("You are a poet. Write two short lines about owls")).toBeVisible();
  const sessionId = new URL(page.url()).pathname.split("/").pop() as string;
  const history = await request.get(`/api/llm/chat/session/${sessionId}/history`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(((await history.json()) as { template: unknown }).template).toMatchObject({
    id: template.id,
    version: 2,
  });
  await shot(page, "chat-template-session-desktop");

  // The picker at phone size.
  await phone.goto("/chat");
  await phone
    .getByRole("combobox", { name: "Template", exact: true })
    .selectOption({ label: template.title });
  await expect(phone.getByLabel("topic")).toBeVisible();
  await expectNoSidewaysScroll(phone);
  await shot(phone, "chat-template-phone");
});

/**
 * Test & Monitor in real Chromium against the real stack (scripts/test-e2e.sh: the embedded
 * llama.cpp with SmolLM2, a private Mosquitto, the backend's game bridge on it with every
 * project keyless). A message and a maze state published from the page go through the bridge
 * and the model, and what comes back shows in the live timeline; a result posted by a game
 * client over MQTT (mosquitto_pub) shows up as an event and in the results list.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, test } from "@playwright/test";
import {
  expectNoSidewaysScroll,
  freshUser,
  goVia,
  openPage,
  register,
  type SizeName,
  shot,
  tokenFor,
} from "./support";

const run = promisify(execFile);

/** The tiny model on a busy machine: an answer can take a while, never forever. */
const ANSWER_TIMEOUT = 120_000;

test.describe.configure({ timeout: 300_000 });

async function signedIn(
  browser: Parameters<typeof openPage>[0],
  request: Parameters<typeof register>[0],
  size: SizeName,
  colorScheme: "light" | "dark" = "light",
): Promise<Page> {
  const user = freshUser("monitor");
  await register(request, user);
  return openPage(browser, size, { token: await tokenFor(request, user), colorScheme });
}

async function expectBrokerConnected(page: Page): Promise<void> {
  const banner = page.getByRole("status", { name: "Game broker status" });
  await expect(
    banner,
    "the e2e backend runs its game bridge on a private Mosquitto (scripts/test-e2e.sh)",
  ).toContainText("Connected to the game broker", { timeout: 30_000 });
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ rule: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")) }));
}

function timelineItem(page: Page, kind: string) {
  return page.getByRole("list", { name: "Events, newest first" }).locator(`li.event-${kind}`);
}

test("a published message and maze state come back live in the timeline", async ({
  browser,
  request,
}) => {
  const page = await signedIn(browser, request, "desktop");
  await page.goto("/");
  await expect(page.getByRole("region", { name: "Game broker" })).toContainText("connected");
  await goVia(page, "Monitor");
  await expect(page.getByRole("heading", { name: "Test & Monitor", level: 1 })).toBeVisible();
  await expectBrokerConnected(page);

  await expect(page.getByLabel("Project")).toHaveValue("maze");
  await page.getByRole("button", { name: "New id" }).click();
  await expect(page).toHaveURL(/[?&]session=test-[0-9a-f]{6}/);
  const sessionId = await page.getByLabel("Session id").inputValue();
  await expect(page.getByRole("status").filter({ hasText: "Live" })).toBeVisible();

  // A question: the bridge answers it through the model, the reply shows.
  await page.getByLabel("Message", { exact: true }).fill("Say hello in three words.");
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByText("Sent. The answer shows in the live events.")).toBeVisible();
  await expect(timelineItem(page, "request")).toContainText("Say hello in three words.");
  const reply = timelineItem(page, "reply").first();
  await expect(reply).toBeVisible({ timeout: ANSWER_TIMEOUT });
  await expect(reply.locator(".event-summary")).not.toHaveText(/^(Reply)?$/);

  // The raw JSON opens from the keyboard.
  const rawToggle = reply.getByText("Raw JSON");
  await rawToggle.focus();
  await page.keyboard.press("Enter");
  await expect(reply.locator("pre")).toContainText(`"session_id": "${sessionId}"`);

  // A maze state (the sample, as the pygame client sends it): a hint, or an error carrying the
  // model's unreadable answer; either way the answer to the state arrives.
  await page.getByRole("radio", { name: "A game state" }).check();
  await expect(page.getByLabel("Game state (JSON)")).toHaveValue(/"visible_map"/);
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(timelineItem(page, "state")).toContainText("player at (1, 1), exit at (3, 3)");
  await expect(page.locator("li.event-hint, li.event-error").first()).toBeVisible({
    timeout: ANSWER_TIMEOUT,
  });

  // A game client posts its result over MQTT: an event, then a row in the results list.
  const port = process.env.E2E_MQTT_PORT;
  if (port) {
    await run("mosquitto_pub", [
      ...["-h", "127.0.0.1", "-p", port, "-q", "1"],
      ...["-t", `maze/result/${sessionId}`],
      ...["-m", JSON.stringify({ sessionId, score: 42, won: true, steps: 9 })],
    ]);
    await expect(timelineItem(page, "result")).toContainText("score 42, won true, steps 9");
    await expect(page.getByRole("list", { name: "Results, newest first" })).toContainText(
      "Result: score 42, won true, steps 9",
    );
  }

  await shot(page, "monitor/desktop-light");
  expect(await seriousViolations(page)).toEqual([]);
  await page.context().close();
});

test("works on a phone in the dark theme", async ({ browser, request }) => {
  const page = await signedIn(browser, request, "phone", "dark");
  await page.goto("/monitor?project=maze&session=phone-check");
  await expectBrokerConnected(page);
  await expect(page.getByLabel("Session id")).toHaveValue("phone-check");

  // A broken state is refused on the page, with the reason next to the field.
  await page.getByRole("radio", { name: "A game state" }).check();
  const state = page.getByLabel("Game state (JSON)");
  await state.fill("{ not json");
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(state).toBeFocused();
  await expect(page.getByText(/This is not valid JSON/)).toBeVisible();

  await page.getByRole("button", { name: "Reset to sample" }).click();
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(timelineItem(page, "state")).toBeVisible();

  await expectNoSidewaysScroll(page);
  await shot(page, "monitor/phone-dark");
  expect(await seriousViolations(page)).toEqual([]);
  await page.context().close();
});

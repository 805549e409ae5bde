import { expect, test } from "@playwright/test";
import { freshUser, logIn, shot } from "./support";

test("a streamed answer arrives, and Stop ends a long one", async ({ page, request }) => {
  const user = freshUser("chat");
  const registered = await request.post("/api/auth/register", {
    data: { email: user.email, password: user.password, display_name: user.displayName },
  });
  expect(registered.status()).toBe(201);

  await logIn(page, user);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Chat" }).click();
  await expect(page.getByRole("status", { name: "LLM status: ok" })).toBeVisible();

  const messages = page.getByRole("list", { name: "Messages" });
  const answers = messages.locator(".message-assistant");

  // Count how many different partial texts the answer shows while it streams in.
  await page.evaluate(() => {
    const seen = new Set<string>();
    (window as unknown as { __partials: Set<string> }).__partials = seen;
    new MutationObserver(() => {
      const answer = document.querySelector(".message-assistant:last-of-type .message-content");
      if (answer?.textContent) seen.add(answer.textContent);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });

  await page.getByRole("textbox", { name: "Message" }).fill("Which city is the capital of France?");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(answers.first()).toContainText("Paris", { timeout: 60_000 });
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  const partials = await page.evaluate(
    () => (window as unknown as { __partials: Set<string> }).__partials.size,
  );
  expect(partials).toBeGreaterThan(1);
  await expect(
    page.getByRole("navigation", { name: "Chat sessions" }).getByRole("listitem"),
  ).toHaveCount(1);
  await shot(page, "10-chat-answer");

  await page
    .getByRole("textbox", { name: "Message" })
    .fill("Write a very long story, at least 600 words, about a dragon who learns to cook.");
  await page.getByRole("button", { name: "Send" }).click();
  const second = answers.nth(1).locator(".message-content");
  // Let a little of the story arrive, then stop it long before its 512 tokens are done.
  await expect
    .poll(async () => (await second.textContent())?.length ?? 0, { timeout: 60_000 })
    .toBeGreaterThan(40);
  await page.getByRole("button", { name: "Stop" }).click();

  await expect(answers.nth(1)).toContainText("stopped");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  const stoppedText = await second.textContent();
  expect(stoppedText?.length ?? 0).toBeGreaterThan(0);
  await page.waitForTimeout(1_000);
  expect(await second.textContent()).toBe(stoppedText);
  await shot(page, "11-chat-stopped");

  // The session keeps both turns, the stopped answer as far as it got; reopen it, then delete it.
  const sessions = page.getByRole("navigation", { name: "Chat sessions" });
  await sessions.getByRole("button", { name: "New chat" }).click();
  await expect(page.getByText("No messages yet.")).toBeVisible();
  await sessions.getByRole("button", { name: /^Which city is the capital/ }).click();
  await expect(answers).toHaveCount(2);
  await expect(answers.first()).toContainText("Paris");
  await expect(answers.nth(1)).toContainText("stopped");
  await expect(messages.getByText(/Write a very long story/)).toBeVisible();
  await shot(page, "12-chat-history");
  await sessions.getByRole("button", { name: /Delete session/ }).click();
  await expect(sessions.getByText("No sessions yet.")).toBeVisible();
  await expect(page.getByText("No messages yet.")).toBeVisible();
});

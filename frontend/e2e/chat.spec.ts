/**
 * The chat in real Chromium against the real stack (scripts/test-e2e.sh: embedded llama.cpp
 * with SmolLM2 at temperature 0, the backend, the built front end), at desktop and phone size.
 * What the screen shows is checked against what the API says is stored.
 *
 * The "LLM goes away" test starts a second backend of its own whose LLM address is a TCP relay
 * to the real llama.cpp server: closing the relay is, for that portal, the model going away
 * (connections refused), and opening it again brings the model back.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { type APIRequestContext, expect, type Locator, type Page, test } from "@playwright/test";
import { freshUser, type TestUser } from "./support";

const SCREENSHOTS = "screenshots";
const SIZES = [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
] as const;

const LONG_STORY =
  "Write a very long story, at least 800 words, about a dragon who learns to cook. Use many short paragraphs.";

interface Signed {
  user: TestUser;
  token: string;
}

/** A new account, signed in through the API (for setting up data) and in the page. */
async function signUp(page: Page, request: APIRequestContext, baseURL = ""): Promise<Signed> {
  const user = freshUser("chat");
  const registered = await request.post(`${baseURL}/api/auth/register`, {
    data: { email: user.email, password: user.password, display_name: user.displayName },
  });
  expect(registered.status()).toBe(201);
  const login = await request.post(`${baseURL}/api/auth/login`, {
    data: { email: user.email, password: user.password },
  });
  expect(login.ok()).toBe(true);
  const { access_token: token } = (await login.json()) as { access_token: string };

  await page.goto(`${baseURL}/login`);
  await page.getByLabel("Email", { exact: true }).fill(user.email);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login/);
  return { user, token };
}

interface StoredMessage {
  id: number;
  role: string;
  content: string;
  status: "complete" | "stopped" | "failed";
}

interface Summary {
  session_id: string;
  title: string;
  message_count: number;
}

function api(request: APIRequestContext, token: string, baseURL = "") {
  const headers = { Authorization: `Bearer ${token}` };
  return {
    async sessions(q?: string): Promise<Summary[]> {
      const response = await request.get(`${baseURL}/api/llm/chat/sessions`, {
        headers,
        ...(q ? { params: { q } } : {}),
      });
      expect(response.ok()).toBe(true);
      return (await response.json()) as Summary[];
    },
    async history(id: string): Promise<StoredMessage[]> {
      const response = await request.get(`${baseURL}/api/llm/chat/session/${id}/history`, {
        headers,
      });
      expect(response.ok()).toBe(true);
      const body = (await response.json()) as { messages: StoredMessage[] };
      return body.messages.filter((message) => message.role !== "system");
    },
    /** One short, non-streamed turn (a few tokens): fast data for a test. */
    async turn(message: string, sessionId?: string, maxTokens = 4): Promise<string> {
      const response = await request.post(`${baseURL}/api/llm/chat/session`, {
        headers,
        data: { message, max_tokens: maxTokens, ...(sessionId ? { session_id: sessionId } : {}) },
        timeout: 120_000,
      });
      expect(response.ok()).toBe(true);
      return ((await response.json()) as { session_id: string }).session_id;
    },
  };
}

const messageBox = (page: Page) => page.getByRole("textbox", { name: "Message" });
const messageList = (page: Page) => page.getByRole("list", { name: "Messages" });
const answers = (page: Page) => messageList(page).locator(".chat-message-assistant");
const questions = (page: Page) => messageList(page).locator(".chat-message-user");
const sidebar = (page: Page) => page.getByRole("navigation", { name: "Chat sessions" });

async function send(page: Page, text: string) {
  await messageBox(page).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

/** On a phone the chats live in a drawer: open it (a no-op on the desktop). */
async function showSidebar(page: Page) {
  const toggle = page.getByRole("button", { name: "Chats" });
  if (await toggle.isVisible()) {
    if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  }
  await expect(sidebar(page)).toBeVisible();
}

async function hideSidebar(page: Page) {
  const toggle = page.getByRole("button", { name: "Chats" });
  if ((await toggle.isVisible()) && (await toggle.getAttribute("aria-expanded")) === "true") {
    await page.keyboard.press("Escape");
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
  }
}

/** Letters and digits only: Markdown on screen and the raw stored text compare equal. */
function words(text: string): string {
  return text.replace(/[^\p{L}\p{N}]+/gu, "");
}

async function textLength(locator: Locator): Promise<number> {
  return ((await locator.textContent()) ?? "").length;
}

/** The message box is on screen without scrolling, and nothing scrolls sideways. */
async function expectComposeInView(page: Page) {
  const viewport = page.viewportSize();
  const box = await messageBox(page).boundingBox();
  expect(box).not.toBeNull();
  expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(viewport?.height ?? 0);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
    viewport?.width ?? 0,
  );
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png` });
}

async function expectNoSeriousAxeViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter(
    (violation) => violation.impact === "serious" || violation.impact === "critical",
  );
  expect(
    serious.map(
      (violation) => `${violation.id}: ${violation.nodes.map((n) => n.target).join(" ")}`,
    ),
  ).toEqual([]);
}

for (const size of SIZES) {
  test.describe(`chat at ${size.name} size`, () => {
    test.use({ viewport: size.viewport });
    // The model shares two CPU cores with everything else here: answers can be slow.
    test.setTimeout(180_000);

    test("stopping the first answer of a new chat keeps one session with the question and the stopped answer", async ({
      page,
      request,
    }) => {
      const { token } = await signUp(page, request);
      const store = api(request, token);
      await page.goto("/chat");
      await expect(page.getByText("No messages yet.")).toBeVisible();
      await expectComposeInView(page);

      await send(page, LONG_STORY);
      // The first event names the session: the address becomes the chat's own at once.
      await expect(page).toHaveURL(/\/chat\/[^/]+$/, { timeout: 60_000 });
      const sessionId = new URL(page.url()).pathname.split("/").pop() as string;
      const answer = answers(page).first().locator(".chat-message-body");
      await expect.poll(() => textLength(answer), { timeout: 60_000 }).toBeGreaterThan(40);
      await page.getByRole("button", { name: "Stop" }).click();

      await expect(answers(page).first()).toContainText("stopped");
      await expect(questions(page).first()).toContainText("Write a very long story");
      await expect(page.getByRole("button", { name: "Send" })).toBeVisible();

      // Exactly one session, holding the question and the stopped answer: what the screen shows.
      await expect.poll(async () => (await store.history(sessionId)).length).toBe(2);
      const [question, stored] = await store.history(sessionId);
      expect(question).toMatchObject({ role: "user", content: LONG_STORY, status: "complete" });
      expect(stored?.role).toBe("assistant");
      expect(stored?.status).toBe("stopped");
      expect(stored?.content.length ?? 0).toBeGreaterThan(0);
      // The screen shows the stored text (read back once the turn ended).
      await expect
        .poll(async () => words((await answer.textContent()) ?? ""))
        .toContain(words(stored?.content ?? "").slice(0, 24));
      expect(await store.sessions()).toHaveLength(1);
      await showSidebar(page);
      await expect(sidebar(page).getByRole("listitem")).toHaveCount(1);
      await expect(
        sidebar(page).getByRole("link", { name: /Write a very long story/ }),
      ).toHaveAttribute("href", `/chat/${sessionId}`);
      await hideSidebar(page);
      await shot(page, `chat-${size.name}-stopped`);

      // Reload: the same chat, statuses included.
      await page.reload();
      await expect(questions(page)).toHaveCount(1);
      await expect(questions(page).first()).toContainText("Write a very long story");
      await expect(answers(page).first()).toContainText("stopped");
      await expectComposeInView(page);

      // The next message continues this session; still no other session.
      await send(page, "Say hello in one word.");
      const second = answers(page).nth(1).locator(".chat-message-body");
      await expect.poll(() => textLength(second), { timeout: 90_000 }).toBeGreaterThan(2);
      // The model may go on with the story (its context holds the stopped answer): stop it,
      // unless it has just finished by itself.
      await page
        .getByRole("button", { name: "Stop" })
        .click({ timeout: 2_000 })
        .catch(() => undefined);
      await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
      await expect(answers(page)).toHaveCount(2);
      expect(new URL(page.url()).pathname).toBe(`/chat/${sessionId}`);
      expect(await store.sessions()).toHaveLength(1);
      await expect.poll(async () => (await store.history(sessionId)).length).toBe(4);
      await shot(page, `chat-${size.name}-light`);
      await page.emulateMedia({ colorScheme: "dark" });
      await shot(page, `chat-${size.name}-dark`);
      await expectNoSeriousAxeViolations(page);
      await page.emulateMedia({ colorScheme: "light" });
      await expectNoSeriousAxeViolations(page);
    });

    test("scrolling up while an answer streams stays put; Jump to latest follows again", async ({
      page,
      request,
    }) => {
      const { token } = await signUp(page, request);
      const store = api(request, token);
      // Earlier turns (long notes, short answers), so the conversation is taller than its
      // window from the start and the story asked for next fits what came before.
      const notes = [
        "I am writing a children's book about a dragon named Ember who lives in a cave above a small village and dreams of cooking for the villagers instead of frightening them.",
        "Ember's first attempt is a pot of soup that boils over because dragon fire is far too hot, so Ember has to learn to breathe gently and patiently, like a candle rather than a furnace.",
        "The village baker, an old woman called Marta, is the only one brave enough to teach Ember, and she starts with bread, because bread teaches patience, timing and care.",
        "By the end of the book Ember cooks a feast for the whole village at the harvest festival, and the children who once ran away now sit on Ember's tail to eat their pie.",
      ];
      let sessionId = await store.turn(`Notes for my story, part 1: ${notes[0]} ${notes[0]}`);
      for (const [index, note] of notes.slice(1).entries()) {
        sessionId = await store.turn(`Part ${index + 2}: ${note} ${note}`, sessionId);
      }
      await page.goto(`/chat/${sessionId}`);
      await expect(questions(page)).toHaveCount(4);
      const list = messageList(page);
      const distance = () =>
        list.evaluate((element) => element.scrollHeight - element.clientHeight - element.scrollTop);
      const jump = page.getByRole("button", { name: /Jump to latest/ });
      const stop = page.getByRole("button", { name: "Stop" });
      await expect.poll(distance).toBeLessThan(50);

      await send(
        page,
        "Now write the whole story of Ember, at least 800 words, in short paragraphs.",
      );
      const answer = answers(page).nth(4).locator(".chat-message-body");
      await expect.poll(() => textLength(answer), { timeout: 60_000 }).toBeGreaterThan(20);
      await expect.poll(distance).toBeLessThan(50); // following at the bottom

      // The reader scrolls up to read something earlier, while the answer goes on.
      await list.hover();
      await page.mouse.wheel(0, -700);
      await expect(jump).toBeVisible();
      const top = await list.evaluate((element) => element.scrollTop);
      const before = await textLength(answer);
      await expect.poll(() => textLength(answer), { timeout: 30_000 }).toBeGreaterThan(before + 20);
      expect(Math.abs((await list.evaluate((element) => element.scrollTop)) - top)).toBeLessThan(2);
      await expect(jump).toBeVisible();
      await shot(page, `chat-${size.name}-reading-above`);

      // Jump to latest: back at the bottom, following what still arrives.
      await jump.click();
      await expect(jump).toBeHidden();
      await expect.poll(distance).toBeLessThan(50);
      if (await stop.isVisible()) {
        const grown = await textLength(answer);
        await expect
          .poll(async () => (await textLength(answer)) > grown + 10 || !(await stop.isVisible()), {
            timeout: 30_000,
          })
          .toBe(true);
        await expect.poll(distance).toBeLessThan(50);
        if (await stop.isVisible()) await stop.click();
      }
      await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
    });

    test("rename, search, delete with undo", async ({ page, request }) => {
      const { token } = await signUp(page, request);
      const store = api(request, token);
      const zebra = await store.turn("Tell me one fact about zebras.");
      await store.turn("Name a colour.");
      await page.goto("/chat");
      await showSidebar(page);
      const links = sidebar(page).getByRole("link", { name: /messages/ });
      await expect(links).toHaveCount(2);
      await expect(sidebar(page).getByRole("heading", { name: "Today" })).toBeVisible();

      // Search reaches message text, through the API's ?q=.
      await sidebar(page).getByRole("searchbox", { name: "Search chats" }).fill("zebras");
      await expect(links).toHaveCount(1);
      await expect(links.first()).toHaveAttribute("href", `/chat/${zebra}`);

      // Rename in place.
      await sidebar(page)
        .getByRole("button", { name: /^Rename chat/ })
        .click();
      const title = sidebar(page).getByRole("textbox", { name: "Chat title" });
      await title.fill("Zebra facts");
      await title.press("Enter");
      await expect(sidebar(page).getByRole("link", { name: /^Zebra facts/ })).toBeVisible();
      expect((await store.sessions()).find((s) => s.session_id === zebra)?.title).toBe(
        "Zebra facts",
      );
      await sidebar(page).getByRole("searchbox", { name: "Search chats" }).fill("");
      await expect(links).toHaveCount(2);
      if (size.name === "phone") await shot(page, "chat-phone-drawer");

      // Delete, then undo.
      await sidebar(page).getByRole("button", { name: "Delete chat Zebra facts" }).click();
      await expect(sidebar(page).getByRole("link", { name: /^Zebra facts/ })).toBeHidden();
      expect((await store.sessions()).map((s) => s.session_id)).not.toContain(zebra);
      const toast = page.getByRole("status").filter({ hasText: "Deleted “Zebra facts”." });
      await expect(toast).toBeVisible();
      await toast.getByRole("button", { name: "Undo" }).click();
      await showSidebar(page);
      await expect(sidebar(page).getByRole("link", { name: /^Zebra facts/ })).toBeVisible();
      expect((await store.sessions()).map((s) => s.session_id)).toContain(zebra);

      // Open it by its link.
      await sidebar(page)
        .getByRole("link", { name: /^Zebra facts/ })
        .click();
      await expect(page).toHaveURL(new RegExp(`/chat/${zebra}$`));
      await expect(questions(page).first()).toContainText("zebras");
    });

    test("an unknown chat address says so, with a way to a new chat", async ({ page, request }) => {
      await signUp(page, request);
      await page.goto("/chat/no-such-chat");
      await expect(page.getByText("Chat not found.")).toBeVisible();
      await page.getByRole("link", { name: "Start a new chat" }).click();
      await expect(page).toHaveURL(/\/chat$/);
      await expect(page.getByText("No messages yet.")).toBeVisible();
    });
  });
}

test.describe("chat actions", () => {
  test.use({ viewport: SIZES[0].viewport });
  test.setTimeout(180_000);

  test("regenerate replaces the last answer; edit-and-resend drops the turns after the question", async ({
    page,
    request,
  }) => {
    const { token } = await signUp(page, request);
    const store = api(request, token);
    const sessionId = await store.turn("What is 2 + 2? Answer with a number.", undefined, 8);
    await store.turn("Name one primary colour.", sessionId, 8);
    await page.goto(`/chat/${sessionId}`);
    await expect(answers(page)).toHaveCount(2);
    const [, , , oldAnswer] = await store.history(sessionId);

    // A short answer may come and go before a Stop button could be seen: follow the request.
    const regenerated = page.waitForResponse(
      (response) =>
        response.request().method() === "POST" &&
        response.url().endsWith(`/api/llm/chat/session/${sessionId}/regenerate`),
      { timeout: 90_000 },
    );
    await answers(page).nth(1).getByRole("button", { name: "Regenerate" }).click();
    expect((await regenerated).ok()).toBe(true);
    await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
    await expect(answers(page)).toHaveCount(2);
    await expect
      .poll(async () => (await store.history(sessionId)).at(-1)?.id, { timeout: 30_000 })
      .not.toBe(oldAnswer?.id);
    const afterRegenerate = await store.history(sessionId);
    expect(afterRegenerate).toHaveLength(4);
    expect(afterRegenerate[3]?.status).toBe("complete");
    await expect
      .poll(async () =>
        words((await answers(page).nth(1).locator(".chat-message-body").textContent()) ?? ""),
      )
      .toContain(words(afterRegenerate[3]?.content ?? "").slice(0, 12));

    // Edit the first question: the answer and the second turn go; the new question is answered.
    await questions(page).first().getByRole("button", { name: "Edit" }).click();
    const box = page.getByRole("textbox", { name: "Edited message" });
    await box.fill("Write a Python function that adds two numbers, in a code block.");
    await page.getByRole("button", { name: "Send edit" }).click();
    await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
    await expect(questions(page)).toHaveCount(1);
    await expect(answers(page)).toHaveCount(1);
    await expect.poll(async () => (await store.history(sessionId)).length).toBe(2);
    const edited = await store.history(sessionId);
    expect(edited[0]?.content).toBe(
      "Write a Python function that adds two numbers, in a code block.",
    );
    expect(edited[1]?.status).toBe("complete");
    expect(await store.sessions()).toHaveLength(1);

    // Markdown: the code block has its language, monospace text and a copy button.
    const block = answers(page).first().locator(".code-block").first();
    await expect(block).toBeVisible();
    await expect(block.getByRole("button", { name: /^Copy/ })).toBeVisible();
    const font = await block
      .locator("pre")
      .evaluate((element) => getComputedStyle(element).fontFamily);
    expect(font).toMatch(/mono|Menlo|Consolas/i);
    await shot(page, "chat-desktop-code");
    await page.emulateMedia({ colorScheme: "dark" });
    await shot(page, "chat-desktop-code-dark");
  });
});

/** A TCP relay to `target` that can refuse connections (the model "goes away") and come back. */
class Relay {
  private server: net.Server | undefined;
  private sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A second portal (own database) whose LLM is reached through `relay`. */
async function startPortal(relay: Relay): Promise<{ url: string; stop: () => Promise<void> }> {
  const repo = path.resolve(process.cwd(), "..");
  const python = process.env.PYTHON ?? path.join(repo, ".venv/bin/python");
  const work = mkdtempSync(path.join(tmpdir(), "chat-e2e-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(
    python,
    ["-m", "app.server", "--host", "127.0.0.1", "--port", String(port)],
    {
      cwd: path.join(repo, "backend"),
      env: {
        ...process.env,
        DATABASE_URL: `sqlite+aiosqlite:///${work}/portal.db`,
        LLM_SERVER_URL: `http://127.0.0.1:${relay.port}`,
        LLM_TEMPERATURE: "0",
        ENVIRONMENT: "development",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(work, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await stop();
  throw new Error(`The second portal did not start:\n${output.slice(-3000)}`);
}

test.describe("the model goes away", () => {
  test.use({ viewport: SIZES[0].viewport });
  let relay: Relay | undefined;
  let portal: { url: string; stop: () => Promise<void> } | undefined;

  test.afterEach(async () => {
    await portal?.stop();
    await relay?.close();
  });

  test("a plain message and Retry; the input waits for the model; Retry works once it is back", async ({
    page,
    request,
  }) => {
    test.setTimeout(180_000);
    const health = await request.get("/api/llm/health");
    const llm = new URL(((await health.json()) as { server_url: string }).server_url);
    relay = new Relay({ host: llm.hostname, port: Number(llm.port) });
    await relay.open();
    portal = await startPortal(relay);
    const base = portal.url;
    const { token } = await signUp(page, request, base);
    const store = api(request, token, base);

    await page.goto(`${base}/chat`);
    await expect(page.getByRole("status", { name: /LLM status: (ok|busy)/ })).toBeVisible();
    const question = "Reply with the single word: yes";
    await messageBox(page).fill(question);

    await relay.close(); // the model goes away
    await page.getByRole("button", { name: "Send" }).click();

    const notice = page.getByRole("alert").filter({ hasText: "The model is offline" });
    await expect(notice).toBeVisible();
    await expect(notice).not.toContainText("make llm");
    await expect(notice.getByRole("button", { name: "Retry" })).toBeVisible();
    await expect(messageBox(page)).toContainText(question);
    await expect(messageBox(page)).toHaveAttribute("contenteditable", "false");
    await expect(page.getByRole("status", { name: "LLM status: offline" })).toBeVisible();
    await expect(page.getByText("No messages yet.")).toBeVisible();
    expect(await store.sessions()).toEqual([]); // nothing stored, no empty session
    await shot(page, "chat-desktop-offline");

    await relay.open(); // the model is back
    await expect(messageBox(page)).toHaveAttribute("contenteditable", "true", { timeout: 15_000 });
    await expect(page.getByRole("alert")).toContainText("The model is back");
    await page.getByRole("button", { name: "Retry" }).click();

    await expect(page).toHaveURL(/\/chat\/[^/]+$/, { timeout: 60_000 });
    await expect(page.getByRole("button", { name: "Send" })).toBeVisible({ timeout: 90_000 });
    await expect(questions(page)).toHaveCount(1);
    await expect(answers(page)).toHaveCount(1);
    await expect(page.getByRole("alert")).toHaveCount(0);
    const sessions = await store.sessions();
    expect(sessions).toHaveLength(1);
    const stored = await store.history(sessions[0]?.session_id as string);
    expect(stored.map((m) => [m.role, m.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(stored[0]?.content).toBe(question);
  });
});

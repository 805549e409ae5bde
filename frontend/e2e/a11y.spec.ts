import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, test } from "@playwright/test";
import {
  ADMIN,
  expectNoSidewaysScroll,
  freshUser,
  openPage,
  register,
  SIZES,
  type SizeName,
  shot,
  tokenFor,
} from "./support";

/**
 * Every page, at phone and desktop size, in the light and the dark theme (the device's
 * setting, which the app follows): axe-core finds no serious or critical WCAG 2.1 A/AA
 * violation, the phone never scrolls sideways, and a screenshot of each is saved for a person
 * to look at (screenshots/pages/<page>-<size>-<theme>.png).
 */
const THEMES = ["light", "dark"] as const;

const SIGNED_OUT: [string, string, string][] = [
  ["login", "/login", "Log in"],
  ["register", "/register", "Create an account"],
];

const SIGNED_IN: [string, string, string][] = [
  ["dashboard", "/", "Welcome, Admin"],
  ["chat", "/chat", "Chat"],
  ["templates", "/templates", "Templates"],
  ["template-new", "/templates/new", "New template"],
  ["playground", "/playground", "Playground"],
  // No session: a watched one keeps its live feed open, so the network never goes idle
  // (monitor.spec.ts audits the page with its timeline full).
  ["monitor", "/monitor", "Test & Monitor"],
  ["settings", "/settings", "Settings"],
  ["keys", "/settings/keys", "API keys"],
  ["account", "/account", "Account"],
  ["admin-users", "/admin/users", "Users"],
];

interface Finding {
  page: string;
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

async function audit(page: Page, name: string): Promise<Finding[]> {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      page: name,
      rule: v.id,
      impact: v.impact ?? "",
      help: v.help,
      targets: v.nodes.slice(0, 5).map((node) => node.target.join(" ")),
    }));
}

/** Opens a page once, then audits and photographs it in each theme in turn. */
async function visit(
  page: Page,
  [name, path, heading]: [string, string, string],
  size: SizeName,
): Promise<Finding[]> {
  await page.goto(path);
  await expect(page.getByRole("heading", { name: heading, level: 1 })).toBeAttached();
  await page.waitForLoadState("networkidle");
  if (size === "phone") await expectNoSidewaysScroll(page);
  const findings: Finding[] = [];
  const backgrounds = new Set<string>();
  for (const theme of THEMES) {
    // The colours follow the device's setting through CSS alone (no transitions), so
    // switching it repaints at once; the page's background proves the switch happened.
    await page.emulateMedia({ colorScheme: theme });
    backgrounds.add(await page.evaluate(() => getComputedStyle(document.body).backgroundColor));
    await shot(page, `pages/${name}-${size}-${theme}`);
    findings.push(...(await audit(page, `${name} (${size}, ${theme})`)));
  }
  expect(backgrounds.size, `${name}: light and dark look the same`).toBe(THEMES.length);
  return findings;
}

test.beforeAll(async ({ request }) => {
  // Something in every list: other accounts for the users page, a key for the keys page.
  for (const tag of ["listed-a", "listed-b"]) await register(request, freshUser(tag));
  const token = await tokenFor(request, ADMIN);
  const keys = await request.get("/api/keys", { headers: { Authorization: `Bearer ${token}` } });
  if (((await keys.json()) as unknown[]).length === 0) {
    await request.post("/api/keys", {
      headers: { Authorization: `Bearer ${token}` },
      data: { name: "maze game client", expires_in_days: 90 },
    });
  }
});

for (const size of Object.keys(SIZES) as SizeName[]) {
  test(`no serious accessibility problem on any page (${size}, light and dark)`, async ({
    browser,
    request,
  }) => {
    // 12 pages × 2 themes: 24 audits, ~45 s alone and longer beside the backend's tests.
    test.setTimeout(240_000);
    const findings: Finding[] = [];

    const out = await openPage(browser, size);
    for (const entry of SIGNED_OUT) findings.push(...(await visit(out, entry, size)));
    await out.context().close();

    const page = await openPage(browser, size, { token: await tokenFor(request, ADMIN) });
    for (const entry of SIGNED_IN) findings.push(...(await visit(page, entry, size)));
    await page.context().close();

    expect(findings, JSON.stringify(findings, null, 2)).toEqual([]);
  });
}

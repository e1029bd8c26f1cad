import { mkdirSync, readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../api/test/access-client.ts";
import { E2E_ADMIN as ADMIN, ensureBuilt, type RunningServer, startServer } from "./server.ts";
import { signInThroughPage } from "./sign-in.ts";
import { SHOTS, axeViolations, launchChromium, shot } from "./browser.ts";

/**
 * Settings for admins in Chromium against the real API: invitations that create a working account, API
 * keys that open an export until revoked, role changes with their confirmations and server refusals, and
 * the audit log recording all of it (filters, Load more, CSV). Non-admins see none of it. axe checks each
 * section, with and without a dialog open.
 */

const INVITED = { email: "casey@example.com", name: "Casey Finance", password: "casey-first-pass-22" };

/** The answers a test provokes on purpose (a 400 from the API), which the browser logs as errors. */
const REFUSED = [/\/api\/trpc\/users\./, /\/api\/trpc\/apiKeys\./, /status of 400/];

let server: RunningServer;
let browser: Browser;
let admin: BrowserContext;
const problems: string[] = [];

async function open(context: BrowserContext, path: string, expected: RegExp[] = []): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`${path}: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !expected.some((r) => r.test(m.text()))) problems.push(`${path}: console.error ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && !expected.some((x) => x.test(r.url()))) problems.push(`${path}: HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(server.url + path);
  return page;
}

/** A tRPC query with the page's own session cookie. */
async function query<T>(page: Page, path: string, input?: unknown): Promise<T> {
  const qs = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const body = await page.evaluate(async (url) => (await fetch(url)).json(), `/api/trpc/${path}${qs}`);
  if (!body.result) throw new Error(`${path}: ${JSON.stringify(body.error)}`);
  return body.result.data as T;
}

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ runs: 40 });
  browser = await launchChromium();
  admin = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: "UTC", locale: "en-US", acceptDownloads: true });
  await admin.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  await signInThroughPage(admin, server.url, ADMIN);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("settings for admins in Chromium", () => {
  it("invites a user whose one-time link sets a password and signs them in", async () => {
    const page = await open(admin, "/settings?section=users&tz=UTC", REFUSED);
    await page.getByRole("navigation", { name: "Settings sections" }).waitFor();
    await page.locator(`tr[data-user='${ADMIN.email}']`).waitFor();
    expect(await page.locator(`tr[data-user='${ADMIN.email}']`).textContent()).toContain("you");

    const form = page.getByRole("form", { name: "Invite a user" });
    await form.getByLabel("Email").fill(INVITED.email);
    await form.getByLabel("Role").selectOption("finance");
    await form.getByRole("button", { name: "Create invitation link" }).click();
    const link = page.getByLabel(`Setup link for ${INVITED.email} (finance)`);
    await link.waitFor();
    const url = await link.inputValue();
    expect(url).toMatch(new RegExp(`^${server.url}/setup\\?token=[^&]{20,}$`));
    const box = page.locator(`[data-invitation='${INVITED.email}']`);
    expect(await box.textContent()).toContain("shown only now");
    // Listed as pending (users.invitations) until it is used or revoked.
    expect(await page.locator(`tr[data-pending-invitation='${INVITED.email}']`).textContent()).toContain("finance");
    // Seven days from now, in the zone of the page (UTC here): the expiry printed is the API's.
    const audit = await query<{ items: { action: string; after: { expiresAt: number } }[] }>(page, "audit.list", { action: "users.invite" });
    const expiresAt = audit.items[0]!.after.expiresAt;
    expect(Math.abs(expiresAt - (Date.now() + 7 * 86_400_000))).toBeLessThan(120_000);
    const shown = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(expiresAt);
    expect(await box.textContent()).toContain(shown);
    // The Copy button puts the link on the clipboard and says so.
    await box.getByRole("button", { name: "Copy" }).click();
    await box.getByRole("status").filter({ hasText: "Copied." }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    expect(await axeViolations(page, "main")).toEqual([]);
    await shot(page, "users");
    // An email that has an account is refused by the API, and the message stands beside the email field.
    await form.getByLabel("Email").fill(ADMIN.email);
    await form.getByRole("button", { name: "Create invitation link" }).click();
    const error = page.locator(".field-error", { hasText: `${ADMIN.email} already has an account` });
    await error.waitFor();
    const email = form.getByLabel("Email");
    expect(await email.getAttribute("aria-invalid")).toBe("true");
    expect(await email.getAttribute("aria-describedby")).toBe(await error.getAttribute("id"));
    expect(await axeViolations(page, "main")).toEqual([]);
    await page.close();

    // A fresh browser, signed out: the link creates the account and signs in as finance.
    const guest = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: "UTC", locale: "en-US" });
    const setup = await guest.newPage();
    await setup.goto(url);
    await setup.getByLabel("Name").fill(INVITED.name);
    await setup.getByLabel("Password", { exact: true }).fill(INVITED.password);
    await setup.getByLabel("Confirm password").fill(INVITED.password);
    await setup.getByRole("button", { name: "Create account and sign in" }).click();
    await setup.waitForURL((u) => u.pathname === "/");
    const me = await query<{ label: string; role: string }>(setup, "system.me");
    expect(me).toMatchObject({ label: INVITED.email, role: "finance" });
    // The link worked once.
    const again = await setup.evaluate(async (u) => (await fetch(`/api/setup?token=${new URL(u).searchParams.get("token")}`)).status, url);
    expect(again).toBe(400);
    await guest.close();

    // And that user signs in with the password they chose.
    const casey = await browser.newContext({ timezoneId: "UTC", locale: "en-US" });
    await signInThroughPage(casey, server.url, INVITED);
    const check = await casey.newPage();
    await check.goto(`${server.url}/`);
    expect(await query<{ label: string }>(check, "system.me")).toMatchObject({ label: INVITED.email });
    await casey.close();
  });

  it("changes a role, asks before an admin is demoted, and shows the last-admin refusal by the field", async () => {
    const page = await open(admin, "/settings?section=users&tz=UTC", REFUSED);
    const caseyRole = page.getByLabel(`Role of ${INVITED.email}`);
    await caseyRole.waitFor();
    expect(await caseyRole.inputValue()).toBe("finance");
    // Not an admin and not oneself: no question asked once Apply is pressed.
    await caseyRole.selectOption("reviewer");
    const apply = page.getByRole("button", { name: `Apply role reviewer to ${INVITED.email}` });
    await Promise.all([page.waitForResponse((r) => r.url().includes("users.setRole") && r.status() === 200), apply.click()]);
    await expect.poll(async () => (await query<{ email: string; role: string }[]>(page, "users.list")).find((u) => u.email === INVITED.email)?.role).toBe("reviewer");
    await expect.poll(() => caseyRole.inputValue()).toBe("reviewer");

    // Demoting oneself asks first; focus goes to Cancel, Escape cancels and gives focus back.
    const mine = page.getByLabel(`Role of ${ADMIN.email}`);
    await mine.selectOption("viewer");
    await page.getByRole("button", { name: `Apply role viewer to ${ADMIN.email}` }).click();
    const dialog = page.getByRole("dialog", { name: "Give up your admin role?" });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Cancel");
    expect(await axeViolations(page, "main")).toEqual([]);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await mine.inputValue()).toBe("admin");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(`Role of ${ADMIN.email}`);

    // Confirmed, the API refuses (the only admin user) and the select shows why.
    await mine.selectOption("viewer");
    await page.getByRole("button", { name: `Apply role viewer to ${ADMIN.email}` }).click();
    await page.getByRole("button", { name: "Make me viewer" }).click();
    const error = page.locator(`tr[data-user='${ADMIN.email}'] .field-error`);
    await error.waitFor();
    expect(await error.textContent()).toContain("last admin");
    expect(await mine.getAttribute("aria-describedby")).toBe(await error.getAttribute("id"));
    await expect.poll(() => mine.inputValue()).toBe("admin");
    expect((await query<{ email: string; role: string }[]>(page, "users.list")).find((u) => u.email === ADMIN.email)?.role).toBe("admin");
    await page.close();
  });

  let keyId = "";
  it("creates an API key shown once that reads an export until it is revoked", async () => {
    const page = await open(admin, "/settings?section=api-keys&tz=UTC", REFUSED);
    const form = page.getByRole("form", { name: "Create an API key" });
    await form.getByLabel("Name").fill("bi-tool");
    await form.getByLabel("Role").selectOption("viewer");
    await form.getByRole("button", { name: "Create key" }).click();
    const secret = await page.getByLabel('Secret of "bi-tool" (viewer)').inputValue();
    expect(secret).toMatch(/^tally_[A-Za-z0-9_-]{30,}$/);
    const box = page.locator("[data-new-key='bi-tool']");
    expect(await box.textContent()).toContain("shown only this once");
    const curl = await box.getByLabel("Try it: the last 7 days of runs as CSV").inputValue();
    const m = /^curl -H "Authorization: Bearer ([^"]+)" "([^"]+)"$/.exec(curl);
    expect(m?.[1]).toBe(secret);
    expect(m?.[2]?.startsWith(`${server.url}/api/export/runs.csv?input=`)).toBe(true);
    const row = page.locator("tr[data-api-key='bi-tool']");
    await row.waitFor();
    expect(await row.textContent()).toContain(`${secret.slice(0, 10)}…`);
    expect(await row.locator("td").nth(5).textContent()).toBe("never");
    expect(await axeViolations(page, "main")).toEqual([]);
    await shot(page, "api-keys");

    // The command the page printed works, with the key as its only credential.
    const exported = await fetch(m![2]!, { headers: { authorization: `Bearer ${secret}` } });
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-type")).toContain("text/csv");
    expect((await exported.text()).split("\r\n")[0]).toContain("run_id");
    expect((await fetch(m![2]!)).status).toBe(401);

    // Used now: the table says so after a reload (and the secret is gone from the page for good).
    await page.reload();
    await row.waitFor();
    expect(await row.locator("td").nth(5).textContent()).toBe("just now");
    expect(await page.content()).not.toContain(secret);
    keyId = (await query<{ id: string; name: string }[]>(page, "apiKeys.list")).find((k) => k.name === "bi-tool")!.id;

    await page.getByRole("button", { name: "Revoke bi-tool" }).click();
    const dialog = page.getByRole("dialog", { name: 'Revoke the key "bi-tool"?' });
    await dialog.waitFor();
    expect(await axeViolations(page, "main")).toEqual([]);
    await Promise.all([page.waitForResponse((r) => r.url().includes("apiKeys.revoke") && r.status() === 200), dialog.getByRole("button", { name: "Revoke key" }).click()]);
    await row.locator(".badge.bad").waitFor();
    expect(await row.textContent()).toContain("revoked");
    expect(await page.getByRole("button", { name: "Revoke bi-tool" }).count()).toBe(0);
    expect((await fetch(m![2]!, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(401);
    await page.close();
  });

  it("shows every change in the audit log with its actor and before→after, filters it and exports it", async () => {
    const page = await open(admin, "/settings?section=audit&tz=UTC");
    // A budget set and changed: the change shows as dollars.
    for (const budget of [500_000_000, 750_000_000]) {
      const status = await page.evaluate(
        async (body) => (await fetch("/api/trpc/customers.upsert", { method: "POST", headers: { "content-type": "application/json" }, body })).status,
        JSON.stringify({ id: "acme", name: "Acme", monthlyBudgetMicros: budget }),
      );
      expect(status).toBe(200);
    }
    await page.reload();
    const rows = page.locator("tbody tr[data-audit-action]");
    await rows.first().waitFor();
    const text = async (action: string) => (await page.locator(`tr[data-audit-action='${action}']`).allTextContents()).join("\n");
    expect(await rows.first().getAttribute("data-audit-action")).toBe("customers.upsert");
    expect(await rows.first().textContent()).toContain("monthlyBudgetMicros: $500.00 → $750.00");
    expect(await text("users.invite")).toContain(ADMIN.email);
    expect(await text("users.invite")).toContain(`user:${INVITED.email}`);
    expect(await text("users.create")).toContain(`user:${INVITED.email}`);
    expect(await text("users.setRole")).toContain(ADMIN.email);
    expect(await text("users.setRole")).toContain("role: finance → reviewer");
    expect(await text("apiKeys.create")).toContain(`api_key:${keyId}`);
    expect(await text("apiKeys.create")).toContain("name: bi-tool");
    expect(await text("apiKeys.revoke")).toMatch(/revokedAt: — → \w{3} \d+, \d{4}/);
    // Newest first, as the API lists them.
    const api = await query<{ items: { id: number; action: string }[] }>(page, "audit.list", { limit: 200 });
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-audit-action")))).toEqual(api.items.map((i) => i.action));
    expect(await axeViolations(page, "main")).toEqual([]);
    await shot(page, "audit");

    // Filter by action: the URL keeps it, the table shows only that action, as many as the API finds.
    const filters = page.getByRole("form", { name: "Filter the audit log" });
    await filters.getByLabel("Action").selectOption("users.setRole");
    await filters.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL(/action=users\.setRole/);
    await expect.poll(async () => new Set(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-audit-action"))))).toEqual(new Set(["users.setRole"]));
    const setRoles = await query<{ items: unknown[] }>(page, "audit.list", { action: "users.setRole" });
    expect(await rows.count()).toBe(setRoles.items.length);
    // The CSV has the same filter: every row that action, as many rows.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
    const [head, ...body] = parseCsv(readFileSync(await download.path(), "utf8").trimEnd());
    expect(download.suggestedFilename()).toBe("audit_start_now.csv");
    expect(head).toEqual(["id", "at", "actor_type", "actor_id", "actor_label", "action", "target", "before", "after"]);
    expect(body.length).toBe(setRoles.items.length);
    for (const r of body) expect(r[5]).toBe("users.setRole");
    expect(body[0]![4]).toBe(ADMIN.email);

    // Target contains (any case), and a day range that ends before today finds nothing.
    await filters.getByRole("button", { name: "Clear" }).click();
    await filters.getByLabel("Target (contains)").fill("CASEY");
    await filters.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(async () => new Set(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-audit-action"))))).toEqual(
      new Set(["users.invite", "users.create", "users.setRole"]),
    );
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await filters.getByLabel("To day (inclusive)").fill(yesterday);
    await filters.getByRole("button", { name: "Apply filters" }).click();
    await page.getByText("No audit entries match these filters.").waitFor();
    await page.close();
  });

  it("loads older entries by cursor with Load more", async () => {
    const page = await open(admin, "/settings?section=audit&tz=UTC");
    const statuses = await page.evaluate(async () => {
      const out: number[] = [];
      for (let i = 0; i < 60; i++) {
        const body = JSON.stringify({ id: `bulk-${String(i).padStart(2, "0")}`, name: `Bulk ${i}` });
        out.push((await fetch("/api/trpc/customers.upsert", { method: "POST", headers: { "content-type": "application/json" }, body })).status);
      }
      return out;
    });
    expect(new Set(statuses)).toEqual(new Set([200]));
    const total = (await query<{ items: unknown[]; nextCursor: string | null }>(page, "audit.list", { limit: 200 })).items.length;
    expect(total).toBeGreaterThan(60);
    await page.reload();
    const rows = page.locator("tbody tr[data-audit-action]");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(50);
    expect(await rows.first().textContent()).toContain("customer:bulk-59");
    await page.getByRole("button", { name: "Load more" }).click();
    await expect.poll(() => rows.count()).toBe(Math.min(total, 100));
    while ((await page.getByRole("button", { name: "Load more" }).count()) > 0) {
      const before = await rows.count();
      await page.getByRole("button", { name: "Load more" }).click();
      await expect.poll(() => rows.count()).toBeGreaterThan(before);
    }
    expect(await rows.count()).toBe(total);
    await page.getByText("End of the log.").waitFor();
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.textContent));
    expect(new Set(ids).size).toBe(total);
    await page.close();
  });

  it("shows non-admins no users, keys or audit log", async () => {
    const casey = await browser.newContext({ timezoneId: "UTC", locale: "en-US" });
    await signInThroughPage(casey, server.url, INVITED);
    // The 403 is this test's own request to audit.list, below.
    const page = await open(casey, "/settings?section=audit&tz=UTC", [/\/api\/trpc\/audit\.list/, /status of 403/]);
    await page.getByRole("heading", { name: "Customers and budgets" }).waitFor();
    expect(await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link").allTextContents()).toEqual(["Budgets and prices", "Alerts", "Review sampling"]);
    for (const name of ["Users", "API keys", "Audit log"]) expect(await page.getByRole("heading", { name, exact: true }).count()).toBe(0);
    expect(await page.locator("table caption", { hasText: "Audit log" }).count()).toBe(0);
    expect(await page.evaluate(async () => (await fetch("/api/trpc/audit.list")).status)).toBe(403);
    await casey.close();
  });

  it("logged no unexpected browser errors", () => {
    expect(problems).toEqual([]);
  });
});

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Role } from "@tally/shared";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, E2E_ADMIN, E2E_AUTH, ensureBuilt, type RunningServer, startServer } from "./server.ts";
import { SHOTS, launchChromium, seriousViolations } from "./browser.ts";

/**
 * Signing in and what each role sees, in Chromium against the real API: every account is made as a team
 * makes one (the admin by TALLY_INIT_ADMIN_*, the others invited and set up over HTTP) and signs in through
 * the real /sign-in page. axe-core checks the sign-in and setup pages.
 */

let server: RunningServer;
let browser: Browser;
const accounts = {} as Record<Role, Account>;

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ runs: 40, days: 3 });
  browser = await launchChromium();
  accounts.admin = E2E_ADMIN;
  for (const role of ["viewer", "finance", "reviewer"] as const) accounts[role] = await server.createAccount(role);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const newContext = () => browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: "UTC", locale: "en-US" });

/** Fills and sends the real sign-in form. */
async function submitSignIn(page: Page, account: Pick<Account, "email" | "password">): Promise<void> {
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

async function signedInPage(account: Account, path = "/"): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/sign-in?next=${encodeURIComponent(path)}`);
  await submitSignIn(page, account);
  await page.waitForURL((u) => u.pathname === path.split("?")[0]);
  return { context, page };
}

/** An invitation made by the admin's API key, not yet redeemed. */
async function invite(email: string, role: Role): Promise<string> {
  const res = await fetch(`${server.url}/api/trpc/users.invite`, { method: "POST", headers: { ...E2E_AUTH, "content-type": "application/json" }, body: JSON.stringify({ email, role }) });
  const body = (await res.json()) as { result: { data: { token: string } } };
  return body.result.data.token;
}

describe("roles in Chromium", () => {
  it("each role signs in through /sign-in, sees its role in the account menu, and edits budgets and prices only with finance or admin", async () => {
    for (const role of ["viewer", "reviewer", "finance", "admin"] as const) {
      const { context, page } = await signedInPage(accounts[role], "/settings");
      const budgets = page.locator("table[aria-label='Customer budgets'] tr[data-customer='acme']");
      await budgets.waitFor();
      await page.locator(".user-menu").waitFor();
      expect(await page.locator(".user-menu").getAttribute("data-role"), role).toBe(role);
      const editor = role === "finance" || role === "admin";
      // Wait for the role to be known (the menu) before counting controls: they appear once it is.
      expect(await page.locator("input[aria-label='Monthly budget of acme']").count(), `${role} budget input`).toBe(editor ? 1 : 0);
      expect(await budgets.locator("button", { hasText: "Save" }).count(), `${role} budget save`).toBe(editor ? 1 : 0);
      expect(await page.getByRole("button", { name: "Add customer" }).count(), `${role} add customer`).toBe(editor ? 1 : 0);
      expect(await page.getByRole("button", { name: "Save price" }).count(), `${role} save price`).toBe(editor ? 1 : 0);
      if (!editor) expect(await budgets.textContent()).toContain("$2.00"); // acme's seeded monthly budget, read-only
      // The account menu, by keyboard: Enter opens it, Escape closes it and gives focus back.
      const toggle = page.locator(".user-menu-toggle");
      await toggle.focus();
      await page.keyboard.press("Enter");
      expect(await toggle.getAttribute("aria-expanded")).toBe("true");
      expect(await page.getByTestId("my-role").textContent()).toBe(role[0]!.toUpperCase() + role.slice(1));
      expect(await page.locator(".user-menu-panel").textContent()).toContain(accounts[role].email);
      if (role === "admin") expect(await seriousViolations(page, "header")).toEqual([]); // the open account menu
      await page.keyboard.press("Escape");
      expect(await toggle.getAttribute("aria-expanded")).toBe("false");
      expect(await page.evaluate(() => document.activeElement?.classList.contains("user-menu-toggle"))).toBe(true);
      await context.close();
    }
  });

  it("a signed-out visit of /spend lands on /sign-in?next=/spend and returns there after sign-in; a foreign next is refused", async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/spend?range=7d&tz=UTC`);
    await page.waitForURL((u) => u.pathname === "/sign-in");
    expect(new URL(page.url()).searchParams.get("next")).toBe("/spend?range=7d&tz=UTC");
    expect(await page.locator("header nav").count()).toBe(0); // no app shell
    await submitSignIn(page, accounts.viewer);
    await page.waitForURL((u) => u.pathname === "/spend");
    expect(new URL(page.url()).search).toBe("?range=7d&tz=UTC");
    await page.locator("tr[data-customer]").first().waitFor();

    // Signed out, the next query's 401 opens the sign-in page again, coming back to this page. (Once the page's
    // queries are all answered: one still in flight would meet the sign-out first.)
    await page.waitForLoadState("networkidle");
    const signOut = await page.request.post(`${server.url}/api/auth/sign-out`, { headers: { origin: server.url, "content-type": "application/json" }, data: {} });
    expect(signOut.status()).toBe(200);
    await page.click("nav a:has-text('Runs')");
    await page.waitForURL((u) => u.pathname === "/sign-in");
    expect(new URL(page.url()).searchParams.get("next")).toMatch(/^\/runs\?/);

    for (const foreign of ["//evil.example/spend", "https://evil.example/", "/\\evil.example"]) {
      await page.goto(`${server.url}/sign-in?next=${encodeURIComponent(foreign)}`);
      await submitSignIn(page, accounts.viewer);
      await page.waitForURL((u) => u.pathname !== "/sign-in");
      expect(page.url(), foreign).toBe(`${server.url}/`);
      // Left first: the Overview's queries still in flight would meet the sign-out with a 401 and open the sign-in
      // page themselves, racing the next visit.
      await page.goto("about:blank");
      await page.request.post(`${server.url}/api/auth/sign-out`, { headers: { origin: server.url, "content-type": "application/json" }, data: {} });
    }
    await context.close();
  });

  it("a wrong password says so; the sixth failure in a row says how long to wait; axe finds nothing serious", async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel("Email").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "sign-in.png") });
    const alert = page.getByRole("alert");
    const wrong = { email: accounts.reviewer.email, password: "not-the-password-at-all" };
    const attempt = async (account: Pick<Account, "email" | "password">) => {
      const answered = page.waitForResponse((r) => r.url().endsWith("/api/auth/sign-in/email"));
      await submitSignIn(page, account);
      const status = (await answered).status();
      await page.getByRole("button", { name: "Sign in", exact: true }).waitFor(); // the form is back from "Signing in…"
      return status;
    };
    for (let i = 1; i <= 5; i++) {
      expect(await attempt(wrong)).toBe(401);
      expect(await alert.textContent()).toBe("Wrong email or password.");
    }
    expect(await page.getByLabel("Password").inputValue()).toBe(""); // cleared for the next try
    // The focus is back in the password field (the button was disabled while the request ran), not on the page.
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe("password");
    expect(await seriousViolations(page)).toEqual([]); // with the error shown
    // Five failures per account in 15 minutes: the sixth is refused for the rest of the window.
    expect(await attempt(wrong)).toBe(429);
    expect(await alert.textContent()).toBe("Too many failed sign-ins, try again in 15 min.");
    // Refused with the right password too: the limit is per account.
    expect(await attempt(accounts.reviewer)).toBe(429);
    expect(await alert.textContent()).toBe("Too many failed sign-ins, try again in 15 min.");
    expect(new URL(page.url()).pathname).toBe("/sign-in");
    await context.close();
  });

  it("an invitation's setup page shows the role and the locked email, names a weak password, signs in, and is used up afterwards", async () => {
    const email = "casey@tally.test";
    const token = await invite(email, "finance");
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/setup?token=${encodeURIComponent(token)}`);
    const emailInput = page.getByLabel("Email");
    await emailInput.waitFor();
    expect(await page.locator("[data-offered-role]").getAttribute("data-offered-role")).toBe("finance");
    expect(await page.locator("[data-offered-role]").textContent()).toBe("You will join as Finance.");
    expect(await emailInput.inputValue()).toBe(email);
    expect(await emailInput.getAttribute("readonly")).not.toBeNull();
    expect(await page.locator("header nav").count()).toBe(0);
    await page.getByLabel("Name").fill("Casey Finance");
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "setup.png") });

    // The server's field error, beside the field.
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByLabel("Confirm password").fill("short");
    await page.getByRole("button", { name: "Create account and sign in" }).click();
    const fieldError = page.locator(".field-error");
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toBe("password must be at least 12 characters");
    expect(await page.getByLabel("Password", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel("Password", { exact: true }).fill("casey-first-pass-22");
    await page.getByLabel("Confirm password").fill("casey-first-pass-22");
    await page.getByRole("button", { name: "Create account and sign in" }).click();
    await page.waitForURL(`${server.url}/`);
    await page.locator(".user-menu[data-role='finance']").waitFor();
    expect(await page.locator(".user-email").textContent()).toBe(email);

    // The link is used up: the server's message, and a way to sign in.
    const again = await context.newPage();
    await again.goto(`${server.url}/setup?token=${encodeURIComponent(token)}`);
    await again.getByRole("alert").waitFor();
    expect(await again.getByRole("alert").textContent()).toBe("This setup link has been used already: sign in instead.");
    expect(await again.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe("/sign-in");
    expect(await seriousViolations(again)).toEqual([]);
    await context.close();
  });

  it("changes the password from the account menu (field errors first), signs out, and signs in with the new one", async () => {
    const account = await server.createAccount("viewer", "pat@tally.test");
    const { context, page } = await signedInPage(account, "/");
    await page.locator(".user-menu-toggle").click();
    await page.getByRole("button", { name: "Change password" }).click();
    const dialog = page.getByRole("dialog", { name: "Change password" });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute("autocomplete"))).toBe("current-password"); // focus inside
    const fill = async (current: string, next: string, confirm = next) => {
      await dialog.getByLabel("Current password").fill(current);
      await dialog.getByLabel("New password", { exact: true }).fill(next);
      await dialog.getByLabel("Confirm new password").fill(confirm);
      await dialog.getByRole("button", { name: "Change password" }).click();
    };
    await fill(account.password, "aaaaaaaaaaaaaaaa"); // 16 characters, one distinct: Tally's rule refuses it
    await dialog.locator(".field-error").waitFor();
    expect(await dialog.locator(".field-error").textContent()).toBe("password is too simple: use at least 5 different characters");
    await fill("wrong-current-password", "pat-second-pass-33");
    await dialog.locator(".field-error", { hasText: "the current password is wrong" }).waitFor();
    expect(await seriousViolations(page, "dialog")).toEqual([]);
    await fill(account.password, "pat-second-pass-33");
    await dialog.getByText("Your password is changed.").waitFor();
    await dialog.getByRole("button", { name: "Close" }).click();
    await dialog.waitFor({ state: "hidden" });

    await page.locator(".user-menu-toggle").click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${server.url}/sign-in`);
    await submitSignIn(page, account);
    await page.getByText("Wrong email or password.").waitFor();
    await submitSignIn(page, { email: account.email, password: "pat-second-pass-33" });
    await page.waitForURL(`${server.url}/`);
    await page.locator(".user-menu[data-role='viewer']").waitFor();
    await context.close();
  });

  it("a role taken away while the page is open: the refused save says so and the edit controls go", async () => {
    const account = await server.createAccount("finance", "morgan@tally.test");
    const { context, page } = await signedInPage(account, "/settings");
    const input = page.locator("input[aria-label='Monthly budget of globex']");
    await input.waitFor();
    const users = await server.query<{ id: string; email: string }[]>("users.list", undefined);
    const id = users.find((u) => u.email === account.email)!.id;
    const demoted = await fetch(`${server.url}/api/trpc/users.setRole`, { method: "POST", headers: { ...E2E_AUTH, "content-type": "application/json" }, body: JSON.stringify({ userId: id, role: "viewer" }) });
    expect(demoted.status).toBe(200);
    await input.fill("7.5");
    await page.locator("tr[data-customer='globex'] button:has-text('Save')").click();
    const refused = page.locator("[data-forbidden]");
    await refused.waitFor();
    expect(await refused.locator("strong").textContent()).toBe("Your role (viewer) cannot change this.");
    await input.waitFor({ state: "detached" }); // system.me asked again: viewer, read-only
    await page.locator(".user-menu[data-role='viewer']").waitFor();
    const customers = await server.query<{ id: string; monthlyBudgetMicros: number | null }[]>("customers.list", undefined);
    expect(customers.find((c) => c.id === "globex")?.monthlyBudgetMicros).not.toBe(7_500_000);
    await context.close();
  });
});

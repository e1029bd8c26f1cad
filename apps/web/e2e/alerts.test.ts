import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { formatMicros } from "@tally/shared";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNotifications, monthStartUtc, setBudgetsFromSpend, USE } from "./alerts-fixtures.ts";
import { ensureBuilt, type RunningServer, startServer } from "./server.ts";
import { SHOTS, launchChromium, seriousViolations } from "./browser.ts";

/**
 * Alerts in Chromium against the real API (issue 18): the Alerts page shows each rule's state computed at
 * read time (no Inngest engine attached here) and the notification history with drill-down links; Settings →
 * Alerts edits rules and channels (a webhook's secret shown once); Spend shows budget states. Budgets are
 * set from each customer's month-to-date spend so the states are known by hand: acme at 90% (near, the
 * built-in rule warns at 80%), globex at 125% (over), umbrella at 30% (ok).
 */

const EXPECTED_STATE = { acme: "near", globex: "over", umbrella: "ok", initech: "none" } as const;

let server: RunningServer;
let browser: Browser;
let admin: BrowserContext;
const problems: string[] = [];
let budgets: Record<keyof typeof USE, number>;

interface BudgetRow { customerId: string; forecast: { micros: number; lowMicros: number | null; highMicros: number | null } | null }

async function open(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`${path}: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 500) problems.push(`${path}: HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(server.url + path);
  return page;
}

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ runs: 120, days: 2 });
  budgets = await setBudgetsFromSpend(server);
  browser = await launchChromium();
  admin = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC", locale: "en-US", storageState: await server.signedIn(browser) });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("alerts in Chromium", () => {
  it("Alerts shows the built-in budget rule firing for the near and over customers, computed at read time, and says sending needs the engine", async () => {
    const page = await open(admin, "/alerts?tz=UTC");
    const row = page.locator("tr[data-rule='builtin-budget']");
    await row.waitFor();
    expect(await row.getAttribute("data-state")).toBe("firing");
    // Near (90%) and over (125%): the built-in rule's 80% and 100% thresholds, by hand.
    const subjects = await row.locator("li[data-subject]").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-subject")));
    expect(subjects.sort()).toEqual(["acme", "globex"]);
    expect(await row.locator("td").first().textContent()).toBe("▲ firing for 2 subjects");
    const note = await page.locator("[data-delivery-note]").textContent();
    expect(note).toContain("Rules are evaluated when you open this page; sending needs the Inngest engine, and no notification has been sent yet.");
    await page.getByText("No notification yet.").waitFor();
    // Each firing subject links to the view that fired it, on this site.
    expect(await seriousViolations(page, "main")).toEqual([]);
    const href = await row.locator("li[data-subject='globex'] a").getAttribute("href");
    expect(href?.startsWith("/")).toBe(true);
    await row.locator("li[data-subject='globex'] a").click();
    await page.waitForURL((u) => u.pathname + u.search === href);
    await page.close();
  });

  it("the history lists every notification with its outcome in words and drills down to its view", async () => {
    await addNotifications(server);
    const page = await open(admin, "/alerts?tz=UTC");
    const rows = page.locator("table[aria-label='Notification history'] tbody tr");
    await rows.first().waitFor();
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-event"), tr.getAttribute("data-status"), tr.querySelectorAll("td")[5]?.querySelector(".badge")?.textContent]));
    // Newest first.
    expect(shown).toEqual([
      ["resolved", "sent", "sent"],
      ["firing", "failed", "failed after 3 attempts"],
      ["firing", "sent", "sent"],
    ]);
    expect(await rows.nth(1).textContent()).toContain("HTTP 500 from hooks.example.test");
    expect(await page.locator("[data-delivery-note]").textContent()).not.toContain("no notification has been sent yet");
    // Filtered to failed: the URL keeps the filter.
    await page.getByLabel("Filter by delivery status").selectOption("failed");
    await page.waitForFunction(() => document.querySelectorAll("table[aria-label='Notification history'] tbody tr").length === 1);
    expect(new URL(page.url()).searchParams.get("status")).toBe("failed");
    await page.getByLabel("Filter by delivery status").selectOption("");
    await page.waitForFunction(() => document.querySelectorAll("table[aria-label='Notification history'] tbody tr").length === 3);
    expect(await seriousViolations(page, "main")).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "alerts.png"), fullPage: true });
    await rows.first().getByRole("link", { name: "Open view" }).click();
    await page.waitForURL((u) => u.pathname === "/spend" && u.searchParams.get("customer") === "acme");
    await page.close();
  });

  it("Spend shows each budget state in words and colour, this month's forecast, and filters over or near budget", async () => {
    // The forecast moves with the clock (the month's elapsed share when asked), so the page's answer is bracketed
    // by the API's answers just before the page asks and just after it is read.
    const budgetsNow = async (): Promise<BudgetRow[]> => {
      const now = Date.now();
      const answer = await server.query<BudgetRow[] | { rows: BudgetRow[] }>("alerts.budgets", { from: monthStartUtc(now), to: Math.ceil(now / 60_000) * 60_000, timeZone: "UTC" });
      return Array.isArray(answer) ? answer : answer.rows;
    };
    const before = await budgetsNow();
    const page = await open(admin, "/spend?range=this-month&tz=UTC");
    // States wait for alerts.budgets (each customer's warning threshold); its forecast shows when it has answered
    // (on the month's first day in the zone: that a forecast comes once the day has ended).
    await page.locator("tr[data-customer='globex'] :is([data-forecast], [data-forecast-pending])").waitFor();
    const states = await page.locator("table[aria-label='Customers'] tbody tr").evaluateAll((trs) =>
      trs.map((tr) => [tr.getAttribute("data-customer"), tr.querySelector("[data-budget-state]")?.getAttribute("data-budget-state") ?? "none", tr.querySelector("[data-budget-words]")?.textContent ?? ""]),
    );
    const words = { near: "▲ near budget", over: "■ over budget", ok: "", none: "" } as const;
    expect(Object.fromEntries(states.filter(([c]) => c !== "").map(([c, s, w]) => [c, [s, w]]))).toEqual(
      Object.fromEntries(Object.entries(EXPECTED_STATE).map(([c, s]) => [c, [s, words[s]]])),
    );
    // The forecast the API answers for this month, in words beside the marker: the page's figures lie between
    // the answers before and after, each as formatMicros shows it.
    const shown: Record<string, string | null> = {};
    for (const customerId of Object.keys(USE)) {
      const cell = page.locator(`tr[data-customer='${customerId}'] [data-forecast]`);
      shown[customerId] = (await cell.count()) === 0 ? null : await cell.textContent();
    }
    const list = await budgetsNow();
    const forecastOf = (rows: BudgetRow[], c: string) => rows.find((r) => r.customerId === c)?.forecast ?? null;
    const dollars = (text: string) => Math.round(Number(text.replace(/[$,]/g, "")) * 1e6);
    for (const customerId of Object.keys(USE)) {
      const [a, b] = [forecastOf(before, customerId), forecastOf(list, customerId)];
      if (b === null) {
        expect(shown[customerId]).toBeNull();
        continue;
      }
      expect(a, customerId).not.toBeNull();
      const m = /^◆ forecast (\$[\d,.]+)(?: \(95%: (\$[\d,.]+)–(\$[\d,.]+)\))?/.exec(shown[customerId] ?? "");
      expect(m, `${customerId}: ${shown[customerId]}`).not.toBeNull();
      const within = (text: string | undefined, x: number | null, y: number | null) => {
        expect(text !== undefined && x !== null && y !== null, `${customerId}: ${shown[customerId]}`).toBe(true);
        const [lo, hi] = [formatMicros(Math.min(x!, y!), "en-US"), formatMicros(Math.max(x!, y!), "en-US")];
        expect(dollars(text!), `${customerId}: ${text} between ${lo} and ${hi}`).toBeGreaterThanOrEqual(dollars(lo));
        expect(dollars(text!), `${customerId}: ${text} between ${lo} and ${hi}`).toBeLessThanOrEqual(dollars(hi));
      };
      within(m![1], a!.micros, b.micros);
      if (b.lowMicros !== null && b.highMicros !== null) {
        within(m![2], a!.lowMicros, b.lowMicros);
        within(m![3], a!.highMicros, b.highMicros);
      } else expect(m![2]).toBeUndefined();
      expect(await page.locator(`tr[data-customer='${customerId}'] .forecast-marker`).count()).toBe(1);
    }
    // Amber and red fills are the contrast-tested colours.
    const fills = await page.locator("tr[data-customer] .budget-fill").evaluateAll((els) => els.map((el) => getComputedStyle(el).backgroundColor));
    expect(new Set(fills)).toEqual(new Set(["rgb(11, 92, 173)", "rgb(138, 90, 0)", "rgb(180, 35, 24)"]));
    expect(await seriousViolations(page, "main")).toEqual([]);
    await page.locator("section.card").first().screenshot({ path: join(SHOTS, "spend-budgets.png") });
    // Last month: budget states, but no forecast (the month is over).
    const lastMonth = page.waitForResponse((r) => r.url().includes("alerts.budgets"));
    await page.goto(new URL("/spend?range=last-month&tz=UTC", page.url()).href);
    await lastMonth;
    await page.locator("tr[data-customer='acme'] [data-budget-state]").waitFor();
    expect(await page.locator("tr[data-customer] [data-forecast]").count()).toBe(0);
    await page.goto(new URL("/spend?range=this-month&tz=UTC", page.url()).href);
    await page.locator("tr[data-customer='globex'] [data-forecast]").waitFor();

    await page.getByTestId("near-budget").check();
    await page.waitForFunction(() => new URL(location.href).searchParams.get("budget") === "near");
    // Near or over now, or forecast to end the month over its budget (written out: state, or forecast > budget).
    const expected = (Object.keys(EXPECTED_STATE) as (keyof typeof EXPECTED_STATE)[])
      .filter((c) => {
        const f = list.find((r) => r.customerId === c)?.forecast ?? null;
        return EXPECTED_STATE[c] === "near" || EXPECTED_STATE[c] === "over" || (c !== "initech" && f !== null && f.micros > budgets[c]);
      })
      .sort();
    expect(expected).toEqual(expect.arrayContaining(["acme", "globex"]));
    await page.waitForFunction((n) => document.querySelectorAll("table[aria-label='Customers'] tbody tr").length === n, expected.length);
    const filtered = await page.locator("table[aria-label='Customers'] tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-customer")).sort());
    expect(filtered).toEqual(expected);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("Settings → Alerts adds a rule (the API's field error beside its field), turns it off, removes it; a webhook channel's secret is shown once", async () => {
    const page = await open(admin, "/settings?section=alerts&tz=UTC");
    const form = page.getByRole("form", { name: "Add an alert rule" });
    await form.waitFor();
    // The built-in rule can be turned off, not removed.
    await page.locator("tr[data-rule='builtin-budget']").waitFor();
    expect(await page.locator("tr[data-rule='builtin-budget']").getByRole("button", { name: /Remove/ }).count()).toBe(0);

    await form.getByLabel("Kind").selectOption("spend_over");
    await form.getByLabel("Name").fill("Big spenders");
    await form.getByLabel("Amount (USD)").fill("5");
    const window = form.getByLabel("Window (hours, 1–720)");
    await window.fill("1000");
    await form.getByRole("button", { name: "Add rule" }).click();
    await page.waitForFunction(() => document.querySelector("form[aria-label='Add an alert rule'] input[aria-invalid='true']") !== null);
    const describedBy = await window.getAttribute("aria-describedby");
    expect(await page.locator(`[id='${describedBy}']`).textContent()).toBe("windowHours must be at most 720 hours (30 days)");
    type Rule = { id: string; name: string; kind: string; enabled: boolean; params: Record<string, unknown> };
    expect((await server.query<Rule[]>("alerts.rules.list", undefined)).map((r) => r.name)).not.toContain("Big spenders");

    await window.fill("24");
    await form.getByRole("button", { name: "Add rule" }).click();
    const created = async () => (await server.query<Rule[]>("alerts.rules.list", undefined)).find((r) => r.name === "Big spenders");
    await expect.poll(created).toBeDefined();
    const rule = (await created())!;
    expect([rule.kind, rule.params, rule.enabled]).toEqual(["spend_over", { amountMicros: 5_000_000, windowHours: 24 }, true]);
    const row = page.locator(`tr[data-rule='${rule.id}']`);
    await row.waitFor();
    expect(await row.locator("td").nth(1).textContent()).toBe("any customer over $5 in 24 h");
    await row.getByRole("checkbox").click(); // controlled: it turns off when the API has answered
    await page.locator(`tr[data-rule='${rule.id}'][data-enabled='0']`).waitFor();
    expect((await created())?.enabled).toBe(false);
    await row.getByRole("button", { name: "Remove Big spenders" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Remove rule" }).click();
    await row.waitFor({ state: "detached" });
    expect(await created()).toBeUndefined();

    // The built-in rule's thresholds, edited in place (the audit log records the update).
    await page.getByRole("button", { name: "Edit Monthly budget (80% and 100%)" }).click();
    const edit = page.getByRole("form", { name: "Edit the rule Monthly budget (80% and 100%)" });
    await edit.getByLabel("Thresholds (% of the monthly budget)").fill("50, 100");
    await edit.getByRole("button", { name: "Save rule" }).click();
    await edit.waitFor({ state: "detached" });
    const builtin = async () => (await server.query<Rule[]>("alerts.rules.list", undefined)).find((r) => r.id === "builtin-budget");
    expect((await builtin())?.params).toEqual({ thresholds: [50, 100] });
    expect(await page.locator("tr[data-rule='builtin-budget'] td").nth(1).textContent()).toBe("50%, 100% of the monthly budget · every customer with a budget");

    const channel = page.getByRole("form", { name: "Add an alert channel" });
    await channel.getByLabel("Kind").selectOption("webhook");
    await channel.getByLabel("Name").fill("ops-hook");
    await channel.getByLabel("URL (https)").fill("http://127.0.0.1:9/hook");
    await channel.getByRole("button", { name: "Add channel" }).click();
    const box = page.locator("[data-new-secret='ops-hook'] input");
    await box.waitFor();
    const secret = await box.inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/); // 24 random bytes in base64
    await page.locator("tr[data-channel='ops-hook']").waitFor();
    expect(await seriousViolations(page, "main")).toEqual([]);
    // Never again: not after a reload, not in any answer.
    await page.reload();
    await page.locator("tr[data-channel='ops-hook']").waitFor();
    expect(await page.content()).not.toContain(secret);
    const channels = JSON.stringify(await server.query("alerts.channels.list", undefined));
    expect(channels).not.toContain(secret);
    expect(channels).not.toContain("/hook");
    const audit = await server.query<{ items: { action: string }[] }>("audit.list", {});
    expect(audit.items.map((e) => e.action).filter((a) => a.startsWith("alerts."))).toEqual(["alerts.channel.create", "alerts.rule.update", "alerts.rule.remove", "alerts.rule.update", "alerts.rule.create"]);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("a viewer reads the rules (no controls, no channels) and the Alerts page asks nothing it may not", async () => {
    const viewer = await server.createAccount("viewer");
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC", locale: "en-US", storageState: await server.signedIn(browser, viewer) });
    const refused: string[] = [];
    context.on("response", (r) => {
      if (r.status() === 403) refused.push(r.url());
    });
    const settings = await open(context, "/settings?section=alerts&tz=UTC");
    await settings.locator("tr[data-rule='builtin-budget']").waitFor();
    expect(await settings.locator("table[aria-label='Alert rules'] input, table[aria-label='Alert rules'] button").count()).toBe(0);
    expect(await settings.getByRole("form", { name: "Add an alert rule" }).count()).toBe(0);
    expect(await settings.getByRole("heading", { name: "Alert channels" }).count()).toBe(0);
    expect(await seriousViolations(settings, "main")).toEqual([]);
    const alerts = await open(context, "/alerts?tz=UTC");
    await alerts.locator("tr[data-rule='builtin-budget']").waitFor();
    expect(await alerts.locator("[data-delivery-note]").textContent()).toBe("Notifications go to the channels an admin set in Settings → Alerts.");
    expect(await alerts.getByRole("link", { name: "Edit rules in Settings" }).count()).toBe(0);
    expect(refused).toEqual([]);
    await context.close();
    expect(problems).toEqual([]);
  });
});

import { readFileSync } from "node:fs";
import { formatMicros } from "@tally/shared";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, type RunningServer, startServer } from "./server.ts";
import { launchChromium } from "./browser.ts";

/**
 * Finance's month (issue 22): calendar presets in the chosen zone, total rows from the API's exact totals,
 * and CSV exports named after their period that hold exactly the rows the table shows. Real Chromium, the
 * real API on a seeded database (SQLite or PostgreSQL). The seed spans 45 days, so last month always has usage.
 */

const KOLKATA_MS = 5.5 * 3_600_000; // UTC+05:30, no DST
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
const problems: string[] = [];

const api = <T,>(path: string, input: unknown): Promise<T> => server.query<T>(path, input);

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`${path}: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`${path}: HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(server.url + path);
  return page;
}

/** Last month in Asia/Kolkata, by hand: shift to local wall time, take the month, shift back. */
function lastMonthKolkata(now: number): { from: number; to: number; name: string; fromDate: string; toDate: string } {
  const local = new Date(now + KOLKATA_MS);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const from = Date.UTC(y, m - 1, 1) - KOLKATA_MS;
  const to = Date.UTC(y, m, 1) - KOLKATA_MS;
  const date = (t: number) => new Date(t + KOLKATA_MS).toISOString().slice(0, 10);
  const prev = new Date(Date.UTC(y, m - 1, 1));
  return { from, to, name: `${MONTHS[prev.getUTCMonth()]} ${prev.getUTCFullYear()}`, fromDate: date(from), toDate: date(to) };
}

interface Totals { spendMicros: number | null; runs: number; unpricedCalls: number; rows: number }
interface CustomerRow { customerId: string; name: string | null; spendMicros: number | null; budgetMicros: number | null }

async function readCsv(page: Page, testId: string): Promise<{ name: string; rows: Record<string, string>[] }> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(`[data-testid='${testId}']`)]);
  const [head, ...body] = readFileSync(await download.path(), "utf8").trimEnd().split("\r\n").map((l) => l.split(","));
  return { name: download.suggestedFilename(), rows: body.map((cells) => Object.fromEntries(head!.map((h, i) => [h, cells[i] ?? ""]))) };
}

beforeAll(async () => {
  ensureBuilt();
  server = await startServer({ runs: 400, days: 45 });
  browser = await launchChromium();
  // Signed in once through the real /sign-in page, as a finance user invited by the admin.
  const storageState = await server.signedIn(browser, await server.createAccount("finance"));
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC", locale: "en-US", acceptDownloads: true, storageState });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("finance's month in Chromium", () => {
  it("'Last month' in Asia/Kolkata puts the preset in the URL and shows that month's customers, totals and budget", async () => {
    const page = await open("/spend?tz=Asia%2FKolkata");
    await page.locator("tr[data-customer]").first().waitFor();
    await page.click("[aria-label='Time range'] button:has-text('Last month')");
    await page.waitForURL(/range=last-month/);
    const month = lastMonthKolkata(Date.now());
    const input = { from: month.from, to: month.to, timeZone: "Asia/Kolkata" };
    const expected = await api<{ rows: CustomerRow[]; totals: Totals }>("spend.byCustomer", { ...input, limit: 500, sparklines: false });
    expect(expected.rows.length).toBeGreaterThan(1);
    await page.waitForSelector(`tfoot tr[data-total-spend='${expected.totals.spendMicros}']`);
    const shown = await page.locator("tr[data-customer]").evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-customer"), tr.getAttribute("data-spend")]));
    expect(shown).toEqual(expected.rows.map((r) => [r.customerId, String(r.spendMicros ?? "")]));
    // The budget column is that month's spend over the monthly budget, and says which month.
    const header = page.locator("table[aria-label='Customers'] th[data-budget-months]");
    expect(await header.textContent()).toContain(`Budget use (${month.name})`);
    expect(await header.getAttribute("data-budget-months")).toBe("1");
    const acme = expected.rows.find((r) => r.customerId === "acme")!;
    expect(Number(await page.getAttribute("tr[data-customer='acme'] [data-budget-use]", "data-budget-use"))).toBeCloseTo(acme.spendMicros! / 2_000_000, 12);
    expect(await page.textContent("tr[data-customer='acme'] [data-budget]")).toBe("of $2.00");
    await page.close();
  });

  it("the total rows read the API's exact totals, not the sum of the rounded cells", async () => {
    const month = lastMonthKolkata(Date.now());
    const page = await open("/spend?range=last-month&tz=Asia%2FKolkata");
    const input = { from: month.from, to: month.to, timeZone: "Asia/Kolkata" };
    const customers = await api<{ totals: Totals }>("spend.byCustomer", { ...input, limit: 500, sparklines: false });
    const models = await api<{ totals: Totals }>("spend.byModel", { ...input, limit: 200, sparklines: false });
    const customerTotal = page.locator("table[aria-label='Customers'] tfoot tr");
    const modelTotal = page.locator("table[aria-label='Spend by model'] tfoot tr");
    await customerTotal.waitFor();
    await modelTotal.waitFor();
    expect(await customerTotal.getAttribute("data-total-spend")).toBe(String(customers.totals.spendMicros));
    expect(await modelTotal.getAttribute("data-total-spend")).toBe(String(models.totals.spendMicros));
    // Shown as Money shows it: the figure, and the unpriced calls beside it (the seed has an unpriced model).
    const calls = `+ ${customers.totals.unpricedCalls.toLocaleString("en-US")} unpriced calls`;
    expect(await customerTotal.locator("td").first().textContent()).toBe(`${formatMicros(customers.totals.spendMicros!, "en-US")}${calls}`);
    expect(await modelTotal.locator("td").first().textContent()).toBe(`${formatMicros(models.totals.spendMicros!, "en-US")}${calls}`);
    expect(await customerTotal.locator("td").nth(1).textContent()).toBe(customers.totals.runs.toLocaleString("en-US"));
    await page.close();
  });

  it("CSV files carry the period and zone in their names, and the customer export holds exactly the rows the search shows", async () => {
    const month = lastMonthKolkata(Date.now());
    const page = await open("/spend?range=last-month&tz=Asia%2FKolkata");
    await page.locator("tr[data-customer]").first().waitFor();
    const stamp = `${month.fromDate}_${month.toDate}_Asia-Kolkata`;
    const all = await readCsv(page, "export-csv");
    expect(all.name).toBe(`spend-by-customer_${stamp}.csv`);
    expect(all.rows.length).toBeGreaterThan(1);
    expect(all.rows.every((r) => r.period_start === `${month.fromDate}T00:00:00+05:30` && r.period_end === `${month.toDate}T00:00:00+05:30` && r.time_zone === "Asia/Kolkata")).toBe(true);
    expect(all.rows.every((r) => /^(|\d\.\d{6})$/.test(r.share!))).toBe(true);
    const acme = all.rows.find((r) => r.customer_id === "acme")!;
    expect([acme.monthly_budget_micros, acme.period_budget_micros]).toEqual(["2000000", "2000000"]);
    // spend / 2,000,000 to 6 decimals, a half rounded up, by integer arithmetic.
    const halfUp = (2n * BigInt(acme.spend_micros!) * 1_000_000n + 2_000_000n) / 4_000_000n;
    expect(acme.budget_use).toBe(`${halfUp / 1_000_000n}.${String(halfUp % 1_000_000n).padStart(6, "0")}`);

    await page.fill("input[aria-label='Search customers']", "glob");
    await page.waitForURL(/q=glob/);
    await page.waitForFunction(() => document.querySelectorAll("tr[data-customer]").length === 1);
    const shown = await page.locator("tr[data-customer]").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-customer")));
    const searched = await readCsv(page, "export-csv");
    expect(searched.rows.map((r) => r.customer_id)).toEqual(shown);
    expect(searched.rows.map((r) => r.customer_id)).toEqual(["globex"]);

    const byModel = await readCsv(page, "export-models-csv");
    expect(byModel.name).toBe(`spend-by-model_${stamp}.csv`);
    expect(byModel.rows.length).toBeGreaterThan(0);
    await page.close();

    const runsPage = await open("/runs?range=last-month&tz=Asia%2FKolkata");
    await runsPage.locator("tr[data-run-id]").first().waitFor();
    const runs = await readCsv(runsPage, "export-runs-csv");
    expect(runs.name).toBe(`runs_${stamp}.csv`);
    const inMonth = (t: string) => Date.parse(t) >= month.from && Date.parse(t) < month.to;
    expect(runs.rows.length).toBeGreaterThan(0);
    expect(runs.rows.every((r) => inMonth(r.occurred_at!))).toBe(true);
    await runsPage.close();
    expect(problems).toEqual([]);
  });
});

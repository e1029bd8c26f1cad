import { connect } from "@tally/shared/db";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, type RunningServer, startServer } from "./server.ts";
import { launchChromium } from "./browser.ts";

/**
 * Numbers (issue 22): one precision per table column, thousands separators in every hint, "new" instead of a
 * percentage against an almost empty previous period, axis ticks on round values. Real Chromium, the real
 * API on a seeded database, SQLite or PostgreSQL (400 runs over 45 days).
 */

let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
const problems: string[] = [];

async function open(path: string, ready: string): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`${path}: ${e.message}`));
  await page.goto(server.url + path);
  await page.waitForSelector(ready, { timeout: 30_000 });
  return page;
}

/** The decimals of each money figure in a cell's first line ("$0.10" → 2, "<$0.01" → 2); null for "unpriced", "—". */
function decimalsOf(text: string): number | null {
  const m = /^[<>]?-?\$[\d,]+(?:\.(\d+))?$/.exec(text.split("\n")[0]!.trim());
  return m ? (m[1]?.length ?? 0) : null;
}

/** Per column of a table (rows and total row), the set of decimals its money cells use. */
async function columnDecimals(page: Page, table: string): Promise<Map<number, Set<number>>> {
  const cells = await page.$$eval(`${table} tbody tr, ${table} tfoot tr`, (trs) => trs.map((tr) => [...tr.children].map((td) => (td as HTMLElement).innerText)));
  const byColumn = new Map<number, Set<number>>();
  for (const row of cells) {
    row.forEach((text, i) => {
      const d = decimalsOf(text);
      if (d === null) return;
      byColumn.set(i, (byColumn.get(i) ?? new Set()).add(d));
    });
  }
  return byColumn;
}

/** Tick labels as dollars; each step equal, a round step (1, 2, 2.5 or 5 × a power of ten), all with the same decimals. */
function expectRoundMoneyTicks(labels: string[]): void {
  expect(labels.length).toBeGreaterThanOrEqual(3);
  const values = labels.map((l) => Number(l.replace(/[$,]/g, "")));
  expect(values.every(Number.isFinite), labels.join(" ")).toBe(true);
  const step = values[1]! - values[0]!;
  for (let i = 1; i < values.length; i++) expect(values[i]! - values[i - 1]!, labels.join(" ")).toBeCloseTo(step, 9);
  const mantissa = step / 10 ** Math.floor(Math.log10(step));
  expect([1, 2, 2.5, 5].some((m) => Math.abs(m - mantissa) < 1e-9), `step ${step} in ${labels.join(" ")}`).toBe(true);
  expect(new Set(labels.slice(1).map((l) => decimalsOf(l))).size, labels.join(" ")).toBe(1);
}

beforeAll(async () => {
  ensureBuilt();
  server = await startServer({ runs: 400, days: 45 });
  browser = await launchChromium();
  const storageState = await server.signedIn(browser);
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, timezoneId: "UTC", locale: "en-US", storageState });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("numbers", () => {
  it("Overview: \"new\" against an almost empty previous period, hints with thousands separators, round y ticks", async () => {
    // A window that starts just after the oldest run, on the 15-minute buckets the API counts in: the
    // previous period, as long, holds that run and at most a few more.
    const db = await connect({ url: server.dbUrl });
    const oldest = await db.selectFrom("runs").select((eb) => eb.fn.min("occurred_at").as("t")).executeTakeFirstOrThrow();
    const Q = 15 * 60_000;
    const from = Math.ceil((Number(oldest.t) + 1) / Q) * Q;
    const to = Math.ceil((server.seeded.now + 60_000) / Q) * Q;
    const count = async (lo: number, hi: number) =>
      Number((await db.selectFrom("runs").where("occurred_at", ">=", lo).where("occurred_at", "<", hi).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
    const current = await count(from, to);
    const previous = await count(from - (to - from), from);
    await db.destroy();
    expect(previous).toBeGreaterThan(0);
    expect(previous).toBeLessThan(0.01 * current); // so a percentage (+39,800%) would say nothing

    const page = await open(`/?range=custom&from=${from}&to=${to}&tz=UTC`, "[data-kpi='runs'] .kpi-delta");
    await page.waitForSelector("[data-chart='stacked-bars'] .recharts-cartesian-axis-tick-value", { timeout: 30_000 });
    expect(await page.innerText("[data-kpi='runs'] .kpi-value")).toBe(current.toLocaleString("en-US"));
    expect(await page.innerText("[data-kpi='runs'] .kpi-delta")).toBe("new");
    expect(await page.innerText("[data-kpi='spend'] .kpi-delta")).toBe("new");

    // Every figure on the cards (values, deltas, hints, the unpriced warning's tokens) has its thousands separator.
    const cards = await page.$$eval(".kpi", (els) => els.map((e) => (e as HTMLElement).innerText));
    expect(cards.join("\n")).toMatch(/tokens/);
    for (const text of cards) expect(text, text).not.toMatch(/(?<![.,\d])\d{4,}/);

    const ticks = await page.$$eval("[data-chart='stacked-bars'] .recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value", (els) => els.map((e) => e.textContent ?? ""));
    expectRoundMoneyTicks(ticks);
    await page.close();
  });

  it("a change says better or worse in words, not by colour alone; runs and 'new' say neither", async () => {
    const Q = 15 * 60_000;
    const WEEK = 7 * 86_400_000;
    const to = Math.ceil((server.seeded.now + 60_000) / Q) * Q;
    const from = to - WEEK;
    const db = await connect({ url: server.dbUrl });
    const spend = async (lo: number, hi: number) =>
      Number((await db.selectFrom("usage_costs").where("occurred_at", ">=", lo).where("occurred_at", "<", hi).select((eb) => eb.fn.sum<number>("cost_micros").as("s")).executeTakeFirstOrThrow()).s);
    const [current, previous] = [await spend(from, to), await spend(from - WEEK, from)];
    await db.destroy();
    expect(previous).toBeGreaterThan(0);
    expect(Math.abs(current - previous) / previous).toBeGreaterThan(0.05); // a direction no booking detail could flip

    const page = await open(`/?range=custom&from=${from}&to=${to}&tz=UTC`, "[data-kpi='spend'] .kpi-delta");
    await page.waitForSelector("[data-kpi='runs'] .kpi-delta:not(:empty)");
    // Spend is good when it goes down.
    expect(await page.getAttribute("[data-kpi='spend'] [data-verdict]", "data-verdict")).toBe(current > previous ? "worse" : "better");
    expect(await page.innerText("[data-kpi='spend'] .kpi-delta")).toMatch(current > previous ? /^\+.* · worse$/ : /^−.* · better$/);
    expect(await page.locator("[data-kpi='runs'] [data-verdict]").count()).toBe(0);
    await page.close();
  });

  it("Spend: one precision per money column, total row included; round y ticks", async () => {
    const page = await open("/spend?range=30d&tz=UTC", "table[aria-label='Spend by model'] tfoot tr");
    await page.waitForSelector("table[aria-label='Customers'] tfoot tr");
    for (const table of ["table[aria-label='Customers']", "table[aria-label='Spend by model']", "table[aria-label='Judge models']"]) {
      const columns = await columnDecimals(page, table);
      expect(columns.size, table).toBeGreaterThan(0);
      for (const [i, decimals] of columns) expect([...decimals], `${table} column ${i}`).toHaveLength(1);
    }
    // Every stacked chart on Spend (by customer, and by function / tag), each axis on its own.
    const charts = page.locator("[data-chart='stacked-bars']");
    const tickLabels = () =>
      charts.evaluateAll((cs) => cs.map((c) => [...c.querySelectorAll(".recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value")].map((e) => e.textContent ?? "")));
    await expect.poll(async () => (await tickLabels()).length >= 2 && (await tickLabels()).every((t) => t.length >= 3)).toBe(true);
    for (const labels of await tickLabels()) expectRoundMoneyTicks(labels);
    await page.close();
  });

  it("Runs and Quality: one precision per money column; the cost axis on round ticks", async () => {
    const runs = await open("/runs?range=30d&tz=UTC", "table[aria-label='Runs'] tbody tr");
    const columns = await columnDecimals(runs, "table[aria-label='Runs']");
    expect(columns.size).toBe(3); // agent, judge, cost per run
    for (const [i, decimals] of columns) expect([...decimals], `Runs column ${i}`).toHaveLength(1);
    await runs.close();

    const quality = await open("/quality?range=30d&tz=UTC", "table[aria-label='Judge spend per model judged'] tbody tr");
    for (const [i, decimals] of await columnDecimals(quality, "table[aria-label='Judge spend per model judged']")) expect([...decimals], `Judge spend column ${i}`).toHaveLength(1);
    await quality.waitForSelector("[data-chart='scatter'] .recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value");
    expectRoundMoneyTicks(await quality.$$eval("[data-chart='scatter'] .recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value", (els) => els.map((e) => e.textContent ?? "")));
    await quality.close();
    expect(problems).toEqual([]);
  });
});

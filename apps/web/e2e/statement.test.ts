import { readFileSync } from "node:fs";
import { sql } from "kysely";
import { recordUsage } from "@tally/inngest-functions";
import { connect } from "@tally/shared/db";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, type RunningServer, startServer } from "./server.ts";
import { launchChromium } from "./browser.ts";

/**
 * The monthly statement per customer (issue 22), in real Chromium against the real API on a seeded file:
 * last month in Asia/Kolkata (November while this runs in December 2026) from the Spend customers table's
 * Statement link, its totals against overview.summary and a raw-SQL sum of the usage lines, the print view
 * without navigation or filters, the CSV download named after customer, month and zone, and the restatement a
 * repricing of the month leaves on it.
 */

const TZ = "Asia/Kolkata";
const KOLKATA_MS = 5.5 * 3_600_000; // UTC+05:30, no DST

let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
const problems: string[] = [];

/** Last month in Asia/Kolkata, by hand: shift to local wall time, take the month, shift back. */
function lastMonthKolkata(now: number): { from: number; to: number; month: string; days: number } {
  const local = new Date(now + KOLKATA_MS);
  const [y, m] = [local.getUTCFullYear(), local.getUTCMonth()];
  const from = Date.UTC(y, m - 1, 1) - KOLKATA_MS;
  const to = Date.UTC(y, m, 1) - KOLKATA_MS;
  return { from, to, month: new Date(from + KOLKATA_MS).toISOString().slice(0, 7), days: Math.round((to - from) / 86_400_000) };
}

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`${path}: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`${path}: HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(server.url + path);
  return page;
}

beforeAll(async () => {
  ensureBuilt();
  server = await startServer({ runs: 400, days: 45 });
  browser = await launchChromium();
  const storageState = await server.signedIn(browser, await server.createAccount("finance"));
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC", locale: "en-US", acceptDownloads: true, storageState });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("a customer's monthly statement in Chromium", () => {
  const month = lastMonthKolkata(Date.now());
  let page: Page;

  it("opens from the Spend customers table for last month in Asia/Kolkata", async () => {
    page = await open(`/spend?range=last-month&tz=${encodeURIComponent(TZ)}`);
    const link = page.locator("[data-statement-link='acme']");
    await link.waitFor();
    const href = await link.getAttribute("href");
    // `back`: the Spend view's own query string, which the statement's "← Spend" returns to.
    expect(Object.fromEntries(new URL(href!, server.url).searchParams)).toEqual({ customer: "acme", month: month.month, tz: TZ, back: `range=last-month&tz=${encodeURIComponent(TZ)}` });
    expect(new URL(page.url()).search).toBe(`?range=last-month&tz=${encodeURIComponent(TZ)}`);
    await link.click();
    await page.waitForURL(/\/statement\?/);
    await page.locator("article.statement").waitFor();
    expect(await page.locator("h1").textContent()).toBe("Statement: Acme Corp (acme)");
    expect(await page.getByRole("link", { name: "← Spend" }).getAttribute("href")).toBe(`/spend?range=last-month&tz=${encodeURIComponent(TZ)}`);
  });

  it("shows totals equal to overview.summary and to a raw-SQL sum of the customer's usage lines", async () => {
    const summary = await server.query<{ current: { spendMicros: { total: number | null }; unpricedCalls: number } }>("overview.summary", { from: month.from, to: month.to, timeZone: TZ, customerIds: ["acme"] });
    const db = await connect({ url: server.dbUrl });
    const raw = await sql<{ spend: number; unpriced: number }>`
      select sum(coalesce(cost_micros, 0)) as spend, sum(case when cost_micros is null then 1 else 0 end) as unpriced from usage_costs
      where customer_id = 'acme' and occurred_at >= ${month.from} and occurred_at < ${month.to}`.execute(db);
    await db.destroy();
    const total = Number(await page.locator("article.statement").getAttribute("data-statement-total"));
    expect(total).toBeGreaterThan(0);
    expect(total).toBe(summary.current.spendMicros.total);
    expect(total).toBe(raw.rows[0]!.spend);
    // Every local day of the month, in order; the days and the models each add up to the total.
    const days = await page.locator("table[aria-label='By day'] tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-day"), tr.querySelector("[data-spend]")!.getAttribute("data-spend")]));
    expect(days).toHaveLength(month.days);
    expect(days[0]![0]).toBe(`${month.month}-01`);
    expect(days.at(-1)![0]).toBe(`${month.month}-${month.days}`);
    expect(days.reduce((a, [, s]) => a + Number(s || 0), 0)).toBe(total);
    const models = await page.locator("table[aria-label='By model'] tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-model"), tr.querySelector("[data-spend]")!.getAttribute("data-spend"), tr.querySelector("td.num")!.textContent]));
    expect(models.reduce((a, [, s]) => a + Number(s || 0), 0)).toBe(total);
    // Unpriced usage is counted in calls, never shown as $0.
    expect(raw.rows[0]!.unpriced).toBeGreaterThan(0);
    expect(await page.locator("[data-kpi='unpriced']").textContent()).toBe(`${raw.rows[0]!.unpriced} calls not priced (not included above)`);
    const unpricedModel = models.find(([m]) => m === "acme-internal-llm");
    // Its agent spend cell: "unpriced" and the calls, never $0.
    expect(unpricedModel?.[2]).toMatch(/^unpriced\d+ unpriced calls$/);
    // The budget: Acme's $2.00 a month, and the share used.
    expect(await page.locator("[data-kpi='budget']").textContent()).toBe(`$2.00 · ${((total / 2_000_000) * 100).toFixed(1)}% used`);
  });

  it("says why the rounded rows of a table add up to other than its total, only where they do", async () => {
    // From the rendered text alone: each money column's cells as shown (cents or finer), summed, against the total shown.
    for (const table of ["By day", "By model"]) {
      const shown = await page.locator(`table[aria-label='${table}']`).evaluate((t) => {
        const cents = (text: string) => (/^\$[\d,.]+/.test(text) ? Math.round(Number(text.match(/^\$([\d,.]+)/)![1]!.replaceAll(",", "")) * 1e6) : 0);
        const column = (rows: Element[], i: number) => rows.map((r) => cents(r.querySelectorAll("td.num")[i]?.firstChild?.textContent ?? ""));
        const body = [...t.querySelectorAll("tbody tr")];
        const foot = [...t.querySelectorAll("tfoot tr")];
        return [0, 1, 2].some((i) => column(body, i).reduce((a, b) => a + b, 0) !== column(foot, i)[0]);
      });
      const note = page.locator(`section:has(table[aria-label='${table}']) [data-rounding-note]`);
      expect(await note.count(), table).toBe(shown ? 1 : 0);
    }
  });

  it("prints without the navigation, the filter bar or the buttons", async () => {
    expect(await page.locator("[role='search'][aria-label='Filters']").count()).toBe(0);
    await page.emulateMedia({ media: "print" });
    expect(await page.locator("header.topbar").isVisible()).toBe(false);
    expect(await page.locator("article.statement .no-print").isVisible()).toBe(false);
    expect(await page.locator("table[aria-label='By day']").isVisible()).toBe(true);
    await page.emulateMedia({ media: "screen" });
    expect(await page.locator("header.topbar").isVisible()).toBe(true);
  });

  it("downloads the CSV named after customer, month and zone, with the same total", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=Download CSV")]);
    expect(download.suggestedFilename()).toBe(`statement_acme_${month.month}_Asia-Kolkata.csv`);
    const [head, ...body] = readFileSync(await download.path(), "utf8").trimEnd().split("\r\n").map((l) => l.split(","));
    const rows = body.map((cells) => Object.fromEntries(head!.map((h, i) => [h, cells[i] ?? ""])));
    const total = rows.find((r) => r.section === "total")!;
    expect(Number(total.spend_micros)).toBe(Number(await page.locator("article.statement").getAttribute("data-statement-total")));
    expect(rows.filter((r) => r.section === "day")).toHaveLength(month.days);
    expect(total).toMatchObject({ customer_id: "acme", month: month.month, time_zone: TZ, monthly_budget_micros: "2000000" });
  });

  it("after a repricing of the month, says it was restated, by which job, and what it said before", async () => {
    const before = Number(await page.locator("article.statement").getAttribute("data-statement-total"));
    expect(await page.locator("[data-restated]").count()).toBe(0);
    expect(Number(await page.locator("[data-as-of]").getAttribute("data-as-of"))).toBeGreaterThan(Date.now() - 600_000);
    // The model of most of acme's priced agent lines in the month, priced anew from the month's start (a finance user).
    const db = await connect({ url: server.dbUrl });
    const lineSum = async () =>
      Number((await sql<{ spend: number }>`select sum(coalesce(cost_micros, 0)) as spend from usage_costs
        where customer_id = 'acme' and occurred_at >= ${month.from} and occurred_at < ${month.to}`.execute(db)).rows[0]!.spend);
    const { model } = (await sql<{ model: string }>`select model, count(*) as n from usage_costs
      where customer_id = 'acme' and kind = 'agent' and cost_micros is not null and occurred_at >= ${month.from} and occurred_at < ${month.to}
      group by model order by n desc, model limit 1`.execute(db)).rows[0]!;
    const call = (path: string, input: unknown) =>
      page.evaluate(async ([path, body]) => (await (await fetch(`/api/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body })).json()) as { result?: { data: unknown } }, [path, JSON.stringify(input)] as const);
    const price = { model, provider: "", inputMicrosPerMtok: 9_000_000, outputMicrosPerMtok: 9_000_000, cacheReadMicrosPerMtok: null, cacheWriteMicrosPerMtok: null, effectiveFrom: month.from };
    expect((await call("prices.upsert", price)).result).toBeDefined();
    const started = (await call("reprice.start", { model, from: month.from, to: month.to, reason: "override" })).result?.data as { jobId: string };
    await expect.poll(async () => (await server.query<{ status: string }>("reprice.job", { id: started.jobId })).status, { timeout: 60_000 }).toBe("done");
    const after = await lineSum();
    await db.destroy();
    expect(after).not.toBe(before);

    await page.reload();
    const restated = page.locator("[data-restated='1']");
    await restated.waitFor();
    expect(Number(await page.locator("article.statement").getAttribute("data-statement-total"))).toBe(after);
    expect(Number(await restated.locator("[data-before-restatements]").getAttribute("data-before-restatements"))).toBe(before);
    const job = restated.locator(`[data-job='${started.jobId}']`);
    expect(Number(await job.getAttribute("data-restated-by"))).toBe(after - before);
    expect(await job.textContent()).toMatch(/line(s)? repriced \(override, by /);
    expect(await page.locator("[data-late-lines]").count()).toBe(0);

    // A call of the month delivered only now: the total grows by it, the box names it, the "before" stays.
    const late = await connect({ url: server.dbUrl });
    await recordUsage(late, { runId: "late-run", functionSlug: "support-agent", customerId: "acme", model, occurredAt: month.from + 86_400_000, now: Date.now() }, {
      key: "late-run-costs", deferredRunId: "late-run-costs", kind: "agent", model,
      usage: { input_tokens: 1000, output_tokens: 100, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 },
    });
    const lateCost = Number((await late.selectFrom("usage_costs").select("cost_micros").where("run_id", "=", "late-run").executeTakeFirstOrThrow()).cost_micros);
    await late.destroy();
    expect(lateCost).toBe(1000 * 9 + 100 * 9); // the month's new price: $9 / Mtok in and out
    await page.reload();
    const lateNote = page.locator("[data-late-lines='1']");
    await lateNote.waitFor();
    expect(Number(await lateNote.getAttribute("data-late-spend"))).toBe(lateCost);
    expect(await lateNote.textContent()).toMatch(/^1 usage line was recorded after the month ended \(/);
    expect(Number(await page.locator("article.statement").getAttribute("data-statement-total"))).toBe(after + lateCost);
    expect(Number(await restated.locator("[data-before-restatements]").getAttribute("data-before-restatements"))).toBe(before);
  });

  it("raised no page error and no failed request", () => {
    expect(problems).toEqual([]);
  });
});

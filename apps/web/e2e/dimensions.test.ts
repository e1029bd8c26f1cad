import { type RawBuilder, sql } from "kysely";
import { recordEvaluation, recordUsage, type RunRef } from "@tally/inngest-functions";
import { connect, type Db, jsonText } from "@tally/shared/db";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, type RunningServer, startServer } from "./server.ts";
import { launchChromium } from "./browser.ts";

/**
 * Spend by function and by promoted tag (issue 20) in real Chromium against the real API with
 * TALLY_TAG_KEYS=plan: the seeded runs plus tagged ones written through the production writers. The filter
 * bar's Function and Tag (key, then value) go into the URL; the Spend by-function and by-tag tables' totals
 * equal the API's answer and a raw-SQL sum of the usage lines; a row drills into Runs with every filter kept.
 */

const Q = 900_000;
const FN = "handle-support-ticket";
const PLANS = ["pro", "free", ""] as const;

let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
const problems: string[] = [];
const now = Date.now();
/** A custom range on whole 15-minute buckets, so aggregates and runs.list cover the same instants. */
const from = Math.floor((now - 8 * 86_400_000) / Q) * Q;
const to = Math.ceil((now + Q) / Q) * Q;

/** Tagged runs through the production writers (agent usage, and a judged score with the judge's usage). */
async function seedTagged(file: string): Promise<void> {
  const db = await connect({ url: file });
  for (let i = 0; i < 30; i++) {
    const plan = PLANS[i % 3]!;
    const occurredAt = now - i * 3 * 3_600_000 - 120_000;
    const ref: RunRef = {
      runId: `01TAGGED${String(i).padStart(4, "0")}`,
      functionSlug: i % 3 === 1 ? "summarize-thread" : FN,
      model: "gpt-4o-mini",
      customerId: ["acme", "globex"][i % 2]!,
      tags: plan ? { plan, team: "e2e" } : { team: "e2e" },
      occurredAt,
      now: occurredAt + 5_000,
    };
    const usage = { input_tokens: 1200 + 17 * i, output_tokens: 300 + 5 * i, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
    await recordUsage(db, ref, { key: `${ref.runId}-costs`, deferredRunId: `${ref.runId}-costs`, kind: "agent", model: "gpt-4o-mini", usage });
    if (i % 4 === 3) continue;
    await recordEvaluation(db, ref, {
      key: `${ref.runId}-score`,
      deferredRunId: `${ref.runId}-score`,
      model: "gpt-4o-mini",
      judgeModel: "gpt-4o-mini",
      rubricVersion: "rubric-v1",
      judgeCalls: 1,
      judgeUsage: { input_tokens: 900, output_tokens: 120, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 },
      outcome: { ok: true, scores: [{ name: "helpfulness", rawValue: 1 + (i % 5), scaleMin: 1, scaleMax: 5, rationale: `Run ${i}.` }] },
    });
  }
  await db.destroy();
}

/** The priced spend (µ$) of every usage line in the window of the runs `where` selects (raw SQL, not the rollups). */
async function rawSpend(where: (db: Db) => RawBuilder<unknown>): Promise<number> {
  const db = await connect({ url: server.dbUrl });
  const row = (
    await sql<{ spend: number }>`select sum(coalesce(u.cost_micros, 0)) as spend from usage_costs u join runs r on r.run_id = u.run_id
      where u.occurred_at >= ${from} and u.occurred_at < ${to} and ${where(db)}`.execute(db)
  ).rows[0]!;
  await db.destroy();
  return Number(row.spend);
}

async function rawRunIds(where: (db: Db) => RawBuilder<unknown>): Promise<string[]> {
  const db = await connect({ url: server.dbUrl });
  const rows = (await sql<{ run_id: string }>`select run_id from runs r where occurred_at >= ${from} and occurred_at < ${to} and ${where(db)} order by run_id`.execute(db)).rows;
  await db.destroy();
  return rows.map((r) => r.run_id);
}

async function totalShown(page: Page): Promise<number> {
  const cell = page.locator("[data-table='spend-by-dimension'] tfoot tr.total");
  await cell.waitFor();
  return Number(await cell.getAttribute("data-total-spend"));
}

beforeAll(async () => {
  ensureBuilt();
  server = await startServer({ runs: 200, days: 5, env: { TALLY_TAG_KEYS: "plan" } });
  // Written while the API is stopped, then started again on the same file (as a deploy would).
  await server.stop();
  await seedTagged(server.dbUrl);
  await server.start();
  // The database held runs when `plan` was promoted: the server fills it in the background.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const d = await server.query<{ tags: { key: string; state: string }[] }>("dimensions.list", {});
    if (d.tags.find((t) => t.key === "plan")?.state === "ready") break;
    if (Date.now() > deadline) throw new Error(`plan never became ready: ${JSON.stringify(d.tags)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  browser = await launchChromium();
  const storageState = await server.signedIn(browser);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC", locale: "en-US", storageState });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("spend by function and by tag in Chromium", () => {
  let page: Page;
  const window = { from, to, timeZone: "UTC" };

  it("picks a function in the filter bar: Spend by function shows it alone, its total the API's and the raw lines'", async () => {
    page = await context.newPage();
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });
    await page.goto(`${server.url}/spend?range=custom&from=${from}&to=${to}&tz=UTC`);
    await page.locator("[data-table='spend-by-dimension'] tbody tr").first().waitFor();
    await page.getByLabel("Function", { exact: true }).selectOption(FN);
    await page.waitForURL((u) => u.searchParams.get("fn") === FN);
    // The unfiltered answer (two functions) stays on screen until the filtered one arrives.
    await page.waitForFunction((fn) => {
      const rows = document.querySelectorAll("[data-table='spend-by-dimension'] tbody tr");
      return rows.length === 1 && rows[0]!.getAttribute("data-value") === fn;
    }, FN);
    const api = await server.query<{ totals: { spendMicros: number } }>("spend.byDimension", { ...window, functionSlugs: [FN], dimension: "function" });
    expect(await totalShown(page)).toBe(api.totals.spendMicros);
    expect(api.totals.spendMicros).toBe(await rawSpend(() => sql`r.function_slug = ${FN}`));
  });

  it("then a tag (key, then value): the by-tag table's total equals the API's and the raw lines'", async () => {
    await page.getByLabel("Tag", { exact: true }).selectOption("plan");
    await page.getByLabel("Tag value").selectOption("pro");
    await page.waitForURL((u) => u.searchParams.get("tag") === "plan:pro" && u.searchParams.get("fn") === FN);
    // No rollup keeps a function and a tag: the aggregates take the tag, and the bar says so.
    await page.getByRole("note").filter({ hasText: "the function filter applies to Runs" }).waitFor();
    expect(await page.getByLabel("Split by").inputValue()).toBe("tag:plan");
    await page.locator("[data-table='spend-by-dimension'] tbody tr[data-value='pro']").waitFor();
    expect(await page.locator("[data-table='spend-by-dimension'] tbody tr").count()).toBe(1);
    const api = await server.query<{ totals: { spendMicros: number } }>("spend.byDimension", { ...window, tags: { plan: "pro" }, dimension: "tag", tagKey: "plan" });
    expect(api.totals.spendMicros).toBeGreaterThan(0);
    expect(await totalShown(page)).toBe(api.totals.spendMicros);
    expect(api.totals.spendMicros).toBe(await rawSpend((db) => sql`${jsonText(db, "r.tags", "plan")} = 'pro'`));
  });

  it("drills from the row into Runs with the function and the tag kept", async () => {
    await page.locator("[data-table='spend-by-dimension'] tbody tr[data-value='pro']").click();
    await page.waitForURL((u) => u.pathname === "/runs");
    const params = new URL(page.url()).searchParams;
    expect(Object.fromEntries(params)).toMatchObject({ range: "custom", from: String(from), to: String(to), tz: "UTC", fn: FN, tag: "plan:pro" });
    const expected = await rawRunIds((db) => sql`r.function_slug = ${FN} and ${jsonText(db, "r.tags", "plan")} = 'pro'`);
    expect(expected.length).toBeGreaterThan(0);
    await page.locator("tr[data-run-id]").first().waitFor();
    const shown = await page.locator("tr[data-run-id]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run-id")!));
    expect(shown.sort()).toEqual(expected);
    expect(problems).toEqual([]);
  });

  it("a tag that is not promoted, in a shared URL: each card says the filters cannot be answered and clears them, keeping the period", async () => {
    const shared = await context.newPage();
    await shared.goto(`${server.url}/?range=custom&from=${from}&to=${to}&tz=UTC&tag=channel:email&model=gpt-4o`);
    const refused = shared.getByRole("alert").filter({ hasText: "These filters cannot be answered." });
    await refused.first().waitFor();
    expect(await refused.first().textContent()).toContain("channel");
    expect(await shared.getByRole("button", { name: "Retry" }).count()).toBe(0);
    await refused.first().getByRole("button", { name: "Clear the filters" }).click();
    await shared.waitForURL((u) => !u.searchParams.has("tag"));
    expect(Object.fromEntries(new URL(shared.url()).searchParams)).toEqual({ range: "custom", from: String(from), to: String(to), tz: "UTC" });
    await shared.locator("[data-kpi='spend']").waitFor();
    expect(await refused.count()).toBe(0);
    await shared.close();
  });
});

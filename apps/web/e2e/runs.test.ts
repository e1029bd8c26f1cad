import { recordEvaluation, recordUsage } from "@tally/inngest-functions";
import type { Db } from "@tally/shared/db";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SeedSummary, seed } from "./seed.ts";
import { ensureBuilt, type RunningServer, startServer } from "./server.ts";
import { launchChromium } from "./browser.ts";
import { formatMicros } from "@tally/shared";
import { connect } from "@tally/shared/db";

/**
 * Runs page and customers table (issue 22): the exact total, sorting in the URL, customer names, the
 * score-name choice, a demo run's missing Inngest run, deferred run links, and the customers table's page
 * size. Real Chromium on the real API over a seeded database (SQLite, or PostgreSQL with
 * TALLY_TEST_ENGINE=postgres): the seed's 120 runs, 30 more customers with one run each, and one demo run. Expected figures come from what was written, not from the API.
 */

const SEED_RUNS = 120;
const DAY = 86_400_000;
const EXTRA = 30;
const DEMO_RUN = "demo-e2e-run";
const USAGE = (input: number) => ({ input_tokens: input, output_tokens: 10, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 });

let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
const problems: string[] = [];

/** The seed's runs, 30 more customers with one run each, and one demo run, through the production writers. */
async function seedRunsPage(db: Db): Promise<SeedSummary> {
  const now = Date.now();
  const seeded = await seed(db, { runs: SEED_RUNS, now, days: 10 });
  // 30 customers beyond the seed's 4, each with one run (the customers table then has 34 rows).
  for (let i = 0; i < EXTRA; i++) {
    const ref = { runId: `extra-${i}`, functionSlug: "handle-support-ticket", model: "gpt-4o-mini", customerId: `extra-co-${String(i).padStart(2, "0")}`, occurredAt: now - 3_600_000 - i * 1000, now };
    await recordUsage(db, ref, { key: `extra-${i}-costs`, deferredRunId: `extra-${i}-costs`, kind: "agent", model: "gpt-4o-mini", usage: USAGE(1000 + i) });
  }
  const demo = { runId: DEMO_RUN, functionSlug: "handle-support-ticket", model: "gpt-4o-mini", customerId: "acme", occurredAt: now - 7_200_000, now };
  await recordUsage(db, demo, { key: `${DEMO_RUN}-costs`, deferredRunId: `${DEMO_RUN}-track-ai-costs`, kind: "agent", model: "gpt-4o-mini", usage: USAGE(500) });
  await recordEvaluation(db, demo, {
    key: `${DEMO_RUN}-score`, deferredRunId: `${DEMO_RUN}-score-agent-output`, model: "gpt-4o-mini", judgeModel: "gpt-4o-mini", rubricVersion: "rubric-v1", judgeCalls: 1,
    judgeUsage: USAGE(100),
    outcome: { ok: true, scores: [{ name: "accuracy", rawValue: 1, scaleMin: 1, scaleMax: 5, rationale: "demo" }] },
  });
  return seeded;
}

beforeAll(async () => {
  ensureBuilt();
  server = await startServer({ seedWith: seedRunsPage, env: { INNGEST_RUN_URL_TEMPLATE: "https://inngest.example/run/{runId}" } });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: "UTC", locale: "en-US", storageState: await server.signedIn(browser) });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(path: string): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`${path}: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`${path}: HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(server.url + path);
  return page;
}

const rowIds = (page: Page) => page.locator("table[aria-label='Runs'] tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run-id")));

describe("Runs page in Chromium", () => {
  it("shows the exact total and page N of M", async () => {
    const page = await open("/runs?range=90d");
    const total = SEED_RUNS + EXTRA + 1;
    await expect.poll(() => page.getByText(`${total} runs.`).count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByTestId("runs-page").textContent()).toBe(`Page 1 of ${Math.ceil(total / 50)}`);
    await page.close();
  });

  it("while the next page loads, the last page's rows are dimmed and busy, and the pager says page N is loading", async () => {
    const page = await open("/runs?range=90d");
    await page.waitForSelector("table[aria-label='Runs'] tbody tr");
    const firstIds = await rowIds(page);
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    // The next page's answer is held until the test has looked at the page meanwhile.
    await page.route(/\/api\/trpc\/[^?]*runs\.list/, async (route) => {
      if (route.request().url().includes("cursor")) await held;
      await route.continue();
    });
    await page.getByRole("button", { name: "Next" }).click();
    await expect.poll(() => page.getByTestId("runs-page").textContent()).toBe("Loading page 2…");
    expect(await page.locator("[aria-busy='true'] table[aria-label='Runs']").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Next" }).isDisabled()).toBe(true);
    expect((await rowIds(page))[0]).toBe(firstIds[0]);
    release();
    await expect.poll(() => page.getByTestId("runs-page").textContent()).toMatch(/^Page 2 of /);
    expect((await rowIds(page)).filter((id) => firstIds.includes(id))).toEqual([]);
    expect(await page.locator("[aria-busy='true'] table[aria-label='Runs']").count()).toBe(0);
    await page.close();
  });

  it("sorts by score lowest first (sort=score-asc in the URL), stable across Next", async () => {
    const page = await open("/runs?range=90d&score=accuracy");
    await page.getByTestId("runs-sort").selectOption("score-asc");
    await expect.poll(() => new URL(page.url()).searchParams.get("sort")).toBe("score-asc");
    await page.waitForSelector("table[aria-label='Runs'] tbody tr");
    const values = async () =>
      page.locator("table[aria-label='Runs'] tbody tr").evaluateAll((rows) =>
        rows.map((r) => Number([...r.querySelectorAll(".badge")].find((b) => b.getAttribute("title") === "accuracy")?.textContent?.replace("accuracy", "").trim())),
      );
    const first = await values();
    expect(first.length).toBe(50);
    expect(first).toEqual([...first].sort((a, b) => a - b));
    const firstIds = await rowIds(page);
    await page.getByRole("button", { name: "Next" }).click();
    await expect.poll(async () => (await rowIds(page))[0]).not.toBe(firstIds[0]);
    const second = await values();
    expect(second[0]).toBeGreaterThanOrEqual(first[first.length - 1]!);
    expect((await rowIds(page)).filter((id) => firstIds.includes(id))).toEqual([]);
    // A run opened from this page, and "← Runs": the same list (score, sort, page 2), not newest first.
    const list = page.url();
    const secondIds = await rowIds(page);
    await page.locator("table[aria-label='Runs'] tbody tr td.mono a").first().click();
    await page.waitForURL(/\/runs\/[^?]+\?/);
    await page.getByRole("link", { name: "← Runs" }).click();
    await page.waitForURL((u) => u.pathname === "/runs");
    expect(page.url()).toBe(list);
    await expect.poll(async () => (await rowIds(page))[0]).toBe(secondIds[0]);
    await page.close();
  });

  it("names customers (id beside the name) and offers only the score names that exist", async () => {
    const page = await open("/runs?range=90d");
    await page.waitForSelector("table[aria-label='Runs'] tbody tr");
    const acme = page.locator("td[data-customer-id='acme']").first();
    expect(await acme.getAttribute("title")).toBe("acme");
    expect(await acme.textContent()).toBe("Acme Corpacme");
    const options = await page.getByTestId("score-name").locator("option").allTextContents();
    expect(options).toEqual(["any score", "accuracy", "helpfulness", "tone"]);
    await page.close();
  });

  it("a demo run says it has no Inngest run; a real run's deferred ids link to Inngest", async () => {
    const demo = await open(`/runs/${DEMO_RUN}`);
    await expect.poll(() => demo.getByTestId("no-inngest-run").textContent(), { timeout: 30_000 }).toBe("demo run: no Inngest run");
    expect(await demo.getByRole("link", { name: /Open in Inngest/ }).count()).toBe(0);
    expect(await demo.locator("a[href*='inngest.example']").count()).toBe(0);
    await demo.close();
    const real = await open("/runs/01SEED000000");
    await real.getByRole("link", { name: /Open in Inngest/ }).waitFor();
    expect(await real.getByRole("link", { name: /Open in Inngest/ }).getAttribute("href")).toBe("https://inngest.example/run/01SEED000000");
    const hrefs = await real.locator("dd a[href*='inngest.example']").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    expect(hrefs).toEqual(["https://inngest.example/run/01SEED000000-costs", "https://inngest.example/run/01SEED000000-score"]);
    await real.close();
  });
});

describe("Runs behind spend (basis=spend)", () => {
  it("names the unpriced calls in what the runs spent, and offers a way out of a range too long to list", async () => {
    const db = await connect({ url: server.dbUrl });
    const [from, to] = [Math.floor((server.seeded.now - 20 * DAY) / 900_000) * 900_000, Math.ceil((server.seeded.now + 3_600_000) / 900_000) * 900_000];
    // The unpriced model's spend in the window, booked as spend is: its agent lines, and the judge's lines on its runs.
    const model = "acme-internal-llm";
    const agent = await db.selectFrom("usage_costs").select(["cost_micros"]).where("kind", "=", "agent").where("model", "=", model)
      .where("occurred_at", ">=", from).where("occurred_at", "<", to).execute();
    const judge = await db.selectFrom("usage_costs as u").innerJoin("runs as r", "r.run_id", "u.run_id").select(["u.cost_micros"]).where("u.kind", "=", "judge")
      .where("r.model", "=", model).where("r.occurred_at", ">=", from).where("r.occurred_at", "<", to).execute();
    await db.destroy();
    const lines = [...agent, ...judge];
    const unpriced = lines.filter((l) => l.cost_micros === null).length;
    const priced = lines.reduce((a, l) => a + Number(l.cost_micros ?? 0), 0);
    expect(unpriced).toBeGreaterThan(0);
    const page = await open(`/runs?basis=spend&range=custom&from=${from}&to=${to}&tz=UTC&model=${model}`);
    const money = priced > 0 ? `${formatMicros(priced)} + ` : "";
    await expect.poll(() => page.getByText(`Their spend here: ${money}${unpriced} unpriced call${unpriced === 1 ? "" : "s"}.`, { exact: false }).count(), { timeout: 30_000 }).toBe(1);
    await page.close();

    // A range ending off a quarter of an hour (as "year to date" does): the API reads it to the next quarter.
    const end = to - 7 * 60_000;
    const long = await open(`/runs?basis=spend&range=custom&from=${end - 100 * DAY}&to=${end}&tz=UTC`);
    await long.getByText("The runs behind spend are listed over at most 92 days").waitFor();
    expect(await long.getByTestId("export-runs-csv").count()).toBe(0);
    await long.getByRole("button", { name: "Last 92 days of this range" }).click();
    await long.waitForURL((u) => u.searchParams.get("from") === String(to - 92 * DAY) && u.searchParams.get("to") === String(to));
    await long.locator("table[aria-label='Runs'] tbody tr").first().waitFor();
    expect(new URL(long.url()).searchParams.get("basis")).toBe("spend");
    expect(await long.getByTestId("export-runs-csv").count()).toBe(1);
    await long.getByRole("button", { name: "List runs by their own model, customer and time" }).click();
    await long.waitForURL((u) => !u.searchParams.has("basis"));
    expect(await long.locator("th", { hasText: "Spent here" }).count()).toBe(0);
    await long.close();
  });
});

describe("Spend customers table paging", () => {
  it("shows 20 per page, then all 34 at 50 per page (URL size=50)", async () => {
    const page = await open("/spend?range=90d");
    const rows = page.locator("table[aria-label='Customers'] tbody tr");
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(20);
    await page.getByTestId("customers-page-size").selectOption("50");
    await expect.poll(() => rows.count()).toBe(4 + EXTRA);
    expect(new URL(page.url()).searchParams.get("size")).toBe("50");
    await page.close();
  });

  it("no page errors or failed requests", () => {
    expect(problems).toEqual([]);
  });
});

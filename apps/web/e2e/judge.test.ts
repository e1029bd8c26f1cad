import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { recordSkippedEvaluation, recordUsage } from "@tally/inngest-functions";
import { formatMicros } from "@tally/shared";
import { connect } from "@tally/shared/db";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, ensureBuilt, type RunningServer, startServer } from "./server.ts";
import { SHOTS, launchChromium, seriousViolations } from "./browser.ts";

/**
 * Judge spend under control (issue 23) in Chromium against the real API: the Quality page's judge card
 * shows what `judge.status` and `quality.costVsQuality` answer, finance sets sampling overrides in
 * Settings (audited), a viewer reads them only. The seed adds runs left out by sampling and by the daily
 * judge budget today through the production writer (recordSkippedEvaluation).
 */

const UNSAMPLED = { "gpt-4o-mini": 12, "claude-3-5-haiku-latest": 5 } as const;
const BUDGET_SKIPPED = { "gpt-4o-mini": 3, "claude-3-5-haiku-latest": 4 } as const;

let server: RunningServer;
let browser: Browser;
const accounts = {} as Record<"finance" | "viewer", Account>;
const contexts = {} as Record<"finance" | "viewer", BrowserContext>;
const problems: string[] = [];

interface Status { sampleRate: number; dailyBudgetMicros: number | null; todayMicros: number | null; todayJudgeCalls: number; todayUnpricedCalls: number; skippedToday: number; day: string; timeZone: string }
interface Row { model: string; runs: number; scoredRuns: number; unsampledRuns: number; judgeSkippedRuns: number; judgeSpendMicros: number | null; judgeUnpricedCalls: number; judgeCostPerScoredRunMicros: number | null; agentSpendMicros: number | null; unpricedCalls: number }
interface Override { scope: string; key: string; rate: number; updatedBy: string }

/** Runs left unjudged today (UTC, the reporting zone without TALLY_TIME_ZONES), with their agent usage. */
async function seedSkipped(now: number): Promise<void> {
  const db = await connect({ url: server.dbUrl });
  const dayStart = now - (now % 86_400_000);
  let i = 0;
  const add = async (model: string, reason: "not_sampled" | "judge_budget") => {
    const runId = `01JUDGE${String(i++).padStart(5, "0")}`;
    const occurredAt = Math.max(dayStart, now - 20 * 60_000) + i * 1_000;
    const run = { runId, functionSlug: "handle-support-ticket", model, customerId: "acme", occurredAt, now: occurredAt + 5_000 };
    const usage = { input_tokens: 800, output_tokens: 200, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
    await recordUsage(db, run, { key: `${runId}-costs`, deferredRunId: `${runId}-costs`, kind: "agent", model, usage });
    await recordSkippedEvaluation(db, { run, key: `${runId}-score`, deferredRunId: `${runId}-score`, judgeModel: "gpt-4o-mini", rubricVersion: "rubric-v1", reason });
  };
  for (const [model, n] of Object.entries(UNSAMPLED)) for (let k = 0; k < n; k++) await add(model, "not_sampled");
  for (const [model, n] of Object.entries(BUDGET_SKIPPED)) for (let k = 0; k < n; k++) await add(model, "judge_budget");
  await db.destroy();
}

async function open(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`${path}: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 500) problems.push(`${path}: HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(server.url + path);
  return page;
}

/** A Money cell's text, by hand: the figure, then the unpriced calls ("unpriced" alone when nothing is priced, never $0). */
function moneyText(micros: number | null, unpriced: number, digits: number): string {
  const calls = unpriced ? `${unpriced} unpriced call${unpriced === 1 ? "" : "s"}` : "";
  if (micros === null) return unpriced ? `unpriced${calls}` : "—";
  return `${columnMoney(micros, digits)}${calls ? `+ ${calls}` : ""}`;
}

/** One precision per column: the decimals the column's largest figure gets on its own, for every cell. */
function columnDigits(values: (number | null)[]): number {
  const largest = Math.max(0, ...values.map((v) => Math.abs(v ?? 0)));
  return formatMicros(largest, "en-US").split(".")[1]?.length ?? 0;
}
function columnMoney(micros: number, digits: number): string {
  const usd = micros / 1_000_000;
  const f = (v: number) => v.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: digits, maximumFractionDigits: digits });
  return usd !== 0 && Math.abs(usd) < 10 ** -digits / 2 ? `<${f(10 ** -digits)}` : f(usd);
}

/** The coverage line, written out by hand: scored of all runs, the sampled share of runs that reached the judge, budget skips. */
function expectedCoverage(r: Row): string {
  const gate = r.scoredRuns + r.unsampledRuns + r.judgeSkippedRuns;
  const parts = [
    ...(r.unsampledRuns > 0 ? [`${Math.round((100 * (gate - r.unsampledRuns)) / gate)}% sampled`] : []),
    ...(r.judgeSkippedRuns > 0 ? [`${r.judgeSkippedRuns} skipped by budget`] : []),
  ];
  return `based on ${r.scoredRuns.toLocaleString("en-US")} of ${r.runs.toLocaleString("en-US")} runs${parts.length ? `: ${parts.join(", ")}` : ""}`;
}

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  // A daily judge budget and a sample rate, so the card shows the bar and the rate the server runs with.
  server = await startServer({ runs: 150, days: 3, env: { TALLY_JUDGE_DAILY_BUDGET_USD: "0.01", TALLY_JUDGE_SAMPLE_RATE: "0.5" } });
  await seedSkipped(Date.now());
  browser = await launchChromium();
  for (const role of ["finance", "viewer"] as const) {
    accounts[role] = await server.createAccount(role);
    const storageState = await server.signedIn(browser, accounts[role]);
    contexts[role] = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC", locale: "en-US", storageState });
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("judge spend in Chromium", () => {
  it("Quality shows today's judge spend, budget skips and sample rate as judge.status answers, and per model judged what costVsQuality answers", async () => {
    const to = Math.ceil(Date.now() / 60_000) * 60_000;
    const from = to - 4 * 86_400_000;
    const page = await open(contexts.viewer, `/quality?range=custom&from=${from}&to=${to}&tz=UTC&score=helpfulness&threshold=0.7`);
    const card = page.locator("section.judge-spend");
    await card.locator("dl.judge-today").waitFor();
    await card.locator("tr[data-judge-model]").first().waitFor();

    const status = await server.query<Status>("judge.status", undefined);
    expect(status.skippedToday).toBe(BUDGET_SKIPPED["gpt-4o-mini"] + BUDGET_SKIPPED["claude-3-5-haiku-latest"]);
    const facts = await card.locator("dl.judge-today > div").evaluateAll((divs) => divs.map((d) => [d.querySelector("dt")?.textContent, d.querySelector("dd")?.textContent]));
    // Written out by hand: the API's figures as the card words them (Money: unpriced is never $0).
    const unpriced = `${status.todayUnpricedCalls} unpriced call${status.todayUnpricedCalls === 1 ? "" : "s"}`;
    const spend =
      status.todayMicros !== null
        ? `${formatMicros(status.todayMicros, "en-US")}${status.todayUnpricedCalls > 0 ? `+ ${unpriced}` : ""}`
        : status.todayUnpricedCalls > 0 ? `unpriced${unpriced}` : "—";
    expect([status.dailyBudgetMicros, status.sampleRate]).toEqual([10_000, 0.5]);
    const reached = status.todayMicros !== null && status.todayMicros >= 10_000;
    const budget = ` of $0.01 a day${reached ? ": reached, judging resumes tomorrow" : ""}`;
    expect(facts).toEqual([
      [`Judge spend today, ${status.day} (${status.timeZone}), every model and customer`, `${spend}${budget}`],
      ["Skipped today (budget reached, every model and customer)", `${status.skippedToday} runs`],
      ["Sample rate", "50% (default)"],
    ]);
    const width = await card.locator(".bar > span").evaluate((el) => (el as HTMLElement).style.width);
    // The browser serialises a CSS percentage with about six significant digits (91.08000000000001% → 91.08%).
    expect(width.endsWith("%")).toBe(true);
    expect(Number.parseFloat(width)).toBeCloseTo(Math.min(100, ((status.todayMicros ?? 0) / 10_000) * 100), 4);
    expect(await card.locator(".bar").getAttribute("class")).toBe(reached ? "bar over" : "bar ");

    const { rows } = await server.query<{ rows: Row[] }>("quality.costVsQuality", { from, to, timeZone: "UTC", scoreName: "helpfulness", threshold: 0.7 });
    // The runs the seed left out are what the API counts per judged model.
    for (const [model, n] of Object.entries(UNSAMPLED)) expect(rows.find((r) => r.model === model)?.unsampledRuns).toBe(n);
    const judged = rows.filter((r) => r.judgeSpendMicros !== null || r.judgeUnpricedCalls > 0 || r.scoredRuns + r.unsampledRuns + r.judgeSkippedRuns > 0);
    expect(judged.length).toBeGreaterThan(1);
    const shown = await card.locator("tr[data-judge-model]").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    const bySpend = [...judged].sort((a, b) => (b.judgeSpendMicros ?? -1) - (a.judgeSpendMicros ?? -1) || a.model.localeCompare(b.model));
    const digits = {
      judge: columnDigits(bySpend.map((r) => r.judgeSpendMicros)),
      perRun: columnDigits(bySpend.map((r) => r.judgeCostPerScoredRunMicros)),
      agent: columnDigits(bySpend.map((r) => r.agentSpendMicros)),
    };
    expect(shown).toEqual(
      bySpend.map((r) => [
        r.model,
        moneyText(r.judgeSpendMicros, r.judgeUnpricedCalls, digits.judge),
        r.judgeCostPerScoredRunMicros !== null ? columnMoney(r.judgeCostPerScoredRunMicros, digits.perRun) : r.judgeUnpricedCalls ? "unpriced" : "—",
        moneyText(r.agentSpendMicros, r.unpricedCalls, digits.agent),
      ]),
    );
    const mini = rows.find((r) => r.model === "gpt-4o-mini")!;
    expect(mini.judgeSpendMicros).toBeGreaterThan(0);

    // Beside each statistic, the runs it rests on: every model of the cost table, the comparison's means, the trend's lines.
    const cells = await page.locator("table[aria-label='Cost per passing run'] .coverage").evaluateAll((els) => els.map((el) => [el.getAttribute("title"), el.textContent]));
    const short = (r: Row) => expectedCoverage(r).replace("based on ", "").replace(": ", " · ").replaceAll(", ", " · ");
    expect(cells).toEqual(rows.map((r) => [expectedCoverage(r), short(r)]));
    const compared = page.locator("table[aria-label='Model comparison'] tbody tr").filter({ hasText: "gpt-4o-mini" }).locator(".coverage");
    expect(await compared.getAttribute("title")).toBe(expectedCoverage(mini));
    const lines = rows.filter((r) => r.scoredRuns > 0);
    const sum = (k: keyof Row) => lines.reduce((a, r) => a + (r[k] as number), 0);
    const total = { ...mini, runs: sum("runs"), scoredRuns: sum("scoredRuns"), unsampledRuns: sum("unsampledRuns"), judgeSkippedRuns: sum("judgeSkippedRuns") };
    expect(await page.locator(".card-head .coverage").textContent()).toBe(expectedCoverage(total));
    expect(await seriousViolations(page, "main")).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "judge.png"), fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
  });

  it("finance sets and removes overrides in Settings (audited), with the API's field errors beside their field", async () => {
    const page = await open(contexts.finance, "/settings");
    const form = page.getByRole("form", { name: "Set a sampling rate" });
    await form.waitFor();
    expect(await page.getAttribute("[data-global-rate]", "data-global-rate")).toBe(String((await server.query<Status>("judge.status", undefined)).sampleRate));

    // Out of range: the API refuses it and its message stands by the rate field.
    await form.getByLabel("Model or customer id").fill("GPT-4o-Mini ");
    await form.getByLabel("Sample rate (0 to 1)").fill("1.5");
    await form.getByRole("button", { name: "Set rate" }).click();
    const rate = form.getByLabel("Sample rate (0 to 1)");
    await page.waitForFunction(() => document.querySelectorAll("form[aria-label='Set a sampling rate'] input[aria-invalid='true']").length === 1);
    const describedBy = await rate.getAttribute("aria-describedby");
    expect(await page.locator(`[id='${describedBy}']`).textContent()).toBe("rate must be from 0 to 1");
    expect(await server.query<Override[]>("judge.sampling.list", undefined)).toEqual([]);

    // A model key is stored as payloads store it (trimmed, lower-cased).
    await rate.fill("0.25");
    await form.getByRole("button", { name: "Set rate" }).click();
    const row = page.locator("tr[data-override='model:gpt-4o-mini']");
    await row.waitFor();
    expect(await row.getAttribute("data-rate")).toBe("0.25");
    expect(await row.locator("td").nth(2).textContent()).toBe("25%");
    const list = await server.query<Override[]>("judge.sampling.list", undefined);
    expect(list.map((o) => [o.scope, o.key, o.rate, o.updatedBy])).toEqual([["model", "gpt-4o-mini", 0.25, accounts.finance.email]]);

    // A customer override, then removed.
    await form.locator("select").selectOption("customer");
    await form.getByLabel("Model or customer id").fill("globex");
    await form.getByLabel("Sample rate (0 to 1)").fill("0");
    await form.getByRole("button", { name: "Set rate" }).click();
    await page.locator("tr[data-override='customer:globex']").waitFor();
    await page.getByRole("button", { name: "Remove the customer override for globex" }).click();
    await page.locator("tr[data-override='customer:globex']").waitFor({ state: "detached" });

    const audit = await server.query<{ items: { action: string; target: string; actorLabel: string; after: unknown }[] }>("audit.list", {});
    const judgeEntries = audit.items.filter((e) => e.action.startsWith("judgeSampling.")).map((e) => [e.action, e.target, e.actorLabel]);
    expect(judgeEntries).toEqual([
      ["judgeSampling.remove", "judgeSampling:customer/globex", accounts.finance.email],
      ["judgeSampling.set", "judgeSampling:customer/globex", accounts.finance.email],
      ["judgeSampling.set", "judgeSampling:model/gpt-4o-mini", accounts.finance.email],
    ]);
    expect(await seriousViolations(page, "main")).toEqual([]);
    await page.close();
  });

  it("Quality under a model filter names that model's own sample rate beside the default, and links to the overrides", async () => {
    const page = await open(contexts.viewer, "/quality?range=7d&tz=UTC&model=gpt-4o-mini");
    const rate = page.locator("section.judge-spend [data-sample-rate]");
    await rate.waitFor();
    // The override set by finance above: gpt-4o-mini at 25%, the default (TALLY_JUDGE_SAMPLE_RATE) 50%.
    await expect.poll(() => rate.textContent()).toBe("25% for model gpt-4o-mini (default 50%)1 model or customer rate in Settings");
    expect(await rate.getByRole("link").getAttribute("href")).toBe("/settings#judge-sampling");
    await page.close();
  });

  it("a viewer reads the overrides and cannot change them", async () => {
    const page = await open(contexts.viewer, "/settings");
    const row = page.locator("tr[data-override='model:gpt-4o-mini']");
    await row.waitFor();
    expect(await row.locator("td").nth(2).textContent()).toBe("25%");
    expect(await page.locator("#judge-sampling button").count()).toBe(0);
    expect(await page.locator("#judge-sampling form").count()).toBe(0);
    expect(await page.locator("#judge-sampling input").count()).toBe(0);
    expect(await seriousViolations(page, "main")).toEqual([]);
    await page.close();
    expect(problems).toEqual([]);
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enqueueReview, recordUsage, storeReview } from "@tally/inngest-functions";
import type { Db } from "@tally/shared/db";
import { connectTestDatabase } from "@tally/shared/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CUSTOMERS, NEAR_BUDGET_CUSTOMER, PRICE_OVERRIDE, TRIAGE, VERSION_CHANGE_DAY } from "./scenario.ts";
import { repriceBatch } from "../reprice/runner.ts";
import { createCaller } from "../trpc/root.ts";
import { clearDemo, isFirstStart, seedDemo } from "./seed.ts";

const NOW = Date.UTC(2026, 10, 20, 15, 30);
const DAY = 86_400_000;

async function totals(db: Db) {
  const q = (sql: string) => db.executeQuery<{ v: number }>({ sql, parameters: [], query: { kind: "SelectQueryNode" } } as never);
  const one = async (sql: string) => Number((await q(sql)).rows[0]?.v ?? 0);
  return {
    runs: await one("select count(*) v from runs"),
    rollupRuns: await one("select coalesce(sum(runs), 0) v from rollup_runs_15m"),
    scores: await one("select count(*) v from scores"),
    rollupScores: await one("select coalesce(sum(n), 0) v from rollup_scores_15m"),
    cost: await one("select coalesce(sum(cost_micros), 0) v from usage_costs"),
    rollupCost: await one("select coalesce(sum(cost_micros), 0) v from rollup_usage_15m"),
    lines: await one("select count(*) v from usage_costs"),
    rollupCalls: await one("select coalesce(sum(calls), 0) v from rollup_usage_15m"),
    reviewItems: await one("select count(*) v from review_items"),
    reviews: await one("select count(*) v from reviews"),
    reviewScores: await one("select count(*) v from review_scores"),
  };
}

/** What the dashboard asks, as a viewer. */
const viewer = (db: Db) => createCaller({ db, runUrlTemplate: "{runId}", now: () => NOW, principal: { kind: "user", id: "u", label: "viewer@test.local", role: "viewer" } });
/** What the dashboard asks to label demo data: the `system.status` procedure. */
const status = (db: Db) => viewer(db).system.status();

// Seeding and clearing hundreds of runs: minutes on a loaded machine (PostgreSQL pass); hang guards, not budgets.
describe("demo data", { timeout: 120_000 }, () => {
  let dir: string;
  let db: Db;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tally-demo-"));
    db = await connectTestDatabase({ file: join(dir, "demo.db") });
    await seedDemo(db, { now: NOW, runsPerDay: 12 });
  }, 300_000); // ~900 runs and their reviews (1–3 s alone; the default 10 s ran out on a shared, loaded machine): a hang guard
  afterAll(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes a 90-day history whose rollups equal its raw rows", async () => {
    const t = await totals(db);
    expect(t.runs).toBeGreaterThan(700);
    expect(t.rollupRuns).toBe(t.runs);
    expect(t.rollupScores).toBe(t.scores);
    expect(t.rollupCost).toBe(t.cost);
    expect(t.rollupCalls).toBe(t.lines);
    const span = await db.selectFrom("runs").select((e) => [e.fn.min<number>("occurred_at").as("first"), e.fn.max<number>("occurred_at").as("last")]).executeTakeFirstOrThrow();
    expect(NOW - span.first).toBeGreaterThan(89 * DAY);
    expect(span.last).toBeLessThan(NOW);
    expect(await status(db)).toEqual({ demoData: true, teamZones: [] });
  });

  it("seeding again adds nothing, 20 minutes or days later: the history keeps the first seed's end", async () => {
    const before = await totals(db);
    const prices = await db.selectFrom("model_prices").selectAll().execute();
    for (const later of [20 * 60_000, 3_600_000, 1 * DAY + 20 * 60_000, 40 * DAY]) {
      expect((await seedDemo(db, { now: NOW + later, runsPerDay: 12 })).endsAt).toBe(NOW);
      expect(await totals(db)).toEqual(before);
    }
    expect(await db.selectFrom("model_prices").selectAll().execute()).toEqual(prices);
    expect(await db.selectFrom("customers").select("id").execute()).toHaveLength(CUSTOMERS.length);
  });

  it("tells the story: an unpriced model, a regression, a price override, a customer near budget, judge costs", async () => {
    const unpriced = await db.selectFrom("usage_costs").select("model").distinct().where("cost_micros", "is", null).execute();
    expect(unpriced).toEqual([{ model: "acme-support-ft-v2" }]);

    const accuracy = (model: string, after: boolean) =>
      db.selectFrom("scores").select((e) => e.fn.avg<number>("raw_value").as("m")).where("name", "=", "accuracy").where("model", "=", model)
        .where("occurred_at", after ? ">=" : "<", NOW - VERSION_CHANGE_DAY * DAY).executeTakeFirstOrThrow();
    const newModel = (await accuracy("gpt-4.1-mini", true)).m;
    const oldModel = (await accuracy("gpt-4o-mini", false)).m;
    expect(newModel).toBeLessThan(oldModel - 0.4);

    const sources = await db.selectFrom("usage_costs").select("price_source").distinct().where("model", "=", PRICE_OVERRIDE.model).execute();
    expect(sources.map((s) => s.price_source.split(":")[0]).sort()).toEqual(["genai-prices", "override"]);

    const monthStart = Date.UTC(2026, 10, 1);
    const mtd = await db.selectFrom("usage_costs").select((e) => e.fn.sum<number>("cost_micros").as("s"))
      .where("customer_id", "=", NEAR_BUDGET_CUSTOMER).where("occurred_at", ">=", monthStart).executeTakeFirstOrThrow();
    const customer = await db.selectFrom("customers").selectAll().where("id", "=", NEAR_BUDGET_CUSTOMER).executeTakeFirstOrThrow();
    const used = Number(mtd.s) / customer.monthly_budget_micros!;
    expect(used).toBeGreaterThan(0.9);
    expect(used).toBeLessThan(1);

    const judge = await db.selectFrom("usage_costs").select((e) => e.fn.sum<number>("cost_micros").as("s")).where("kind", "=", "judge").executeTakeFirstOrThrow();
    expect(Number(judge.s)).toBeGreaterThan(0);
  });

  it("has runs that spend on two models: the triage model has no run of its own, and its spend drills into the runs behind it", async () => {
    const w = { from: NOW - 7 * DAY, to: NOW };
    const byModel = await viewer(db).spend.byModel(w);
    const triage = byModel.rows.find((r) => r.model === TRIAGE.model);
    expect(triage?.spendMicros).toBeGreaterThan(0);
    const lines = await db.selectFrom("usage_costs").select(["run_id", "cost_micros"]).where("model", "=", TRIAGE.model)
      .where("occurred_at", ">=", w.from).where("occurred_at", "<", w.to).execute();
    expect(triage!.spendMicros).toBe(lines.reduce((a, l) => a + Number(l.cost_micros), 0));
    expect((await viewer(db).runs.list({ ...w, models: [TRIAGE.model], limit: 5 })).total).toBe(0);
    const behind = await viewer(db).runs.list({ ...w, models: [TRIAGE.model], basis: "spend", limit: 5 });
    expect(behind.total).toBe(new Set(lines.map((l) => l.run_id)).size);
    expect(behind.inView?.costMicros).toBe(triage!.spendMicros);
  });

  it("reviews the judged runs as a team would: a queue (pending, reviewed, expired), and a judge that agrees on accuracy and over-rates tone", async () => {
    const items = await db.selectFrom("review_items").select(["status", "reason", "run_id"]).execute();
    expect(new Set(items.map((i) => i.status))).toEqual(new Set(["pending", "reviewed", "expired"]));
    expect(new Set(items.map((i) => i.reason))).toEqual(new Set(["threshold", "sample"]));
    expect(items.every((i) => i.run_id.startsWith("demo-"))).toBe(true);
    const t = await totals(db);
    expect(t.reviews).toBeGreaterThan(items.filter((i) => i.status === "reviewed").length); // some items have two reviewers
    expect(t.reviewScores).toBe(t.reviews * 3);
    // A new user sees agreement on first start (the dashboard's default 30 days).
    const agreement = await viewer(db).quality.agreement({ from: NOW - 30 * DAY, to: NOW });
    const row = (name: string) => agreement.rows.find((r) => r.name === name)!;
    expect(agreement.rows.map((r) => r.name)).toEqual(["accuracy", "helpfulness", "tone"]);
    expect(row("accuracy").n).toBeGreaterThanOrEqual(20);
    expect(row("accuracy").kappa!.value).toBeGreaterThan(0.7);
    expect(row("tone").kappa!.value).toBeLessThan(row("accuracy").kappa!.value - 0.3);
    expect(row("tone").mae!.value).toBeGreaterThan(row("accuracy").mae!.value + 0.5);
  });

  it("clearing removes the demo (its reviews too) and keeps real data, its reviews and its rollups", async () => {
    await recordUsage(db, { runId: "real-run-1", functionSlug: "my-app-agent", customerId: "real-co", model: "gpt-4o", occurredAt: NOW - DAY, now: NOW }, {
      key: "real-1", deferredRunId: "real-1", kind: "agent", model: "gpt-4o",
      usage: { input_tokens: 1000, output_tokens: 100, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 },
    });
    await enqueueReview(db, {
      id: "real-1:score", runId: "real-run-1", model: "gpt-4o", customerId: "real-co", judgeModel: "gpt-4o-mini", rubricVersion: "v1",
      reason: "sample", output: "reply", occurredAt: NOW - DAY, now: NOW,
    });
    await storeReview(db, { itemId: "real-1:score", reviewer: { id: "u1", label: "lead@real.co" }, verdict: "good", scores: [{ name: "tone", rawValue: 4 }], now: NOW });
    // Real usage of the model the demo's override prices, inside its dates: priced at the demo's price meanwhile.
    const sonnet = { input_tokens: 1_000_000, output_tokens: 100_000, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
    await recordUsage(db, { runId: "real-run-2", functionSlug: "my-app-agent", customerId: "real-co", model: PRICE_OVERRIDE.model, occurredAt: NOW - DAY, now: NOW }, {
      key: "real-2", deferredRunId: "real-2", kind: "agent", model: PRICE_OVERRIDE.model, usage: sonnet,
    });
    const costOf = async () => Number((await db.selectFrom("usage_costs").select("cost_micros").where("id", "=", "real-2:agent").executeTakeFirstOrThrow()).cost_micros);
    expect(await costOf()).toBe(2_400_000 + 1_200_000); // 1M input at $2.40 + 100k output at $12 per million
    const { runs, repricedLines } = await clearDemo(db);
    expect(runs).toBeGreaterThan(700);
    expect(repricedLines).toBe(1);
    expect(await status(db)).toEqual({ demoData: false, teamZones: [] });
    // The override's removal is audited, and a repricing of the usage it priced waits for the server's runner.
    const removal = await db.selectFrom("audit_log").select(["actor_label", "target"]).where("action", "=", "prices.remove").execute();
    expect(removal).toHaveLength(1);
    expect(removal[0]!.actor_label).toBe("demo seed");
    const jobs = await db.selectFrom("reprice_jobs").select(["id", "status", "lines_total", "created_by"]).execute();
    expect(jobs).toEqual([{ id: jobs[0]!.id, status: "pending", lines_total: 1, created_by: "demo seed" }]);
    expect(await repriceBatch(db, jobs[0]!.id, 500, NOW)).toBe("done");
    expect(await costOf()).toBe(3_000_000 + 1_500_000); // the catalog's $3 / $15 per million for Claude Sonnet 4
    const t = await totals(db);
    expect(t).toMatchObject({ runs: 2, rollupRuns: 2, scores: 0, rollupScores: 0, lines: 2, rollupCalls: 2, reviewItems: 1, reviews: 1, reviewScores: 1 });
    expect(t.rollupCost).toBe(t.cost);
    expect(await db.selectFrom("rollup_score_bins_15m").select("n").execute()).toEqual([]);
    expect(await db.selectFrom("customers").select("id").execute()).toEqual([]);
    expect(await db.selectFrom("model_prices").select("model").execute()).toEqual([]);
  }, 300_000); // takes ~10,000 runs back out of every rollup: a hang guard, not a time limit

  it("a cleared demo stays cleared: with no runs left, the next start is not a first start; seeding again lifts it", async () => {
    const fresh = await connectTestDatabase({ file: join(dir, "fresh.db") });
    try {
      expect(await isFirstStart(fresh)).toBe(true);
      await seedDemo(fresh, { now: NOW, runsPerDay: 2 });
      expect(await isFirstStart(fresh)).toBe(false);
      await clearDemo(fresh);
      expect((await totals(fresh)).runs).toBe(0);
      expect(await isFirstStart(fresh)).toBe(false);
      // Seeded afresh after a clear: the history ends at the new seed's now.
      expect((await seedDemo(fresh, { now: NOW + 2 * DAY, runsPerDay: 2 })).endsAt).toBe(NOW + 2 * DAY);
      expect(await fresh.selectFrom("settings").select("key").where("key", "=", "demo_cleared").execute()).toEqual([]);
      const last = await fresh.selectFrom("runs").select((e) => e.fn.max<number>("occurred_at").as("t")).executeTakeFirstOrThrow();
      expect(last.t).toBeGreaterThan(NOW);
      // Demo runs without a stored end (seeded before it was kept): refused with what to do, nothing written.
      await fresh.deleteFrom("settings").where("key", "=", "demo_ends_at").execute();
      const before = await totals(fresh);
      await expect(seedDemo(fresh, { now: NOW + 3 * DAY, runsPerDay: 2 })).rejects.toThrow("run `npm run demo:clear`, then `npm run demo`");
      expect(await totals(fresh)).toEqual(before);
    } finally {
      await fresh.destroy();
    }
  });
});

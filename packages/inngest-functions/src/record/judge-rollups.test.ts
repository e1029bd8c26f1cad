import { Migrator, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "@tally/shared";
import { CUBOIDS, type CuboidId, type Db, FACTS, type Fact, listTables, migrate, migrationProvider, type RollupTableSpec, syncCalendars, tableColumns, tableSpec } from "@tally/shared/db";
import { connectTestDatabase } from "@tally/shared/db/testing";
import { expectRollupsEqualRawRows } from "../testing/expect-rollups.ts";
import { storedAndExpected } from "../testing/expected-rollups.ts";
import { recordEvaluation, recordSkippedEvaluation } from "./evaluation.ts";
import { forgetRun } from "./forget.ts";
import type { RunRef } from "./run.ts";
import { recordUsage } from "./usage.ts";

// The judge measures of the run rollups (migration 0009) against the raw rows they summarise: each run's
// judge usage lines and runs.judge_outcome, keyed by the RUN's bucket, model, customer and function; and
// every other rollup of the catalogue (issue 20: model × customer, function, two promoted tags, one of
// them arriving on a later payload, local calendars). Expected values come from the raw rows
// (testing/expected-rollups.ts) with the grain widths written out there.

const START = Date.UTC(2026, 8, 1, 0, 0, 7);
const MODELS = ["gpt-4o", "claude-sonnet-4-0", "zz-unknown-agent"];
const CUSTOMERS = ["acme", "globex", "initech"];
/** gpt-4o-mini is in the genai-prices catalog (priced lines); the other judge is in no catalog (unpriced). */
const JUDGES = ["gpt-4o-mini", "zz-unknown-judge"];
const ZONES = ["America/New_York", "Asia/Kolkata"];

/** Totals over all runs, from raw rows: how much of each case a fixture exercised. */
interface Totals {
  priced: number;
  unpriced: number;
  cost: number;
  unsampled: number;
  skipped: number;
  customers: number;
}
async function rawTotals(db: Db): Promise<Totals> {
  const r = await sql<Totals>`select
    (select count(*) from usage_costs where kind = 'judge' and cost_micros is not null) as priced,
    (select count(*) from usage_costs where kind = 'judge' and cost_micros is null) as unpriced,
    (select coalesce(sum(cost_micros), 0) from usage_costs where kind = 'judge') as cost,
    (select count(*) from runs where judge_outcome = 'not_sampled') as unsampled,
    (select count(*) from runs where judge_outcome = 'judge_budget') as skipped,
    (select count(distinct customer_id) from runs) as customers`.execute(db);
  return r.rows[0]!;
}

const usage = (i: number, o: number) => ({ input_tokens: i, output_tokens: o, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 });

/**
 * Records `count` runs through the recording code: some judged before the track-costs delivery names the
 * model and customer (a move from '' to both), some after, some judged on a later clock (another bucket
 * than the run's), some failed after 3 judge calls, some skipped (`withSkips`), some delivered twice, and
 * every 7th forgotten again.
 */
async function seed(db: Db, count: number, seedNo: number, withSkips: boolean): Promise<void> {
  const rand = mulberry32(seedNo);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  for (let i = 0; i < count; i++) {
    const runId = `run-${seedNo}-${i}`;
    const occurredAt = START + Math.floor(rand() * 40 * 96) * 900_000 + Math.floor(rand() * 899_000);
    // Tags: plan (promoted) on some runs, env (promoted) on most, team (not promoted) on some.
    const tags: Record<string, string> = {};
    if (rand() < 0.6) tags.plan = pick(["free", "pro"]);
    if (rand() < 0.8) tags.env = pick(["prod", "staging"]);
    if (rand() < 0.3) tags.team = "core";
    // Some runs learn their plan only from a last delivery that changes nothing else (a tag-only move).
    const lateTag = tags.plan !== undefined && rand() < 0.3;
    const { plan: _plan, ...bareTags } = tags;
    const full: RunRef = { runId, functionSlug: pick(["support", "triage"]), model: pick(MODELS), customerId: pick(CUSTOMERS), tags: lateTag ? bareTags : tags, occurredAt, now: occurredAt + 1000 };
    // A score delivery knows neither the customer nor (sometimes) the model nor the plan tag; its clock may be hours later.
    const bare: RunRef = { ...full, tags: bareTags, customerId: undefined, model: rand() < 0.5 ? undefined : full.model, occurredAt: rand() < 0.3 ? occurredAt + 3 * 3_600_000 : occurredAt };
    const twice = rand() < 0.25 ? 2 : 1;
    const cost = async () => {
      for (let k = 0; k < twice; k++) {
        await recordUsage(db, full, { key: `${runId}-cost`, deferredRunId: `${runId}-cost`, kind: "agent", model: full.model!, usage: usage(800, 120) });
      }
    };
    const path = rand();
    const costFirst = rand() < 0.4;
    if (costFirst) await cost();
    if (withSkips && path < 0.3) {
      const reason = rand() < 0.5 ? "not_sampled" : "judge_budget";
      const skip = { run: bare, deferredRunId: `${runId}-score`, judgeModel: JUDGES[0]!, rubricVersion: "v1" };
      for (let k = 0; k < twice; k++) await recordSkippedEvaluation(db, { ...skip, key: `${runId}-score`, reason });
      // A second decision for the same run (another key) is kept as an evaluation but does not count again.
      if (rand() < 0.3) await recordSkippedEvaluation(db, { ...skip, key: `${runId}-score-2`, reason: reason === "not_sampled" ? "judge_budget" : "not_sampled" });
    } else if (path < 0.85) {
      const failed = rand() < 0.15;
      const judgeCalls = failed ? 3 : rand() < 0.1 ? 0 : 1;
      for (let k = 0; k < twice; k++) {
        await recordEvaluation(db, bare, {
          key: `${runId}-score`,
          deferredRunId: `${runId}-score`,
          model: full.model!,
          judgeModel: pick(JUDGES),
          rubricVersion: "v1",
          judgeCalls,
          judgeUsage: usage(300 + i, 20 + (i % 7)),
          outcome: failed
            ? { ok: false, error: "judge verdict invalid after 3 calls", rawOutput: "??" }
            : { ok: true, scores: [{ name: "helpfulness", rawValue: 1 + (i % 5), scaleMin: 1, scaleMax: 5, rationale: "r" }] },
        });
      }
    }
    if (!costFirst) await cost();
    if (lateTag) await recordUsage(db, { ...full, tags }, { key: `${runId}-late`, deferredRunId: `${runId}-late`, kind: "agent", model: full.model!, usage: usage(5, 5) });
  }
  for (let i = 0; i < count; i += 7) await forgetRun(db, `run-${seedNo}-${i}`);
}

/** Promotes tag keys, complete from the start (no facts yet), as TALLY_TAG_KEYS would before the first record. */
async function promote(db: Db, keys: string[]): Promise<void> {
  await db.insertInto("rollup_tag_keys").values(keys.map((tag_key) => ({ tag_key, filled_to: null, added_at: 0 }))).execute();
}

describe("judge measures of the run rollups", () => {
  let db: Db;
  beforeAll(async () => {
    db = await connectTestDatabase();
    await promote(db, ["env", "plan"]);
    await syncCalendars(db, ZONES);
    await seed(db, 400, 23, true);
  }, 300_000);
  afterAll(() => db.destroy());

  it("equal the raw rows (judge lines joined to their runs, runs.judge_outcome) in every catalogue table", { timeout: 120_000 }, async () => {
    await expectRollupsEqualRawRows(db);
    const totals = await rawTotals(db);
    expect(totals.priced).toBeGreaterThan(50);
    expect(totals.unpriced).toBeGreaterThan(50);
    expect(totals.cost).toBeGreaterThan(0);
    expect(totals.unsampled).toBeGreaterThan(10);
    expect(totals.skipped).toBeGreaterThan(10);
    expect(totals.customers).toBe(3); // every run's customer became known: every judged-first run moved
    const tagged = await sql<{ plan: number; env: number }>`select
      (select count(*) from rollup_runs_tag_1d where tag_key = 'plan' and tag_value != '') as plan,
      (select count(*) from rollup_runs_tag_1d where tag_key = 'env' and tag_value = '') as env`.execute(db);
    expect(tagged.rows[0]!.plan).toBeGreaterThan(10); // plan arrived on the later (cost) payload for judged-first runs
    expect(tagged.rows[0]!.env).toBeGreaterThan(0); // untagged runs under ''
    const unpromoted = await sql<{ n: number }>`select count(*) as n from rollup_runs_tag_1d where tag_key = 'team'`.execute(db);
    expect(unpromoted.rows[0]!.n).toBe(0);
    const empty = await sql<{ n: number }>`select count(*) as n from rollup_runs_15m where runs <= 0`.execute(db);
    expect(empty.rows[0]!.n).toBe(0);
  });

  it("a skipped evaluation delivered twice counts once; a later decision for the run is kept but not counted", { timeout: 120_000 }, async () => {
    const run: RunRef = { runId: "skip-once", functionSlug: "support", occurredAt: Date.UTC(2026, 8, 6, 0, 0, 1), now: START + 6 * 86_400_000 };
    const skip = { run, key: "skip-once-score", deferredRunId: "d", judgeModel: JUDGES[0]!, rubricVersion: "v1", reason: "judge_budget" as const };
    expect(await recordSkippedEvaluation(db, skip)).toEqual({ inserted: true, counted: true });
    expect(await recordSkippedEvaluation(db, skip)).toEqual({ inserted: false, counted: false });
    expect(await recordSkippedEvaluation(db, { ...skip, key: "skip-once-2", reason: "not_sampled" })).toEqual({ inserted: true, counted: false });
    const evaluations = await db.selectFrom("evaluations").select(["id", "status", "judge_calls"]).where("run_id", "=", "skip-once").orderBy("id").execute();
    expect(evaluations).toEqual([
      { id: "skip-once-2", status: "not_sampled", judge_calls: 0 },
      { id: "skip-once-score", status: "judge_budget", judge_calls: 0 },
    ]);
    const outcome = await db.selectFrom("runs").select("judge_outcome").where("run_id", "=", "skip-once").executeTakeFirstOrThrow();
    expect(outcome.judge_outcome).toBe("judge_budget");
    expect(await db.selectFrom("scores").select("id").where("run_id", "=", "skip-once").execute()).toEqual([]);
    expect(await db.selectFrom("usage_costs").select("id").where("run_id", "=", "skip-once").execute()).toEqual([]);
    const row = await db
      .selectFrom("rollup_runs_15m")
      .select(["runs", "unsampled_runs", "judge_skipped_runs"])
      .where("bucket", "=", Date.UTC(2026, 8, 6))
      .where("model", "=", "")
      .where("customer_id", "=", "")
      .where("function_slug", "=", "support")
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ runs: 1, unsampled_runs: 0, judge_skipped_runs: 1 });
    // The customer and model named later: the flag moves with the run.
    await recordUsage(db, { ...run, model: "gpt-4o", customerId: "acme" }, { key: "skip-once-cost", deferredRunId: "c", kind: "agent", model: "gpt-4o", usage: usage(10, 10) });
    await expectRollupsEqualRawRows(db);
    expect(await forgetRun(db, "skip-once")).toBe(true);
    await expectRollupsEqualRawRows(db);
  });
});

describe("migration 0009 backfills the judge measures from raw rows", () => {
  it("a database recorded before 0009 (judge lines, moves, forgotten runs) reads the same as one recorded after it", async () => {
    const db = await connectTestDatabase();
    try {
      await syncCalendars(db, ZONES);
      await seed(db, 300, 9, false);
      await expectRollupsEqualRawRows(db);
      const migrator = new Migrator({ db, provider: migrationProvider });
      // Back to the schema before 0009 (its columns gone, raw rows and older rollups kept), then up again.
      expect((await migrator.migrateTo("0008-access-control")).error).toBeUndefined();
      expect((await tableColumns(db, "rollup_runs_model_1w")).map((c) => c.name)).not.toContain("judge_cost_micros");
      await migrate(db);
      // 0013 emptied the local calendars and left them pending from the first bucket: the fill (in
      // expectRollupsEqualRawRows, as the server's keeper) brings them back, model × customer included.
      const pending = await db.selectFrom("rollup_calendars").select("filled_to").execute();
      expect(pending.length).toBe(4);
      expect(pending.every((c) => c.filled_to !== null && c.filled_to > 0)).toBe(true);
      expect((await sql<{ n: number }>`select count(*) as n from rollup_usage_model_local`.execute(db)).rows[0]!.n).toBe(0);
      await expectRollupsEqualRawRows(db);
      const totals = await rawTotals(db);
      expect(totals.priced).toBeGreaterThan(50);
      expect(totals.unpriced).toBeGreaterThan(30);
      const stored = await sql<{ cost: number; calls: number }>`select sum(judge_cost_micros) as cost, sum(judge_priced_calls + judge_unpriced_calls) as calls from rollup_runs_customer_4w`.execute(db);
      expect(stored.rows[0]).toEqual({ cost: totals.cost, calls: totals.priced + totals.unpriced });
    } finally {
      await db.destroy();
    }
  }, 300_000);
});

describe("migration 0016 drops the 6-hour grain", () => {
  it("its down rebuilds every 6-hour table equal to a GROUP BY of the raw rows; up again drops them", async () => {
    const db = await connectTestDatabase();
    try {
      await syncCalendars(db, ZONES);
      await promote(db, ["env", "plan"]);
      await seed(db, 120, 16, true);
      const sixHourly = () => listTables(db, "rollup!_%!_6h");
      expect(await sixHourly()).toEqual([]);
      expect((await new Migrator({ db, provider: migrationProvider }).migrateTo("0015-judge-spend-by-run")).error).toBeUndefined();
      // 5 facts × 11 cuboids, each holding sums of 6-hour blocks (storedAndExpected recomputes them from raw rows).
      expect((await sixHourly()).length).toBe(55);
      // Each laid out as the catalogue's hour table of the same fact and cuboid.
      const specs = hourSpecs(Object.keys(CUBOIDS) as CuboidId[]).map((s) => ({ ...beforePricedRuns(s), name: s.name.replace(/_1h$/, "_6h") }));
      const rebuilt = await storedAndExpected(db, specs);
      expect(rebuilt.length).toBe(55);
      expect(rebuilt.filter((t) => t.stored.length > 0).length).toBe(55);
      for (const { table, stored, expected } of rebuilt) expect(stored, table).toEqual(expected);
      await migrate(db);
      expect(await sixHourly()).toEqual([]);
      await expectRollupsEqualRawRows(db);
    } finally {
      await db.destroy();
    }
  }, 300_000);
});

/** A table as laid out before 0025 added the run rollups' priced_runs (what a migration back to 0015–0017 holds). */
const beforePricedRuns = (spec: RollupTableSpec): RollupTableSpec => ({ ...spec, columns: spec.columns.filter(([c]) => c !== "priced_runs") });

/** The hour tables of `cuboids` for every fact, laid out as the catalogue lays out an hour table. */
const hourSpecs = (cuboids: readonly CuboidId[]) => (Object.keys(FACTS) as Fact[]).flatMap((fact) => cuboids.map((c) => tableSpec(fact, c, "1h")));
const NARROW: CuboidId[] = ["function_only", "tag_only", "function_model", "tag_model", "function_customer", "tag_customer", "function", "tag"];

describe("migrations 0017 and 0018: the function and tag cuboids' hour grain dropped, then brought back", () => {
  it("0017 drops the 40 hour tables; 0018 (and 0017's down) rebuild each equal to a GROUP BY of the raw rows", async () => {
    const db = await connectTestDatabase();
    try {
      await syncCalendars(db, ZONES);
      await promote(db, ["env", "plan"]);
      await seed(db, 120, 16, true);
      const hourly = async () => (await listTables(db, "rollup!_%!_1h")).sort();
      const every = hourSpecs(Object.keys(CUBOIDS) as CuboidId[]).map((s) => s.name).sort();
      // 5 facts × 11 cuboids, each with its hour table.
      expect(await hourly()).toEqual(every);
      const migrator = new Migrator({ db, provider: migrationProvider });
      expect((await migrator.migrateTo("0017-narrow-cuboids-without-hours")).error).toBeUndefined();
      // Without 0018, hours stay for model, customer and model × customer only: 5 facts × 3 cuboids.
      expect(await hourly()).toEqual(hourSpecs(["model", "customer", "model_customer"]).map((s) => s.name).sort());
      const rebuiltEqualRaw = async (layout: (s: RollupTableSpec) => RollupTableSpec) => {
        // 5 facts × 8 cuboids, each holding sums of hours (storedAndExpected recomputes them from raw rows).
        const rebuilt = await storedAndExpected(db, hourSpecs(NARROW).map(layout));
        expect(rebuilt.length).toBe(40);
        expect(rebuilt.filter((t) => t.stored.length > 0).length).toBe(40);
        for (const { table, stored, expected } of rebuilt) expect(stored, table).toEqual(expected);
      };
      expect((await migrator.migrateTo("0016-drop-6-hour-grain")).error).toBeUndefined();
      await rebuiltEqualRaw(beforePricedRuns);
      await migrate(db);
      expect(await hourly()).toEqual(every);
      await rebuiltEqualRaw((s) => s);
      await expectRollupsEqualRawRows(db);
    } finally {
      await db.destroy();
    }
  }, 300_000);
});

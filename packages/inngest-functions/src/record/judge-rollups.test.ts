import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Migrator, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "@tally/shared";
import { connect, type Db, migrate, migrationProvider } from "@tally/shared/db";
import { recordEvaluation, recordSkippedEvaluation } from "./evaluation.ts";
import { forgetRun } from "./forget.ts";
import type { RunRef } from "./run.ts";
import { recordUsage } from "./usage.ts";

// The judge measures of the run rollups (migration 0009) against the raw rows they summarise: each run's
// judge usage lines and runs.judge_outcome, keyed by the RUN's bucket, model, customer and function.
// Expected values come from SQL over the raw tables with the grain widths written out here.

const START = Date.UTC(2026, 8, 1, 0, 0, 7);
const MODELS = ["gpt-4o", "claude-sonnet-4-0", "zz-unknown-agent"];
const CUSTOMERS = ["acme", "globex", "initech"];
/** gpt-4o-mini is in the genai-prices catalog (priced lines); the other judge is in no catalog (unpriced). */
const JUDGES = ["gpt-4o-mini", "zz-unknown-judge"];
const MEASURES = ["runs", "scored_runs", "unsampled_runs", "judge_skipped_runs", "judge_cost_micros", "judge_priced_calls", "judge_unpriced_calls"];
/** Width and origin of each grain, ms (weeks and 4 weeks from Monday 1970-01-05). */
const GRAINS: [string, number, number][] = [
  ["15m", 900_000, 0],
  ["1h", 3_600_000, 0],
  ["6h", 21_600_000, 0],
  ["1d", 86_400_000, 0],
  ["1w", 604_800_000, 345_600_000],
  ["4w", 2_419_200_000, 345_600_000],
];
const TABLES = [
  { table: "rollup_runs_15m", keys: ["model", "customer_id", "function_slug"], grain: GRAINS[0]! },
  ...(["model", "customer_id"] as const).flatMap((dim) =>
    GRAINS.map((g) => ({ table: `rollup_runs_${dim === "model" ? "model" : "customer"}_${g[0]}`, keys: [dim], grain: g })),
  ),
];

type Row = Record<string, unknown>;
/** Each run-rollup table as stored and as the raw rows say it should be, rows in one order. */
async function compare(db: Db): Promise<{ table: string; stored: Row[]; raw: Row[] }[]> {
  const out = [];
  for (const { table, keys, grain } of TABLES) {
    const [, size, origin] = grain;
    const cols = keys.join(", ");
    const stored = await sql.raw<Row>(`select bucket, ${cols}, ${MEASURES.join(", ")} from ${table} order by bucket, ${cols}`).execute(db);
    const raw = await sql
      .raw<Row>(
        `with judge as (select run_id, sum(coalesce(cost_micros, 0)) as cost, ` +
          `sum(case when cost_micros is null then 0 else 1 end) as priced, sum(case when cost_micros is null then 1 else 0 end) as unpriced ` +
          `from usage_costs where kind = 'judge' group by run_id) ` +
          `select ((r.occurred_at - ${origin}) / ${size}) * ${size} + ${origin} as bucket, ${keys.map((k) => `r.${k}`).join(", ")}, ` +
          `count(*) as runs, sum(case when r.scored_at is null then 0 else 1 end) as scored_runs, ` +
          `sum(case when r.judge_outcome = 'not_sampled' then 1 else 0 end) as unsampled_runs, ` +
          `sum(case when r.judge_outcome = 'judge_budget' then 1 else 0 end) as judge_skipped_runs, ` +
          `coalesce(sum(j.cost), 0) as judge_cost_micros, coalesce(sum(j.priced), 0) as judge_priced_calls, coalesce(sum(j.unpriced), 0) as judge_unpriced_calls ` +
          `from runs r left join judge j on j.run_id = r.run_id group by 1, ${keys.map((k) => `r.${k}`).join(", ")} order by 1, ${keys.map((k) => `r.${k}`).join(", ")}`,
      )
      .execute(db);
    out.push({ table, stored: stored.rows, raw: raw.rows });
  }
  return out;
}

async function expectRollupsEqualRawRows(db: Db): Promise<void> {
  for (const { table, stored, raw } of await compare(db)) expect(stored, table).toEqual(raw);
}

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
    const full: RunRef = { runId, functionSlug: pick(["support", "triage"]), model: pick(MODELS), customerId: pick(CUSTOMERS), occurredAt, now: occurredAt + 1000 };
    // A score delivery knows neither the customer nor (sometimes) the model; its clock may be hours later.
    const bare: RunRef = { ...full, customerId: undefined, model: rand() < 0.5 ? undefined : full.model, occurredAt: rand() < 0.3 ? occurredAt + 3 * 3_600_000 : occurredAt };
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
  }
  for (let i = 0; i < count; i += 7) await forgetRun(db, `run-${seedNo}-${i}`);
}

function tempDir(): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "tally-judge-rollups-"));
  return { file: join(dir, "tally.db"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describe("judge measures of the run rollups", () => {
  let db: Db;
  const dir = tempDir();
  beforeAll(async () => {
    db = await connect({ url: dir.file });
    await seed(db, 400, 23, true);
  }, 120_000);
  afterAll(async () => {
    await db.destroy();
    dir.remove();
  });

  it("equal the raw rows (judge lines joined to their runs, runs.judge_outcome) in all 13 tables", { timeout: 30_000 }, async () => {
    await expectRollupsEqualRawRows(db);
    const totals = await rawTotals(db);
    expect(totals.priced).toBeGreaterThan(50);
    expect(totals.unpriced).toBeGreaterThan(50);
    expect(totals.cost).toBeGreaterThan(0);
    expect(totals.unsampled).toBeGreaterThan(10);
    expect(totals.skipped).toBeGreaterThan(10);
    expect(totals.customers).toBe(3); // every run's customer became known: every judged-first run moved
    const empty = await sql<{ n: number }>`select count(*) as n from rollup_runs_15m where runs <= 0`.execute(db);
    expect(empty.rows[0]!.n).toBe(0);
  });

  it("a skipped evaluation delivered twice counts once; a later decision for the run is kept but not counted", { timeout: 30_000 }, async () => {
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
    const dir = tempDir();
    const db = await connect({ url: dir.file });
    try {
      await seed(db, 300, 9, false);
      await expectRollupsEqualRawRows(db);
      const migrator = new Migrator({ db, provider: migrationProvider });
      // Back to the schema before 0009 (its columns gone, raw rows and older rollups kept), then up again.
      expect((await migrator.migrateTo("0008-access-control")).error).toBeUndefined();
      const columns = await sql<{ name: string }>`select name from pragma_table_info('rollup_runs_model_1w')`.execute(db);
      expect(columns.rows.map((c) => c.name)).not.toContain("judge_cost_micros");
      await migrate(db);
      await expectRollupsEqualRawRows(db);
      const totals = await rawTotals(db);
      expect(totals.priced).toBeGreaterThan(50);
      expect(totals.unpriced).toBeGreaterThan(30);
      const stored = await sql<{ cost: number; calls: number }>`select sum(judge_cost_micros) as cost, sum(judge_priced_calls + judge_unpriced_calls) as calls from rollup_runs_customer_4w`.execute(db);
      expect(stored.rows[0]).toEqual({ cost: totals.cost, calls: totals.priced + totals.unpriced });
    } finally {
      await db.destroy();
      dir.remove();
    }
  }, 120_000);
});

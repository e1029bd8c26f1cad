import { type RawBuilder, sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { fillTagKeys } from "@tally/inngest-functions";
import { jsonText, listTables, syncTagKeys } from "@tally/shared/db";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { PARENT, startTally, type Tally } from "./harness.ts";

// Promoted tag keys (TALLY_TAG_KEYS) through the real serve() handler and a real SQLite file kept across
// restarts (or a PostgreSQL database, on the suite's PostgreSQL pass): every fact lands in the tag cuboid once per promoted key, under the run's value or '' (also
// when the value arrives on a later payload), a key promoted on a database that already holds data is
// filled in the background to the same rows, and a key no longer configured goes with its rows. Expected
// rows are GROUP BYs over the raw rows (the tag read from runs.tags), not the writer's code.
const DAY = 86_400_000;
const START = Date.UTC(2026, 9, 5);
// A zone with a calendar: the tag × model and × customer calendars hold a key's rows too (migration 0020).
const ENV = { TALLY_REVIEW_SAMPLE_RATE: "0", TALLY_TIME_ZONES: "Asia/Kolkata" };

let DATABASE_URL: string;
let tally: Tally;
let n = 0;
beforeAll(async () => {
  DATABASE_URL = await testDatabaseUrl();
});

async function deliver(fnSlug: string, runId: string, input: Record<string, unknown>) {
  n++;
  const out = await tally.executor.runDeferred({ fnSlug, input }, { ...PARENT, runId }, { runId: `tags-deferred-${n}`, ts: Number(input.occurredAt) });
  expect(out.status, JSON.stringify(out.error)).toBe("completed");
}
/** A run's agent usage (and, when `judged`, its judge's scores and spend), at `at`. */
async function run(runId: string, at: number, customerId: string, tags: Record<string, string> | undefined, judged = true) {
  const context = { customerId, occurredAt: at, ...(tags ? { tags } : {}) };
  await deliver("tally-track-ai-costs", runId, { model: runId.endsWith("b") ? "gpt-4o" : "gpt-4o-mini", promptTokens: 1000 + n, completionTokens: 100, ...context });
  if (judged) await deliver("tally-score-agent-output", runId, { response: `Answer for ${runId}.`, model: "gpt-4o", ...context });
}

const bucketSql = (col: string, grain: "15m" | "1d") => `(${col} / ${grain === "15m" ? 900_000 : DAY}) * ${grain === "15m" ? 900_000 : DAY}`;
/** Sums of scores rounded to 1e-9 in JS (PostgreSQL's round takes numeric, not double precision). */
const roundSums = (rows: Record<string, unknown>[]) =>
  rows.map((r) => (typeof r.sum_value === "number" ? { ...r, sum_value: Math.round(r.sum_value * 1e9) / 1e9 } : r));

/** What the tag tables of `key` must hold at `grain`, per fact, from the raw rows. */
async function expected(key: string, grain: "15m" | "1d") {
  const q = async (query: RawBuilder<unknown>) => roundSums((await query.execute(tally.db)).rows as Record<string, unknown>[]);
  const dims = sql`cast(${key} as text) as tag_key, coalesce(${jsonText(tally.db, sql.raw("r.tags"), key)}, '') as tag_value`;
  const bucket = (col: string) => sql.raw(`${bucketSql(col, grain)} as bucket`);
  return {
    runs: await q(
      sql`select ${bucket("r.occurred_at")}, ${dims}, r.model, r.customer_id, count(*) as runs,
        sum(case when r.scored_at is not null then 1 else 0 end) as scored_runs,
        coalesce(sum((select sum(coalesce(j.cost_micros, 0)) from usage_costs j where j.run_id = r.run_id and j.kind = 'judge')), 0) as judge_cost_micros
        from runs r group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4, 5`,
    ),
    usage: await q(
      sql`select ${bucket("u.occurred_at")}, ${dims}, u.model, u.customer_id, u.kind, count(*) as calls,
        sum(u.input_tokens) as input_tokens, sum(coalesce(u.cost_micros, 0)) as cost_micros
        from usage_costs u join runs r on r.run_id = u.run_id group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6`,
    ),
    scores: await q(
      sql`select ${bucket("s.occurred_at")}, ${dims}, s.model, r.customer_id, s.name, count(*) as n, sum(s.value) as sum_value
        from scores s join runs r on r.run_id = s.run_id group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6`,
    ),
  };
}
/** What they hold. */
async function held(key: string, grain: "15m" | "1d") {
  const q = async (text: string) => roundSums((await sql.raw(text).execute(tally.db)).rows as Record<string, unknown>[]);
  const where = `where tag_key = '${key}'`;
  return {
    runs: await q(`select bucket, tag_key, tag_value, model, customer_id, runs, scored_runs, judge_cost_micros from rollup_runs_tag_${grain} ${where} order by 1, 2, 3, 4, 5`),
    usage: await q(`select bucket, tag_key, tag_value, model, customer_id, kind, calls, input_tokens, cost_micros from rollup_usage_tag_${grain} ${where} order by 1, 2, 3, 4, 5, 6`),
    scores: await q(`select bucket, tag_key, tag_value, model, customer_id, name, n, sum_value from rollup_scores_tag_${grain} ${where} order by 1, 2, 3, 4, 5, 6`),
  };
}
async function expectExact(key: string) {
  for (const grain of ["15m", "1d"] as const) expect(await held(key, grain), `${key} at ${grain}`).toEqual(await expected(key, grain));
}
const keyStates = () => tally.db.selectFrom("rollup_tag_keys").select(["tag_key", "filled_to"]).orderBy("tag_key").execute();
/** Rows of `key` in every tag table (found by name in the schema, not through the code under test). */
async function rowsOf(key: string): Promise<number> {
  const tables = await listTables(tally.db, "rollup_%_tag_%");
  // 5 facts (runs, usage, scores, score bins, judge) × 5 grains (15m, 1h, 1d, 1w, 4w) × 4 cuboids: the tag alone, × model, × customer, × both;
  // and the local calendars of 3 facts (runs, usage, scores) × 2 cuboids (× model, × customer).
  expect(tables.length).toBe(100 + 6);
  let total = 0;
  for (const t of tables) total += Number((await sql<{ c: number }>`select count(*) as c from ${sql.table(t)} where tag_key = ${key}`.execute(tally.db)).rows[0]!.c);
  return total;
}

// Deliveries through serve(): seconds each test on a loaded machine (PostgreSQL pass): a hang guard, not a budget.
describe("promoted tag keys (TALLY_TAG_KEYS)", { timeout: 120_000 }, () => {
  beforeAll(async () => {
    tally = await startTally({ ...ENV, DATABASE_URL, TALLY_TAG_KEYS: "plan, env" });
  });

  it("on an empty database a promoted key is complete at once", async () => {
    expect(await keyStates()).toEqual([{ tag_key: "env", filled_to: null }, { tag_key: "plan", filled_to: null }]);
  });

  it("writes every fact once per promoted key, under the run's value or '' (untagged)", async () => {
    await run("tag-run-1a", START + 3_600_000, "acme", { plan: "pro", env: "prod", region: "eu" });
    await run("tag-run-2b", START + 7_200_000, "acme", { plan: "free", env: "dev" });
    await run("tag-run-3a", START + DAY + 60_000, "globex", undefined);
    await run("tag-run-4b", START + DAY + 900_000, "globex", { team: "support" }, false);
    await run("tag-run-5a", START + 4 * DAY, "initech", { plan: "pro", region: "us" });
    await expectExact("plan");
    await expectExact("env");
    const values = await sql<{ tag_value: string; runs: number }>`select tag_value, sum(runs) as runs from rollup_runs_tag_1d where tag_key = 'plan' group by 1 order by 1`.execute(tally.db);
    expect(values.rows).toEqual([{ tag_value: "", runs: 2 }, { tag_value: "free", runs: 1 }, { tag_value: "pro", runs: 2 }]);
    // An unpromoted key has no rows.
    expect(await rowsOf("region")).toBe(0);
  });

  it("moves a run's facts from '' to its value when a later payload adds the promoted key", async () => {
    await run("tag-run-6a", START + 2 * DAY, "acme", { env: "prod" });
    const before = await sql`select tag_value, runs from rollup_runs_tag_1d where tag_key = 'plan' and bucket = ${START + 2 * DAY}`.execute(tally.db);
    expect(before.rows).toEqual([{ tag_value: "", runs: 1 }]);
    // The second payload names the plan (and tries to change env: the first value stays).
    await deliver("tally-track-ai-costs", "tag-run-6a", { model: "gpt-4o-mini", promptTokens: 10, completionTokens: 5, customerId: "acme", occurredAt: START + 2 * DAY + 5_000, tags: { plan: "team", env: "dev" } });
    const after = await sql`select tag_value, runs from rollup_runs_tag_1d where tag_key = 'plan' and bucket = ${START + 2 * DAY}`.execute(tally.db);
    expect(after.rows).toEqual([{ tag_value: "team", runs: 1 }]);
    await expectExact("plan");
    await expectExact("env");
  });

  it("fills a key promoted on a database that already holds data, after a restart", async () => {
    // A usage line whose payload time is days after its run's (a second delivery with its own occurredAt).
    await deliver("tally-track-ai-costs", "tag-run-1a", { model: "gpt-4o", promptTokens: 7, completionTokens: 3, customerId: "acme", occurredAt: START + 6 * DAY + 1_000, idempotencyKey: "late-line" });
    await tally.close();
    tally = await startTally({ ...ENV, DATABASE_URL, TALLY_TAG_KEYS: "plan,env,region" });
    await tally.calendars.idle();
    expect(await keyStates()).toEqual([{ tag_key: "env", filled_to: null }, { tag_key: "plan", filled_to: null }, { tag_key: "region", filled_to: null }]);
    await expectExact("region");
    await expectExact("plan");
    const values = await sql`select tag_value, sum(runs) as runs from rollup_runs_tag_1d where tag_key = 'region' group by 1 order by 1`.execute(tally.db);
    expect(values.rows).toEqual([{ tag_value: "", runs: 4 }, { tag_value: "eu", runs: 1 }, { tag_value: "us", runs: 1 }]);
  });

  it("a key pending while runs are recorded: each fact lands once, through the writer or through the fill", async () => {
    await syncTagKeys(tally.db, ["plan", "env", "region", "team"]);
    const first = (await keyStates()).find((k) => k.tag_key === "team")!;
    // Pending from the earliest bucket holding any fact (tag-run-1a's).
    expect(first.filled_to).toBe(START + 3_600_000);
    // One chunk (a UTC day of facts), then writes before and after the key's filled_to, then the rest.
    expect(await fillTagKeys(tally.db, { pause: async () => false })).toBe(1);
    expect((await keyStates()).find((k) => k.tag_key === "team")!.filled_to).toBe(START + 3_600_000 + DAY);
    await run("tag-run-7a", START + 3_000_000, "acme", { team: "billing" }); // before filled_to: the writer's
    await run("tag-run-8b", START + 3 * DAY, "acme", { team: "billing", plan: "pro" }); // after: the fill's
    // Runs gaining the key: 3a's facts all lie before filled_to (the writer moves them); 1a's late line
    // lies after it (the fill reads the run's tags as they are now).
    await deliver("tally-track-ai-costs", "tag-run-3a", { model: "gpt-4o", promptTokens: 1, completionTokens: 1, customerId: "globex", occurredAt: START + DAY + 120_000, tags: { team: "sales" } });
    await deliver("tally-track-ai-costs", "tag-run-1a", { model: "gpt-4o", promptTokens: 2, completionTokens: 1, customerId: "acme", occurredAt: START + 7_200_000, tags: { team: "ops" }, idempotencyKey: "ops-line" });
    const t0 = performance.now();
    expect(await fillTagKeys(tally.db)).toBeGreaterThan(1);
    console.log(`tag fill: the rest of ${(await tally.db.selectFrom("runs").select(sql<number>`count(*)`.as("c")).executeTakeFirstOrThrow()).c} runs in ${(performance.now() - t0).toFixed(1)} ms`);
    expect((await keyStates()).find((k) => k.tag_key === "team")!.filled_to).toBeNull();
    for (const key of ["team", "plan", "env", "region"]) await expectExact(key);
  });

  it("drops a key no longer configured, with its rows, at the next start", async () => {
    expect(await rowsOf("env")).toBeGreaterThan(0);
    const local = sql<{ c: number }>`select count(*) as c from rollup_usage_tag_customer_local where tag_key = 'env'`;
    expect(Number((await local.execute(tally.db)).rows[0]!.c)).toBeGreaterThan(0);
    await tally.close();
    tally = await startTally({ ...ENV, DATABASE_URL, TALLY_TAG_KEYS: "plan" });
    await tally.calendars.idle();
    expect(await keyStates()).toEqual([{ tag_key: "plan", filled_to: null }]);
    for (const key of ["env", "region", "team"]) expect(await rowsOf(key)).toBe(0);
    await expectExact("plan");
    await tally.close();
  });

  it("refuses a bad TALLY_TAG_KEYS at start, naming the variable", async () => {
    await expect(startTally({ TALLY_TAG_KEYS: "plan,__proto__" })).rejects.toThrow(/TALLY_TAG_KEYS: "__proto__" is not a tag key/);
    await expect(startTally({ TALLY_TAG_KEYS: "plan,\u200b" })).rejects.toThrow(/TALLY_TAG_KEYS: .* is blank/);
    await expect(startTally({ TALLY_TAG_KEYS: "a,b,c,d,e,f,g,h,i" })).rejects.toThrow(/TALLY_TAG_KEYS: at most 8 tag keys \(9 given\)/);
  });
});

import { Migrator, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketOf, fillCalendars, listTables, migrate, migrationProvider, rollupTables, scoreBin, syncCalendars, syncTagKeys } from "@tally/shared/db";
import { batchRollups, fillTagKeys, forgetRun } from "@tally/inngest-functions";
import { storedAndExpected } from "@tally/inngest-functions/testing";
import type { Db } from "@tally/shared/db";
import { fixture, localCalendarRows, openTestDb, type RunSpec, seedPrices, seedRun, type TestDb } from "./test-support.ts";

const START = Date.UTC(2026, 6, 1);
const ZONES = ["America/New_York", "Asia/Kolkata"];
let t: TestDb;

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t);
  // Every run is judged BEFORE its cost line names the customer, so every score moves once.
  const runs = fixture(START, 9, 200, 21);
  const judged = runs.slice(0, 120);
  for (const r of judged) await seedRun(t.db, { ...r, customerId: undefined, agent: undefined });
  // Quarter, 6-hour, weekly and 4-week projections backfilled by 0003 and 0004 from what the tables before
  // them hold, then written by bump().
  const migrator = new Migrator({ db: t.db, provider: migrationProvider });
  expect((await migrator.migrateTo("0002-score-bins")).error).toBeUndefined();
  await migrate(t.db);
  await syncCalendars(t.db, ZONES); // backfilled from the judged runs; then written by bump(), moves included
  await syncTagKeys(t.db, ["env", "plan"]); // pending: filled from the judged runs' raw rows, then written by bump()
  // Every other run learns its plan from the cost delivery (a promoted tag that arrives later moves its facts).
  const plan = (r: RunSpec, i: number) => (i % 2 ? { ...r, tags: { ...r.tags, plan: "pro" } } : r);
  for (const [i, r] of judged.entries()) await seedRun(t.db, { ...plan(r, i), scores: undefined, judge: undefined });
  for (const [i, r] of runs.slice(120).entries()) {
    await seedRun(t.db, { ...r, customerId: undefined, agent: undefined });
    await seedRun(t.db, { ...plan(r, i), scores: undefined, judge: undefined });
  }
}, 300_000);
afterAll(() => t.close());

describe("rollups added by 0002–0004 and 0013 (score histogram, every cuboid and grain, tags)", () => {
  it("sums to the raw scores after re-attribution, customer by customer", async () => {
    const rollup = await t.db
      .selectFrom("rollup_score_bins_15m")
      .select(["bucket", "model", "customer_id", "name", "bin", "n"])
      .execute();
    const raw = await t.db
      .selectFrom("scores")
      .innerJoin("runs", "runs.run_id", "scores.run_id")
      .select(["scores.occurred_at", "scores.model", "runs.customer_id", "scores.name", "scores.value"])
      .execute();
    const expected = new Map<string, number>();
    for (const s of raw) {
      const k = JSON.stringify([bucketOf(s.occurred_at), s.model, s.customer_id, s.name, scoreBin(s.value)]);
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    const got = new Map(rollup.map((r) => [JSON.stringify([r.bucket, r.model, r.customer_id, r.name, r.bin]), r.n]));
    expect(got).toEqual(expected);
    expect(new Set(rollup.map((r) => r.customer_id)).size).toBeGreaterThan(2);
    const zero = await sql<{ n: number }>`select count(*) as n from rollup_score_bins_15m where n <= 0`.execute(t.db);
    expect(zero.rows[0]?.n).toBe(0);
  });

  it("every catalogue table (all cuboids × grains, local calendars, two promoted tags) equals a GROUP BY over the raw rows", { timeout: 120_000 }, async () => {
    // Both keys were promoted after the judged runs were recorded (pending, filled from the raw rows) and
    // before the rest (written by bump()); plan arrives on the cost delivery of half the runs (a move).
    await fillTagKeys(t.db);
    await fillCalendars(t.db);
    const tables = await storedAndExpected(t.db);
    expect(tables.map((x) => x.table).sort()).toEqual([...rollupTables().map((x) => x.name), "judge_activity_15m"].sort());
    let compared = 0;
    for (const { table, stored, expected } of tables) {
      expect(stored, table).toEqual(expected);
      compared += expected.length;
    }
    expect(compared).toBeGreaterThan(10_000);
    const values = await sql<{ tag_key: string; tag_value: string }>`select distinct tag_key, tag_value from rollup_usage_tag_1d order by 1, 2`.execute(t.db);
    expect(values.rows).toEqual([
      { tag_key: "env", tag_value: "prod" },
      { tag_key: "env", tag_value: "staging" },
      { tag_key: "plan", tag_value: "" },
      { tag_key: "plan", tag_value: "pro" },
    ]);
  });

  it("local calendars written by bump() equal a backfill from scratch (after re-attribution)", async () => {
    const read = () => localCalendarRows(t.db);
    const written = await read();
    await syncCalendars(t.db, []);
    expect(Object.values(await read()).flat()).toEqual([]);
    await syncCalendars(t.db, ZONES);
    expect(written).toEqual(await read());
    expect(new Set(written.usage_customer!.map((r) => (r as { customer_id: string }).customer_id)).size).toBeGreaterThan(2);
    expect(written.scores_model!.length).toBeGreaterThan(50);
  });

  it("0014 and 0015 build their cuboids on a database written before them, equal to the raw rows (a promoted key complete, one pending)", { timeout: 120_000 }, async () => {
    // Down drops the narrower function and tag cuboids (0014) and the judge fact (0015); up creates them again and fills them
    // from the function and tag cuboids (0014) and the raw lines (0015), as on a database written before.
    const migrator = new Migrator({ db: t.db, provider: migrationProvider });
    expect((await migrator.migrateTo("0013-rollup-catalogue")).error).toBeUndefined();
    const narrower = /_(function|tag)_(only|model|customer)_/;
    const gone = ["rollup!_%!_only!_%", "rollup!_%!_function!_model!_%", "rollup!_%!_tag!_model!_%", "rollup!_%!_function!_customer!_%", "rollup!_%!_tag!_customer!_%", "rollup!_judge!_%"];
    for (const pattern of gone) expect(await listTables(t.db, pattern), pattern).toEqual([]);
    // `env` as if promoted just before the upgrade: pending, none of its rows written yet (the fill writes
    // them afterwards, the judge fact's included); `plan` complete.
    const first = (await sql<{ b: number }>`select min(bucket) as b from rollup_runs_15m`.execute(t.db)).rows[0]!.b;
    await t.db.updateTable("rollup_tag_keys").set({ filled_to: first }).where("tag_key", "=", "env").execute();
    for (const table of await listTables(t.db, "rollup!_%!_tag!_%")) await sql`delete from ${sql.table(table)} where tag_key = 'env'`.execute(t.db);
    await migrate(t.db);
    expect(await fillTagKeys(t.db)).toBeGreaterThan(0);
    // 0019 and 0020 left every calendar pending (emptied, to be refilled with the new calendar tables): the server's keeper fills them.
    expect(await fillCalendars(t.db)).toBeGreaterThan(0);
    const tables = await storedAndExpected(t.db);
    const added = tables.filter((x) => narrower.test(x.table) || x.table.startsWith("rollup_judge_"));
    // 0014: 4 facts × 6 cuboids × 5 grains (6 until 0016 dropped the 6-hour grain; 0017 dropped their hours,
    // 0018 brought them back); 0015: the judge fact's 53 tables (30 of them the narrower cuboids); 0020: the
    // calendars of usage, scores and runs × a function or a tag × model and × customer.
    expect(added.length).toBe(120 + 53 + 3 * 4);
    let compared = 0;
    for (const { table, stored, expected } of tables) {
      expect(stored, table).toEqual(expected);
      if (added.some((x) => x.table === table)) compared += expected.length;
    }
    expect(compared).toBeGreaterThan(1_000);
    const judge = await sql<{ tag_key: string; n: number }>`select tag_key, sum(calls) as n from rollup_judge_tag_1d group by 1 order by 1`.execute(t.db);
    expect(judge.rows.map((r) => r.tag_key)).toEqual(["env", "plan"]);
  });

  it("rollups summed in one batch (batchRollups) equal rollups written record by record, forgotten runs included", { timeout: 300_000 }, async () => {
    const [each, batched] = [await openTestDb(), await openTestDb()];
    try {
      for (const x of [each, batched]) {
        await seedPrices(x);
        await syncCalendars(x.db, ZONES);
        await syncTagKeys(x.db, ["env"], { now: 0 }); // no facts yet: complete at once (fillTagKeys finds none)
        await fillTagKeys(x.db);
      }
      const runs = fixture(START, 9, 150, 33);
      // Judged before the customer is known (a move), and the first 40 forgotten again (negative deltas).
      const record = async (db: Db, r: RunSpec) => {
        await seedRun(db, { ...r, customerId: undefined, agent: undefined });
        await seedRun(db, { ...r, scores: undefined, judge: undefined });
      };
      for (const r of runs) await record(each.db, r);
      for (const r of runs.slice(0, 40)) await forgetRun(each.db, r.runId);
      await batched.db.transaction().execute((trx) =>
        batchRollups(trx, async () => {
          for (const r of runs) await record(trx, r);
          for (const r of runs.slice(0, 40)) await forgetRun(trx, r.runId);
        }),
      );
      const tables = (await listTables(each.db, "rollup%")).filter((name) => name !== "rollup_calendars");
      expect(tables.length).toBeGreaterThan(50);
      const round = (v: unknown) => (typeof v === "number" && !Number.isInteger(v) ? Math.round(v * 1e9) / 1e9 : v);
      const dump = async (db: Db, table: string) =>
        (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db)).rows.map((r) => JSON.stringify(Object.values(r).map(round))).sort();
      let rows = 0;
      for (const name of tables) {
        const expected = await dump(each.db, name);
        expect(await dump(batched.db, name), name).toEqual(expected);
        rows += expected.length;
      }
      expect(rows).toBeGreaterThan(5000);
    } finally {
      await each.close();
      await batched.close();
    }
  });

  it("bins are exact at the 0.01 grid", () => {
    expect([0, 0.29, 0.3, 0.7, 2 / 3, 0.999999, 1].map(scoreBin)).toEqual([0, 29, 30, 70, 66, 99, 100]);
  });
});

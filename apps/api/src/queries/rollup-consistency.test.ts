import { Migrator, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bucketOf, migrate, migrationProvider, scoreBin, syncCalendars, WEEK_MS, WEEK_ORIGIN_MS } from "@tally/shared/db";
import { batchRollups, forgetRun } from "@tally/inngest-functions";
import { type Db } from "@tally/shared/db";
import { fixture, localCalendarRows, openTestDb, type RunSpec, seedPrices, seedRun, type TestDb } from "./test-support.ts";
import { RUN_MEASURES } from "./source.ts";

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
  for (const r of judged) await seedRun(t.db, { ...r, scores: undefined, judge: undefined });
  for (const r of runs.slice(120)) {
    await seedRun(t.db, { ...r, customerId: undefined, agent: undefined });
    await seedRun(t.db, { ...r, scores: undefined, judge: undefined });
  }
});
afterAll(() => t.close());

describe("rollups added by 0002–0004 (score histogram, quarter/hour/6-hour/day/week/4-week projections)", () => {
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

  it("every quarter/hour/6-hour/day/week/4-week projection equals its 15-minute rollup summed (after re-attribution)", async () => {
    const facts = {
      runs: { keys: [], measures: RUN_MEASURES },
      usage: { keys: ["kind"], measures: ["calls", "input_tokens", "cost_micros", "priced_calls", "unpriced_calls", "unpriced_tokens"] },
      scores: { keys: ["name"], measures: ["n", "sum_value", "sum_sq_value"] },
      score_bins: { keys: ["name", "bin"], measures: ["n"] },
    };
    let compared = 0;
    for (const [fact, { keys, measures }] of Object.entries(facts)) {
      for (const [dim, short] of [["model", "model"], ["customer_id", "customer"]] as const) {
        for (const [grain, start] of [
          ["15m", "bucket"],
          ["1h", "(bucket / 3600000) * 3600000"],
          ["6h", "(bucket / 21600000) * 21600000"],
          ["1d", "(bucket / 86400000) * 86400000"],
          ["1w", `((bucket - ${WEEK_ORIGIN_MS}) / ${WEEK_MS}) * ${WEEK_MS} + ${WEEK_ORIGIN_MS}`],
          ["4w", `((bucket - ${WEEK_ORIGIN_MS}) / ${4 * WEEK_MS}) * ${4 * WEEK_MS} + ${WEEK_ORIGIN_MS}`],
        ] as const) {
          const cols = ["b", dim, ...keys].join(", ");
          const agg = measures.map((m) => `round(sum(${m}), 9) as ${m}`).join(", ");
          const order = `order by ${cols}`;
          const fromBase = await sql
            .raw(`select ${start} as b, ${[dim, ...keys].join(", ")}, ${agg} from rollup_${fact}_15m group by ${cols} ${order}`)
            .execute(t.db);
          const fromProjection = await sql
            .raw(`select bucket as b, ${[dim, ...keys].join(", ")}, ${agg} from rollup_${fact}_${short}_${grain} group by ${cols} ${order}`)
            .execute(t.db);
          expect(fromProjection.rows, `rollup_${fact}_${short}_${grain}`).toEqual(fromBase.rows);
          compared += fromBase.rows.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
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

  it("rollups summed in one batch (batchRollups) equal rollups written record by record, forgotten runs included", async () => {
    const [each, batched] = [await openTestDb(), await openTestDb()];
    try {
      for (const x of [each, batched]) {
        await seedPrices(x);
        await syncCalendars(x.db, ZONES);
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
      const tables = (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name like 'rollup%' and name != 'rollup_calendars' order by name`.execute(each.db)).rows;
      expect(tables.length).toBeGreaterThan(50);
      const round = (v: unknown) => (typeof v === "number" && !Number.isInteger(v) ? Math.round(v * 1e9) / 1e9 : v);
      const dump = async (db: Db, table: string) =>
        (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db)).rows.map((r) => JSON.stringify(Object.values(r).map(round))).sort();
      let rows = 0;
      for (const { name } of tables) {
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

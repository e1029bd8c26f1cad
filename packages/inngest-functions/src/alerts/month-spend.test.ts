import { connectTestDatabase } from "@tally/shared/db/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { type Db, fillCalendars, syncCalendars } from "@tally/shared/db";
import { fill } from "@tally/shared/pricing";
import { batchRollups } from "../record/rollup.ts";
import { recordUsage } from "../record/usage.ts";
import { monthSpend } from "./month-spend.ts";

// The budget and forecast rules' month spend (per customer and local day, read from the rollups) equals a
// raw GROUP BY over usage_costs (an agent line at its own time, a judge line at its run's time, as the Spend
// page books it), whose local days are told by Intl here, in UTC, a +5:30 zone and a −3:30
// zone whose month holds a DST change (America/St_Johns falls back on Sun 1 Nov 2026, 02:00 NDT), with and
// without a complete local calendar. Lines sit on quarter hours next to every local midnight, in the running
// bucket, and later on the same day (after `now`'s bucket: not yet spent).

const NOW = Date.UTC(2026, 10, 20, 13, 5); // Fri 20 Nov 2026 13:05 UTC
const END = Date.UTC(2026, 10, 20, 13, 15); // the running 15-minute bucket's end: the month so far stops here
const PRICED = "priced-model";
const UNPRICED = "unpriced-model";
const CUSTOMERS = ["acme", "globex", "initech"];
let db: Db;
const statements: string[] = [];

/** Spreads lines from 26 Oct to 21 Nov: every local midnight of the three zones ± 15 and 30 minutes, and noon. */
function lineTimes(): number[] {
  const out: number[] = [];
  for (let d = Date.UTC(2026, 9, 26); d < Date.UTC(2026, 10, 22); d += 86_400_000) {
    // UTC midnight, Kolkata's (18:30 UTC), St John's (02:30 NDT / 03:30 NST), each ± 15 and 30 minutes.
    for (const at of [0, 18.5, 2.5, 3.5]) for (const m of [-30, -15, 0, 15, 30]) out.push(d + at * 3_600_000 + m * 60_000);
    out.push(d + 12 * 3_600_000 + 7 * 60_000);
  }
  // Around now: in the running bucket (counted), after it on the same day (not yet).
  out.push(Date.UTC(2026, 10, 20, 13, 10), Date.UTC(2026, 10, 20, 13, 20), Date.UTC(2026, 10, 20, 20));
  return out;
}

beforeAll(async () => {
  const raw = await connectTestDatabase();
  await raw
    .insertInto("model_prices")
    .values({ model: PRICED, provider: "", input_micros_per_mtok: 1_000_000, output_micros_per_mtok: 1_000_000, cache_read_micros_per_mtok: null, cache_write_micros_per_mtok: null, effective_from: 0, created_at: 0 })
    .execute();
  for (const [i, id] of CUSTOMERS.entries()) {
    await raw.insertInto("customers").values({ id, name: id, monthly_budget_micros: i < 2 ? 100_000_000 : null, created_at: 0, updated_at: 0 }).execute();
  }
  // One commit and one rollup batch for all ~570 lines, as the demo seed writes (each line still recorded on
  // its own): PostgreSQL pays a round trip per statement.
  await raw.transaction().execute((trx) => batchRollups(trx, async () => {
    let seq = 0;
    for (const at of lineTimes()) {
      seq++;
      const customerId = CUSTOMERS[seq % 3]!;
      const model = seq % 7 === 0 ? UNPRICED : PRICED;
      const runId = `run-${seq}`;
      await recordUsage(trx, { runId, functionSlug: "t", model, customerId, occurredAt: at, now: at }, { key: runId, deferredRunId: runId, kind: "agent", model, usage: fill({ input_tokens: 1000 + seq }) });
      // Every 4th run is judged 7 h later (its delivery's time: often another local day, or past END).
      if (seq % 4 === 0) {
        const judgedAt = at + 7 * 3_600_000;
        const judge = seq % 8 === 0 ? UNPRICED : PRICED;
        await recordUsage(trx, { runId, functionSlug: "t", occurredAt: judgedAt, now: judgedAt }, { key: `${runId}-score`, deferredRunId: `${runId}-score`, kind: "judge", model: judge, usage: fill({ input_tokens: 500 + seq }) });
      }
    }
  }));
  db = raw.withPlugin({
    transformQuery: (args) => {
      statements.push(raw.getExecutor().compileQuery(args.node, args.queryId).sql);
      return args.node;
    },
    transformResult: async (args) => args.result,
  });
});

/** Expected, from the raw lines: each budgeted customer's spend per local day (index 0 = the 1st) and calls, month start to END. */
async function rawMonth(tz: string, monthStart: number) {
  const lines = (await db
    .selectFrom("usage_costs")
    .innerJoin("customers", "customers.id", "usage_costs.customer_id")
    .innerJoin("runs", "runs.run_id", "usage_costs.run_id")
    .select(["usage_costs.customer_id", "usage_costs.cost_micros", "usage_costs.kind", "usage_costs.occurred_at", "runs.occurred_at as run_at"])
    .where("customers.monthly_budget_micros", ">", 0)
    .execute())
    .map((l) => ({ ...l, occurred_at: l.kind === "judge" ? l.run_at : l.occurred_at }))
    .filter((l) => l.occurred_at >= monthStart && l.occurred_at < END);
  const day = new Intl.DateTimeFormat("en-US", { timeZone: tz, day: "numeric" });
  const daily = new Map<string, number[]>();
  const calls = new Map<string, { priced: number; unpriced: number }>();
  for (const l of lines) {
    const d = daily.get(l.customer_id) ?? new Array<number>(30).fill(0);
    d[Number(day.format(l.occurred_at)) - 1]! += l.cost_micros ?? 0;
    daily.set(l.customer_id, d);
    const c = calls.get(l.customer_id) ?? { priced: 0, unpriced: 0 };
    if (l.cost_micros === null) c.unpriced++;
    else c.priced++;
    calls.set(l.customer_id, c);
  }
  // The month total per customer, as a plain GROUP BY (a judge line at its run's time).
  const at = sql<number>`case when usage_costs.kind = 'judge' then runs.occurred_at else usage_costs.occurred_at end`;
  const totals = await db
    .selectFrom("usage_costs")
    .innerJoin("runs", "runs.run_id", "usage_costs.run_id")
    .select(["usage_costs.customer_id", (eb) => eb.fn.sum<number>("usage_costs.cost_micros").as("spend")])
    .where(at, ">=", monthStart)
    .where(at, "<", END)
    .where("usage_costs.customer_id", "in", ["acme", "globex"])
    .groupBy("usage_costs.customer_id")
    .orderBy("usage_costs.customer_id")
    .execute();
  return { daily, calls, totals: totals.map((t) => [t.customer_id, Number(t.spend)]) };
}

async function judgedOnAnotherDay(tz: string): Promise<number> {
  const day = new Intl.DateTimeFormat("en-US", { timeZone: tz, dateStyle: "short" });
  const judged = await db.selectFrom("usage_costs").innerJoin("runs", "runs.run_id", "usage_costs.run_id").select(["usage_costs.occurred_at", "runs.occurred_at as run_at"]).where("kind", "=", "judge").execute();
  return judged.filter((j) => day.format(j.occurred_at) !== day.format(j.run_at)).length;
}

async function check(tz: string, monthStart: number, reads: RegExp) {
  statements.length = 0;
  const m = await monthSpend(db, tz, NOW, new Map());
  const want = await rawMonth(tz, monthStart);
  expect(m.cal.start).toBe(monthStart);
  expect(m.customers.map((c) => c.id)).toEqual(["acme", "globex"]);
  expect([...m.daily].sort()).toEqual([...want.daily].sort());
  expect([...m.calls].sort()).toEqual([...want.calls].sort());
  expect(m.customers.map((c) => [c.id, (m.daily.get(c.id) ?? []).reduce((a, b) => a + b, 0)])).toEqual(want.totals);
  // Spend on most days, and a budgeted customer with unpriced calls: the comparison is not vacuous.
  expect(want.totals.every(([, s]) => Number(s) > 100_000)).toBe(true);
  // Judge lines whose run falls on another local day than the line: the rule is tested, not vacuous.
  expect(await judgedOnAnotherDay(tz)).toBeGreaterThan(10);
  const read = statements.filter((s) => /rollup_|usage_costs/.test(s) && !/from "usage_costs"/.test(s));
  expect(read.some((s) => reads.test(s))).toBe(true);
  return read;
}

describe("monthSpend equals a raw GROUP BY over usage_costs", () => {
  it("UTC: the customer day rows, and today's buckets up to the running one", async () => {
    const read = await check("UTC", Date.UTC(2026, 10, 1), /rollup_usage_customer_1d/);
    expect(read.join("\n")).not.toMatch(/_local/);
  });

  it("Asia/Kolkata (+5:30, no calendar): UTC days ± half-hour edges", async () => {
    const read = await check("Asia/Kolkata", Date.UTC(2026, 9, 31, 18, 30), /rollup_usage_customer_1d/);
    expect(read.join("\n")).not.toMatch(/_local/);
  });

  it("America/St_Johns (−3:30, falls back on 1 Nov), without then with a complete local calendar", async () => {
    // 1 Nov 00:00 NDT (−2:30) is 02:30 UTC; the day is 25 hours long.
    const start = Date.UTC(2026, 10, 1, 2, 30);
    const read = await check("America/St_Johns", start, /rollup_usage_customer_1d/);
    expect(read.join("\n")).not.toMatch(/_local/);
    await syncCalendars(db, ["America/St_Johns"], { now: NOW });
    while ((await fillCalendars(db)) > 0);
    await check("America/St_Johns", start, /rollup_usage_customer_local/);
  });
});

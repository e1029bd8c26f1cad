import { sql } from "kysely";
import { batchRollups, recordUsage } from "@tally/inngest-functions";
import { type Db, syncCalendars, WEEK_MS, WEEK_ORIGIN_MS } from "@tally/shared/db";
import { localCalendarRows } from "../src/queries/test-support.ts";

/** Waits until the repricing job is done or failed (the server's runner works in the background), and returns its row. */
export async function waitForJob(db: Db, id: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await db.selectFrom("reprice_jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    if (job.status === "done" || job.status === "failed") return job;
    if (Date.now() > until) throw new Error(`repricing job ${id} still ${job.status} after ${timeoutMs} ms (${job.lines_done}/${job.lines_total})`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
}

const GRAINS: [string, string][] = [
  ["15m", "bucket"],
  ["1h", "(bucket / 3600000) * 3600000"],
  ["6h", "(bucket / 21600000) * 21600000"],
  ["1d", "(bucket / 86400000) * 86400000"],
  ["1w", `((bucket - ${WEEK_ORIGIN_MS}) / ${WEEK_MS}) * ${WEEK_MS} + ${WEEK_ORIGIN_MS}`],
  ["4w", `((bucket - ${WEEK_ORIGIN_MS}) / ${4 * WEEK_MS}) * ${4 * WEEK_MS} + ${WEEK_ORIGIN_MS}`],
];
const USAGE = ["calls", "input_tokens", "output_tokens", "cost_micros", "priced_calls", "unpriced_calls", "unpriced_tokens"];
const JUDGE = ["judge_cost_micros", "judge_priced_calls", "judge_unpriced_calls"];

const rows = async (db: Db, query: string) => (await sql.raw(query).execute(db)).rows.map((r) => JSON.stringify(r));

/**
 * Every usage rollup against the raw lines, written independently of the recording code: the 15-minute usage
 * rows from usage_costs grouped, the run rows' judge measures from the judge lines joined to their runs, and
 * every projection (per model and per customer, 15 minutes to 4 weeks) from the 15-minute rows. Returns the
 * tables that differ (empty: all equal). Local calendars are checked by `calendarsMatchRefill`.
 */
export async function rollupMismatches(db: Db): Promise<string[]> {
  const bad: string[] = [];
  const usageRaw = await rows(
    db,
    `select (occurred_at / 900000) * 900000 as bucket, model, customer_id, kind, count(*) as calls, sum(input_tokens) as input_tokens, ` +
      `sum(output_tokens) as output_tokens, coalesce(sum(cost_micros), 0) as cost_micros, count(cost_micros) as priced_calls, ` +
      `sum(case when cost_micros is null then 1 else 0 end) as unpriced_calls, ` +
      `sum(case when cost_micros is null then input_tokens + output_tokens else 0 end) as unpriced_tokens ` +
      `from usage_costs group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
  );
  const usageRollup = await rows(db, `select bucket, model, customer_id, kind, ${USAGE.join(", ")} from rollup_usage_15m order by 1, 2, 3, 4`);
  if (JSON.stringify(usageRaw) !== JSON.stringify(usageRollup)) bad.push("rollup_usage_15m");
  const judgeRaw = await rows(
    db,
    `select (r.occurred_at / 900000) * 900000 as bucket, r.model, r.customer_id, r.function_slug, coalesce(sum(u.cost_micros), 0) as judge_cost_micros, ` +
      `count(u.cost_micros) as judge_priced_calls, sum(case when u.cost_micros is null then 1 else 0 end) as judge_unpriced_calls ` +
      `from usage_costs u join runs r on r.run_id = u.run_id where u.kind = 'judge' group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
  );
  const judgeRollup = await rows(
    db,
    `select bucket, model, customer_id, function_slug, ${JUDGE.join(", ")} from rollup_runs_15m ` +
      `where judge_priced_calls + judge_unpriced_calls > 0 order by 1, 2, 3, 4`,
  );
  if (JSON.stringify(judgeRaw) !== JSON.stringify(judgeRollup)) bad.push("rollup_runs_15m (judge measures)");
  for (const [fact, keys, measures] of [["usage", ["kind"], USAGE], ["runs", ["function_slug"], ["runs", ...JUDGE]]] as const) {
    for (const [dim, short] of [["model", "model"], ["customer_id", "customer"]]) {
      for (const [grain, start] of GRAINS) {
        const projectionKeys = fact === "runs" ? [] : keys;
        const cols = ["b", dim, ...projectionKeys].join(", ");
        const agg = measures.map((m) => `sum(${m}) as ${m}`).join(", ");
        const base = await rows(db, `select ${start} as b, ${[dim, ...projectionKeys].join(", ")}, ${agg} from rollup_${fact}_15m group by ${cols} having ${measures.map((m) => `sum(${m}) != 0`).join(" or ")} order by ${cols}`);
        const projection = await rows(db, `select bucket as b, ${[dim, ...projectionKeys].join(", ")}, ${agg} from rollup_${fact}_${short}_${grain} group by ${cols} having ${measures.map((m) => `sum(${m}) != 0`).join(" or ")} order by ${cols}`);
        if (JSON.stringify(base) !== JSON.stringify(projection)) bad.push(`rollup_${fact}_${short}_${grain}`);
      }
    }
  }
  return bad;
}

/** The local calendars as written (by bump(), repricing included) equal a fill from scratch from the 15-minute projections. */
export async function calendarsMatchRefill(db: Db, zones: string[]): Promise<boolean> {
  const written = await localCalendarRows(db);
  await syncCalendars(db, []);
  await syncCalendars(db, zones);
  return JSON.stringify(written) === JSON.stringify(await localCalendarRows(db));
}

/** One seeded usage line (the i-th): its model, kind, customer, time and tokens, deterministic. */
export function seededLine(i: number, start: number) {
  return {
    runId: `seed-${String(i).padStart(7, "0")}`,
    kind: (i % 10 === 9 ? "judge" : "agent") as "agent" | "judge",
    model: i % 2 ? "gpt-4o-2024-08-06" : "gpt-4o",
    customerId: `c${i % 40}`,
    occurredAt: start + i * 25_000,
    input: 500 + ((i * 37) % 5000),
    output: 50 + ((i * 13) % 700),
  };
}

/** Records `count` usage lines of gpt-4o and its snapshot (a tenth judge lines) through the recording layer, 2,000 per transaction. */
export async function seedUsageLines(db: Db, count: number, start: number): Promise<void> {
  for (let from = 0; from < count; from += 2_000) {
    await db.transaction().execute((trx) =>
      batchRollups(trx, async () => {
        for (let i = from; i < Math.min(count, from + 2_000); i++) {
          const l = seededLine(i, start);
          const run = { runId: l.runId, functionSlug: "seed-agent", model: "acme-agent", customerId: l.customerId, occurredAt: l.occurredAt, now: start };
          const usage = { input_tokens: l.input, output_tokens: l.output, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
          await recordUsage(trx, run, { key: l.runId, deferredRunId: l.runId, kind: l.kind, model: l.model, usage });
        }
      }),
    );
  }
}

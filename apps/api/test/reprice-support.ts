import { batchRollups, recordUsage } from "@tally/inngest-functions";
import { storedAndExpected } from "@tally/inngest-functions/testing";
import { type Db, syncCalendars } from "@tally/shared/db";
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

/**
 * Every rollup table of the catalogue against the raw rows, computed independently of the recording code
 * (`@tally/inngest-functions/testing`: usage lines, judge lines joined to their runs, runs, scores, by every
 * cuboid, grain, complete local calendar and promoted tag). Returns the tables that differ (empty: all equal).
 */
export async function rollupMismatches(db: Db): Promise<string[]> {
  return (await storedAndExpected(db)).filter((t) => JSON.stringify(t.stored) !== JSON.stringify(t.expected)).map((t) => t.table);
}

/** The local calendars as written (by bump(), repricing included) equal a fill from scratch from the base tables. */
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

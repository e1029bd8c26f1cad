import { sql } from "kysely";
import { BUCKET_MS, type Db } from "@tally/shared/db";
import { type AggregateFilter, InputError, num } from "./common.ts";
import type { RunsFilter } from "./runs.ts";
import { checkTagFilter, planFor, rollupSource } from "./source.ts";

/** What runs.list filters on, for its count. */
export type CountFilter = Pick<RunsFilter, "from" | "to" | "models" | "customerIds" | "functionSlugs" | "tags" | "scoreName">;

/**
 * How many runs match `f` (runs.list's `total`). A run counts once in the run rollups, in its own 15-minute
 * bucket under its model, customer, function slug and promoted tags, so the whole quarters of the window are
 * summed there and only the parts of a quarter at its ends are counted from the raw rows (`rawCount`). The raw
 * rows answer alone when a filter has no rollup: a score, a tag that is not promoted and filled, more than one
 * tag, a function with a tag, or an empty tag value (the rollups keep an untagged run under '').
 */
export async function countRuns(db: Db, f: CountFilter, rawCount: (from: number, to: number) => Promise<number>): Promise<number> {
  const a = Math.ceil(f.from / BUCKET_MS) * BUCKET_MS;
  const b = Math.floor(f.to / BUCKET_MS) * BUCKET_MS;
  if (a >= b || !(await hasRollup(db, f))) return rawCount(f.from, f.to);
  const filter = aggregate(f, a, b);
  const whole = await db.selectFrom(rollupSource(db, "runs", filter, { from: a, to: b })).select(sql<number | null>`sum(runs)`.as("n")).executeTakeFirst();
  const head = f.from < a ? await rawCount(f.from, a) : 0;
  const tail = b < f.to ? await rawCount(b, f.to) : 0;
  return num(whole?.n ?? 0) + head + tail;
}

const aggregate = (f: CountFilter, from: number, to: number): AggregateFilter => ({
  from, to, timeZone: "UTC", models: f.models, customerIds: f.customerIds, functionSlugs: f.functionSlugs, tags: f.tags,
});

async function hasRollup(db: Db, f: CountFilter): Promise<boolean> {
  if (f.scoreName !== undefined) return false;
  if (Object.values(f.tags ?? {}).some((v) => v === "")) return false;
  const filter = aggregate(f, f.from, f.to);
  try {
    planFor(filter);
    await checkTagFilter(db, filter);
    return true;
  } catch (e) {
    if (e instanceof InputError) return false; // more than one tag, a function with a tag, a tag not promoted or still filling
    throw e; // a database error is not a reason to count another way
  }
}

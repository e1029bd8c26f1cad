import { sql } from "kysely";
import { batchRollups, bumpUsageLine } from "@tally/inngest-functions";
import { type Db, withJobLock } from "@tally/shared/db";
import { cursorOf, differs, priceNow, readScopeLines, type StoredScope, Totals } from "./lines.ts";

/**
 * Runs repricing jobs in the API process (no Inngest engine needed): takes the oldest pending or running
 * job and reprices its lines (model by model, in id order) after its `cursor`, `batchSize` lines per transaction. Each batch,
 * in ONE write transaction: reads the job (its cursor as committed), prices each line now, and for a line
 * whose cost, price source or provider changes writes its `usage_cost_history` row (PK usage + job: once
 * per job), updates the line, takes it out of every rollup at its old cost and adds it back at the new one
 * (`bumpUsageLine`, the recording layer's own), then moves the job's cursor, counters and totals. A crash
 * loses at most the uncommitted batch; a restarted server carries on at the cursor, so no line is repriced
 * twice and the totals are exact. Several processes on one database take batches in turn (each re-reads the
 * cursor under the write lock).
 */
export interface RepriceRunner {
  /** Look for work now (a job was just started). Never waits, never throws. */
  poke(): void;
  /** Resolves once no job is pending or running (or the runner stopped). */
  idle(): Promise<void>;
  /** Stops after the current batch, and resolves when nothing runs. */
  stop(): Promise<void>;
}

export interface RunnerOptions {
  batchSize?: number;
  /** How often to look for jobs another process started. */
  pollMs?: number;
  now?: () => number;
  log?: (e: unknown) => void;
}

const runners = new Set<{ poke(): void }>();
/** Wakes this process's runners (reprice.start calls it). */
export function pokeRepricers(): void {
  for (const r of runners) r.poke();
}

export const DEFAULT_REPRICE_BATCH = 500;

export function createRepriceRunner(db: Db, opts: RunnerOptions = {}): RepriceRunner {
  const batchSize = opts.batchSize ?? DEFAULT_REPRICE_BATCH;
  const pollMs = opts.pollMs ?? 5_000;
  const now = opts.now ?? Date.now;
  const log = opts.log ?? ((e: unknown) => console.error("repricing:", e));
  let stopped = false;
  let wake: (() => void) | null = null;
  const waiters: (() => void)[] = [];
  let busy = true;

  const sleep = () =>
    new Promise<void>((done) => {
      const timer = setTimeout(() => {
        wake = null;
        done();
      }, pollMs);
      timer.unref();
      wake = () => {
        clearTimeout(timer);
        wake = null;
        done();
      };
    });

  const loop = (async () => {
    while (!stopped) {
      busy = true;
      try {
        const job = await nextJob(db);
        // One instance at a time runs jobs (withJobLock); the others look again in pollMs, and take over
        // at the cursor once the lock's holder finishes or dies.
        if (job && (await withJobLock(db, "repricing", () => runJob(job)))) continue;
      } catch (e) {
        log(e);
      }
      busy = false;
      for (const w of waiters.splice(0)) w();
      if (!stopped) await sleep();
    }
    busy = false;
    for (const w of waiters.splice(0)) w();
  })();

  async function runJob(id: string): Promise<void> {
    try {
      while (!stopped && (await repriceBatch(db, id, batchSize, now())) === "more") {
        await new Promise<void>((ok) => setImmediate(ok)); // requests get their turn between batches
      }
    } catch (e) {
      log(e);
      const error = e instanceof Error ? e.message : String(e);
      await db.updateTable("reprice_jobs").set({ status: "failed", error, finished_at: now() }).where("id", "=", id).execute();
    }
  }

  const runner = {
    poke() {
      wake?.();
    },
    idle() {
      return busy ? new Promise<void>((ok) => waiters.push(ok)) : Promise.resolve();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      runners.delete(runner);
    },
  };
  runners.add(runner);
  return runner;
}

async function nextJob(db: Db): Promise<string | undefined> {
  const r = await db
    .selectFrom("reprice_jobs")
    .select("id")
    .where("status", "in", ["pending", "running"])
    .orderBy("created_at")
    .orderBy("id")
    .limit(1)
    .executeTakeFirst();
  return r?.id;
}

/** One batch of a job in one write transaction; "done" once the scope has no line after the cursor. */
export async function repriceBatch(db: Db, jobId: string, batchSize: number, at: number): Promise<"more" | "done"> {
  return db.transaction().execute((trx) =>
    batchRollups(trx, async () => {
      const job = await trx.selectFrom("reprice_jobs").selectAll().where("id", "=", jobId).executeTakeFirst();
      if (!job || (job.status !== "pending" && job.status !== "running")) return "done";
      const lines = await readScopeLines(trx, JSON.parse(job.scope) as StoredScope, job.cursor, batchSize);
      const overrides = await trx.selectFrom("model_prices").selectAll().execute();
      // Every line's rollup key carries its run's function slug and tags; a judge line also counts in its run's row.
      const runIds = [...new Set(lines.map((l) => l.run_id))];
      const runs = new Map(
        runIds.length
          ? (
              await trx
                .selectFrom("runs")
                .select(["run_id", "model", "customer_id", "function_slug", "occurred_at", "tags"])
                .where("run_id", "in", runIds)
                .execute()
            ).map((r) => [
              r.run_id,
              { model: r.model, customerId: r.customer_id, functionSlug: r.function_slug, occurredAt: r.occurred_at, tags: JSON.parse(r.tags) as Record<string, string> },
            ])
          : [],
      );
      const totals = new Totals();
      for (const line of lines) {
        const p = priceNow(line, overrides);
        const changed = differs(line, p);
        totals.add(line.cost_micros, p.costMicros, changed);
        if (!changed) continue;
        const history = await trx
          .insertInto("usage_cost_history")
          .values({
            usage_id: line.id,
            job_id: jobId,
            cost_micros_before: line.cost_micros,
            price_source_before: line.price_source,
            cost_micros_after: p.costMicros,
            price_source_after: p.priceSource,
            at,
          })
          .onConflict((oc) => oc.columns(["usage_id", "job_id"]).doNothing())
          .executeTakeFirst();
        if (Number(history.numInsertedOrUpdatedRows ?? 0) === 0) continue; // repriced by this job already
        const after = { cost_micros: p.costMicros, input_cost_micros: p.inputCostMicros, output_cost_micros: p.outputCostMicros, price_source: p.priceSource, provider: p.provider };
        await trx.updateTable("usage_costs").set(after).where("id", "=", line.id).execute();
        const run = runs.get(line.run_id) ?? missingRun(line.id);
        await bumpUsageLine(trx, line, run, -1);
        await bumpUsageLine(trx, { ...line, ...after }, run, 1);
      }
      const last = lines[lines.length - 1];
      const done = lines.length < batchSize;
      await trx
        .updateTable("reprice_jobs")
        .set((e) => ({
          status: done ? "done" : "running",
          started_at: e.fn.coalesce("started_at", e.val(at)),
          finished_at: done ? at : null,
          cursor: last ? cursorOf(last) : job.cursor,
          lines_done: e(e.ref("lines_done"), "+", totals.lines),
          lines_changed: e(e.ref("lines_changed"), "+", totals.changed),
          before_micros: e(e.ref("before_micros"), "+", totals.beforeMicros),
          after_micros: e(e.ref("after_micros"), "+", totals.afterMicros),
          before_unpriced: e(e.ref("before_unpriced"), "+", totals.lines - totals.beforePriced),
          after_unpriced: e(e.ref("after_unpriced"), "+", totals.lines - totals.afterPriced),
          // Lines recorded after the start may be in scope too: a finished job counts what it did.
          ...(done ? { lines_total: sql<number>`case when lines_total > lines_done + ${totals.lines} then lines_total else lines_done + ${totals.lines} end` } : {}),
        }))
        .where("id", "=", jobId)
        .execute();
      return done ? "done" : "more";
    }),
  );
}

function missingRun(lineId: string): never {
  throw new Error(`usage line ${lineId}: its run is missing, so its rollup key (function slug, tags, judge spend) is unknown`);
}

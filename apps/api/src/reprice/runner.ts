import { sql, type Transaction } from "kysely";
import { batchRollups, bumpPricedRuns, bumpUsageLine, pricedLines, pricesItsRun } from "@tally/inngest-functions";
import { type Database, type Db, type UsageCost, withJobLock } from "@tally/shared/db";
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
      const changed: Repriced[] = [];
      for (const line of lines) {
        const p = priceNow(line, overrides);
        const differ = differs(line, p);
        totals.add(line.cost_micros, p.costMicros, differ);
        if (differ) changed.push({ line, after: { cost_micros: p.costMicros, input_cost_micros: p.inputCostMicros, output_cost_micros: p.outputCostMicros, price_source: p.priceSource, provider: p.provider } });
      }
      // Runs whose agent line gains or loses its price may become priced runs or stop being ones, and a run's
      // first priced line of a model may become another.
      const flips = [...new Set(changed.filter(({ line, after }) => pricesItsRun(line) !== pricesItsRun({ ...line, ...after })).map(({ line }) => line.run_id))];
      const pricedBefore = await pricedLines(trx, flips);
      for (let i = 0; i < changed.length; i += WRITE_CHUNK) {
        for (const { line, after } of await writeRepriced(trx, jobId, changed.slice(i, i + WRITE_CHUNK), at)) {
          const run = runs.get(line.run_id) ?? missingRun(line.id);
          await bumpUsageLine(trx, line, run, -1);
          await bumpUsageLine(trx, { ...line, ...after }, run, 1);
        }
      }
      await bumpPricedRuns(trx, pricedBefore, await pricedLines(trx, flips), (id) => runs.get(id) ?? missingRun(id));
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

type LineCosts = Pick<UsageCost, "cost_micros" | "input_cost_micros" | "output_cost_micros" | "price_source" | "provider">;
interface Repriced {
  line: UsageCost;
  after: LineCosts;
}

/** Lines written per statement: 11 parameters a line stays far below both engines' limits. */
const WRITE_CHUNK = 200;

/**
 * Records the lines' `usage_cost_history` rows (once per line and job) and stores their new costs, in two
 * statements whatever the count (one round trip per line cost more than the repricing itself on PostgreSQL).
 * Answers the lines this call repriced; a line this job repriced already is left as it is.
 */
async function writeRepriced(trx: Transaction<Database>, jobId: string, lines: Repriced[], at: number): Promise<Repriced[]> {
  if (lines.length === 0) return [];
  const inserted = await trx
    .insertInto("usage_cost_history")
    .values(
      lines.map(({ line, after }) => ({
        usage_id: line.id,
        job_id: jobId,
        cost_micros_before: line.cost_micros,
        price_source_before: line.price_source,
        cost_micros_after: after.cost_micros,
        price_source_after: after.price_source,
        at,
      })),
    )
    .onConflict((oc) => oc.columns(["usage_id", "job_id"]).doNothing())
    .returning("usage_id")
    .execute();
  const fresh = new Set(inserted.map((r) => r.usage_id));
  const todo = lines.filter((l) => fresh.has(l.line.id));
  if (todo.length === 0) return [];
  // One CASE per column, each value cast to the column's type (PostgreSQL types a bare parameter as text).
  const column = <K extends keyof LineCosts>(name: K, type: "bigint" | "text") =>
    sql<LineCosts[K]>`case id ${sql.join(todo.map(({ line, after }) => sql`when ${line.id} then cast(${after[name]} as ${sql.raw(type)})`), sql` `)} end`;
  await trx
    .updateTable("usage_costs")
    .set({
      cost_micros: column("cost_micros", "bigint"),
      input_cost_micros: column("input_cost_micros", "bigint"),
      output_cost_micros: column("output_cost_micros", "bigint"),
      price_source: column("price_source", "text"),
      provider: column("provider", "text"),
    })
    .where("id", "in", todo.map((l) => l.line.id))
    .execute();
  return todo;
}

function missingRun(lineId: string): never {
  throw new Error(`usage line ${lineId}: its run is missing, so its rollup key (function slug, tags, judge spend) is unknown`);
}

import { sql } from "kysely";
import { batchRollups, recordEvaluation, recordUsage, type RunRef } from "@tally/inngest-functions";
import { type Db, isPostgres } from "@tally/shared/db";
import { mulberry32 as rng } from "@tally/shared";

export interface GenOptions {
  runs: number;
  days: number;
  customers: number;
  models: number;
  /** Last instant of the data (exclusive). */
  end: number;
  seed: number;
}

export const SCORE_NAMES = ["helpfulness", "accuracy", "tone"] as const;
export const JUDGE_MODEL = "bench-judge";
const DAY = 86_400_000;
const BATCH = 500;

/** Several function slugs (the function cuboid), one in five runs the first. */
export const FUNCTION_SLUGS = ["triage-agent", "support-agent", "support-agent", "refund-agent", "summarize-ticket"] as const;
/** The `plan` tag (promoted in the bench: the tag cuboid) is the customer's: every tenth enterprise, every third pro, the rest free. */
export const planOf = (c: number) => (c % 10 === 0 ? "enterprise" : c % 3 === 0 ? "pro" : "free");
export const modelName = (i: number) => `bench-model-${String(i + 1).padStart(2, "0")}`;
export const customerName = (i: number) => `cust-${String(i + 1).padStart(3, "0")}`;

/** Price overrides for every model but the last (left unpriced on purpose) and the judge; customers with budgets. */
export async function seedReferenceData(db: Db, o: GenOptions): Promise<void> {
  const prices = [...Array.from({ length: o.models - 1 }, (_, i) => modelName(i)), JUDGE_MODEL].map((model, i) => ({
    model,
    provider: "",
    input_micros_per_mtok: 150_000 * (1 + (i % 6)),
    output_micros_per_mtok: 600_000 * (1 + (i % 6)),
    cache_read_micros_per_mtok: null,
    cache_write_micros_per_mtok: null,
    effective_from: 0,
    created_at: 0,
  }));
  await db.insertInto("model_prices").values(prices).onConflict((oc) => oc.doNothing()).execute();
  const customers = Array.from({ length: o.customers }, (_, i) => ({
    id: customerName(i),
    name: `Customer ${i + 1}`,
    monthly_budget_micros: i % 3 === 0 ? 50_000_000 * (1 + (i % 5)) : null,
    created_at: 0,
    updated_at: 0,
  }));
  await db.insertInto("customers").values(customers).onConflict((oc) => oc.doNothing()).execute();
}

/**
 * Writes parent runs `from` to `runs` through the real recording code (recordUsage for the agent line, then
 * recordEvaluation with 3 scores and the judge's usage), in occurrence order. Run i's values depend on the
 * seed and i alone, so an interrupted generation (a whole batch commits or none of it) continues from the
 * runs already written and ends as one uninterrupted would. Bulk settings: a SQLite bench database runs with
 * synchronous=OFF, a large page cache and 500 runs per transaction; the write path itself is unchanged. It
 * writes PostgreSQL too, a statement at a time (several times slower than SQLite's in-process calls): the
 * benches fill a PostgreSQL database by copying a SQLite one generated here instead (copy-to-postgres.ts).
 */
export async function generate(db: Db, o: GenOptions, from: number, progress: (done: number) => void): Promise<void> {
  const sqlite = !isPostgres(db);
  if (sqlite) await sql`pragma synchronous = OFF`.execute(db);
  if (sqlite) await sql`pragma cache_size = -524288`.execute(db);
  await seedReferenceData(db, o);
  const start = o.end - o.days * DAY;
  const step = (o.days * DAY) / o.runs;
  const quality = Array.from({ length: o.models }, (_, i) => 0.45 + (i / o.models) * 0.4);
  for (let batch = from; batch < o.runs; batch += BATCH) {
    // Many runs per commit, as the demo seed does, their rollup rows summed in memory and written once per
    // row and batch (batchRollups).
    await db.transaction().execute((trx) =>
      batchRollups(trx, async () => {
        for (let i = batch; i < Math.min(o.runs, batch + BATCH); i++) await oneRun(trx, i);
      }),
    );
    const done = Math.min(o.runs, batch + BATCH);
    if (done % 5000 === 0 || done === o.runs) progress(done);
  }
  if (sqlite) await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
  if (sqlite) await sql`pragma synchronous = NORMAL`.execute(db);
  await sql`analyze`.execute(db);

  async function oneRun(trx: Db, i: number): Promise<void> {
    const rand = rng(Math.imul(o.seed, 0x9e3779b1) ^ i);
    const m = Math.floor(rand() * rand() * o.models * 1.999) % o.models; // skewed: a few models dominate
    const c = Math.floor(rand() ** 2 * o.customers); // skewed: a few big customers
    const occurredAt = Math.floor(start + i * step + rand() * step);
    const runId = `bench-${i.toString(36).padStart(7, "0")}`;
    const model = modelName(m);
    const ref: RunRef = {
      runId,
      functionSlug: FUNCTION_SLUGS[i % FUNCTION_SLUGS.length]!,
      model,
      customerId: customerName(c),
      tags: { env: "prod", plan: planOf(c) },
      occurredAt,
      now: occurredAt + 5_000,
    };
    const inTok = 200 + Math.floor(rand() * 3800);
    const outTok = 50 + Math.floor(rand() * 950);
    await recordUsage(trx, ref, {
      key: `${runId}-c`,
      deferredRunId: `${runId}-c`,
      kind: "agent",
      model,
      usage: { input_tokens: inTok, output_tokens: outTok, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 },
    });
    await recordEvaluation(trx, ref, {
      key: `${runId}-s`,
      deferredRunId: `${runId}-s`,
      model,
      judgeModel: JUDGE_MODEL,
      rubricVersion: "bench-v1",
      judgeCalls: 1,
      judgeUsage: { input_tokens: 800 + Math.floor(rand() * 400), output_tokens: 60 + Math.floor(rand() * 60), cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 },
      outcome: {
        ok: true,
        scores: SCORE_NAMES.map((name) => ({
          name,
          rawValue: Math.max(0, Math.min(10, Math.round((quality[m]! + (rand() - 0.5) * 0.5) * 10))),
          scaleMin: 0,
          scaleMax: 10,
          rationale: "bench",
        })),
      },
    });
  }
}

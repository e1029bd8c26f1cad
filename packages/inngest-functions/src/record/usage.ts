import type { Kysely, Transaction } from "kysely";
import { type Database, bucketOf, type UsageKind } from "@tally/shared/db";
import { fill, type NormalizedUsage, normalizeModelId, priceUsage, toMicros } from "@tally/shared/pricing";
import { type RunRef, upsertRun, usageDeltas } from "./run.ts";
import { bump } from "./rollup.ts";
import { inTransaction } from "./tx.ts";

export interface UsageLine {
  /** Deterministic id of the fact (the deferred run id unless the payload gave its own key). */
  key: string;
  deferredRunId: string;
  kind: UsageKind;
  model: string;
  provider?: string | undefined;
  usage: NormalizedUsage;
  reportedCostUsd?: number | undefined;
}

export interface RecordedUsage {
  id: string;
  inserted: boolean;
  costMicros: number | null;
  priceSource: string;
}

/**
 * Prices one usage line with the overrides in force at `run.occurredAt` and writes it with its rollup
 * in one transaction. Idempotent on `${key}:${kind}`: a retried or duplicated delivery changes nothing.
 */
export async function recordUsage(db: Kysely<Database>, run: RunRef, line: UsageLine): Promise<RecordedUsage> {
  return inTransaction(db, async (trx) => {
    const state = await upsertRun(trx, run);
    return insertUsageLine(trx, run, state.customerId, line);
  });
}

/** The write itself, for callers that already hold a transaction (the judge's cost beside its scores). */
export async function insertUsageLine(
  trx: Transaction<Database>,
  run: RunRef,
  runCustomerId: string,
  line: UsageLine,
): Promise<RecordedUsage> {
  const id = `${line.key}:${line.kind}`;
  const prior = await trx
    .selectFrom("usage_costs")
    .select(["cost_micros", "price_source"])
    .where("id", "=", id)
    .executeTakeFirst();
  if (prior) return { id, inserted: false, costMicros: prior.cost_micros, priceSource: prior.price_source };

  // One stored form of the model id on every path (payloads arrive normalised; the judge's model too).
  const model = normalizeModelId(line.model);
  // Overrides match the id as the catalog does (priceUsage compares normalised ids), so all in force are read.
  const overrides = await trx.selectFrom("model_prices").selectAll().where("effective_from", "<=", run.occurredAt).execute();
  const price = priceUsage(line.usage, model, line.provider, run.occurredAt, overrides);
  const row = {
    id,
    run_id: run.runId,
    deferred_run_id: line.deferredRunId,
    kind: line.kind,
    provider: price.provider,
    model,
    // An agent line names its customer; a judge line bills the run's customer ('' until known).
    customer_id: line.kind === "agent" ? (run.customerId ?? runCustomerId) : runCustomerId,
    ...fill(line.usage as unknown as Record<string, number | undefined>),
    cost_micros: price.costMicros,
    input_cost_micros: price.inputCostMicros,
    output_cost_micros: price.outputCostMicros,
    price_source: price.priceSource,
    reported_cost_micros: line.reportedCostUsd === undefined ? null : toMicros(line.reportedCostUsd),
    occurred_at: run.occurredAt,
    created_at: run.now,
  };
  await trx.insertInto("usage_costs").values(row).execute();
  await bump(
    trx,
    "rollup_usage_15m",
    { bucket: bucketOf(row.occurred_at), model: row.model, customer_id: row.customer_id, kind: row.kind },
    usageDeltas(row),
  );
  return { id, inserted: true, costMicros: price.costMicros, priceSource: price.priceSource };
}

import type { Kysely, Transaction } from "kysely";
import { catalogId } from "@tally/shared";
import { type Database, bucketOf, type UsageKind } from "@tally/shared/db";
import {
  ALL_UNITS,
  fill,
  type NormalizedUsage,
  priceUsage,
  storedProviderIds,
  toMicros,
  UsageError,
} from "@tally/shared/pricing";
import { judgeFactDeltas, judgeLineDeltas, negate, type RunRef, type RunState, runKey, upsertRun, usageDeltas } from "./run.ts";
import { bumpJudgeActivity } from "./judge-activity.ts";
import { bump } from "./rollup.ts";
import { bumpPricedRuns, pricedLines, pricesItsRun } from "./priced-runs.ts";
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
    return insertUsageLine(trx, run, state, line);
  });
}

/**
 * The write itself, for callers that already hold a transaction (the judge's cost beside its scores). A
 * judge line also counts in its run's rollup row (the judged model's judge spend, migration 0009).
 */
export async function insertUsageLine(
  trx: Transaction<Database>,
  run: RunRef,
  state: RunState,
  line: UsageLine,
): Promise<RecordedUsage> {
  const runCustomerId = state.customerId;
  const id = `${line.key}:${line.kind}`;
  // One stored form of the model id on every path (payloads arrive normalised; the judge's model too).
  const model = catalogId(line.model);
  // An agent line names its customer; a judge line bills the run's customer ('' until known).
  const customerId = line.kind === "agent" ? (run.customerId ?? runCustomerId) : runCustomerId;
  const prior = await trx.selectFrom("usage_costs").selectAll().where("id", "=", id).executeTakeFirst();
  if (prior) {
    const differences = lineDifferences(prior, { ...line, model, customerId, runId: run.runId });
    if (differences.length) {
      throw new UsageError(
        `idempotencyKey "${line.key}" was already used for a different ${line.kind} usage line (${differences.join(", ")}): use one key per fact`,
      );
    }
    return { id, inserted: false, costMicros: prior.cost_micros, priceSource: prior.price_source };
  }

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
    customer_id: customerId,
    ...fill(line.usage as unknown as Record<string, number | undefined>),
    cost_micros: price.costMicros,
    input_cost_micros: price.inputCostMicros,
    output_cost_micros: price.outputCostMicros,
    price_source: price.priceSource,
    reported_cost_micros: line.reportedCostUsd === undefined ? null : toMicros(line.reportedCostUsd),
    occurred_at: run.occurredAt,
    created_at: run.now,
  };
  // A priced agent line may make its run a priced run, or the run's first priced line of its model.
  const pricedBefore = pricesItsRun(row) ? await pricedLines(trx, [run.runId]) : [];
  await trx.insertInto("usage_costs").values(row).execute();
  await bumpUsageLine(trx, row, state, 1);
  if (pricesItsRun(row)) await bumpPricedRuns(trx, pricedBefore, [...pricedBefore, row], () => state);
  return { id, inserted: true, costMicros: price.costMicros, priceSource: price.priceSource };
}

/** A stored usage line as its rollups see it. */
export type RollupLine = Parameters<typeof usageDeltas>[0] & {
  kind: UsageKind;
  model: string;
  customer_id: string;
  occurred_at: number;
  /** When it was recorded (the function's clock): a judge line's call counts in that day's judge activity. */
  created_at: number;
};

/**
 * Adds (`sign` 1) or takes out (-1) one usage line in every rollup it counts in, in the caller's transaction:
 * the usage rollups under the line's own bucket, model, customer and kind with the run's function slug and
 * tags (every cuboid, local calendars and tag rows through bump()), and a judge line's spend and
 * priced/unpriced call in its run's row (0009) and by judge model (the judge fact, 0015), keyed by `run`, and
 * in the judge's activity at the time of the call (0021: what the daily judge budget counts).
 * The writer adds each new line; the repricer takes a line out at its old price and adds it back at the new one.
 */
export async function bumpUsageLine(
  trx: Transaction<Database>,
  line: RollupLine,
  run: Pick<RunState, "occurredAt" | "model" | "customerId" | "functionSlug" | "tags">,
  sign: 1 | -1,
): Promise<void> {
  const signed = (d: Record<string, number>) => (sign === 1 ? d : negate(d));
  const key = { bucket: bucketOf(line.occurred_at), model: line.model, customer_id: line.customer_id, function_slug: run.functionSlug, tags: run.tags, kind: line.kind };
  await bump(trx, "usage", key, signed(usageDeltas(line)));
  if (line.kind === "judge") {
    const runAt = runKey(run.occurredAt, run.model, run.customerId, run.functionSlug, run.tags);
    await bump(trx, "runs", runAt, { runs: 0, ...signed(judgeLineDeltas(line)) });
    await bump(trx, "judge", { ...runAt, judge_model: line.model }, signed(judgeFactDeltas(line)));
    await bumpJudgeActivity(trx, line.created_at, signed(judgeFactDeltas(line)));
  }
}

/**
 * What a second line with the same key changes in the stored one, as `field stored → sent` (empty: a true
 * redelivery). Only what cannot legitimately change is compared: the parent run (a key reused by another
 * run would leave that run without its cost, and its run row is rolled back with the refusal), the model, each count, the provider when
 * the line names one (stored as sent or as the catalog names it; without one, the line stores the provider
 * its price came from), and an agent line's customer (a judge line's moves from '' to the run's customer
 * when that becomes known, record/run.ts).
 */
function lineDifferences(
  stored: Record<string, unknown> & { model: string; provider: string; customer_id: string; run_id: string },
  line: UsageLine & { model: string; customerId: string; runId: string },
): string[] {
  const out: string[] = [];
  const differ = (field: string, was: unknown, now: unknown) => {
    if (was !== now) out.push(`${field} ${JSON.stringify(was)} → ${JSON.stringify(now)}`);
  };
  differ("parent run", stored.run_id, line.runId);
  if (line.kind === "agent") differ("customerId", stored.customer_id, line.customerId);
  differ("model", stored.model, line.model);
  const providers = line.provider === undefined ? [] : storedProviderIds(line.provider);
  if (providers[0] && !providers.includes(stored.provider)) out.push(`provider ${JSON.stringify(stored.provider)} → ${JSON.stringify(providers[0])}`);
  const counts = fill(line.usage as unknown as Record<string, number | undefined>) as unknown as Record<string, number>;
  for (const unit of ALL_UNITS) differ(unit.field, stored[unit.column], counts[unit.column]);
  return out;
}

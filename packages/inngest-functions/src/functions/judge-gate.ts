import { type Db, localDayWindow } from "@tally/shared/db";
import { inSample } from "@tally/shared/sampling";

/** What decides whether a run is judged (from configuration: TALLY_JUDGE_SAMPLE_RATE, TALLY_JUDGE_DAILY_BUDGET_USD). */
export interface JudgeGateConfig {
  /** The global sample rate, 0…1, under the per-customer and per-model rates in `judge_sampling`. */
  sampleRate: number;
  /** The day's judge spend limit in micro-USD; null: no limit. */
  dailyBudgetMicros: number | null;
  /** The reporting zone whose local day the budget covers (first of TALLY_TIME_ZONES, else UTC). */
  timeZone: string;
}

export type JudgeDecision =
  | { judge: true }
  | { judge: false; reason: "not_sampled" | "judge_budget" }
  /** `runId`: the run the recorded evaluation belongs to (another run's: the key was reused, refused by the caller). */
  | { judge: false; reason: "recorded"; runId: string };

export interface GatedRun {
  parentRunId: string;
  /** The evaluation's key: one already recorded under it (a repeated delivery) is not judged again. */
  key: string;
  /** The judged (agent) model. */
  model: string;
  customerId?: string | undefined;
  /** The function's clock, epoch ms. */
  now: number;
}

export const DEFAULT_JUDGE_GATE: JudgeGateConfig = { sampleRate: 1, dailyBudgetMicros: null, timeZone: "UTC" };

/**
 * Whether to call the judge for a run: an evaluation already recorded under the key (a repeated delivery)
 * → `recorded`, no second paid call; out of the sample (a hash of the parent run id against the run's
 * rate) → `not_sampled`; else today's judge spend at or over the daily budget → `judge_budget`. The call
 * that crosses the budget is made, the next is not. Call it inside a step so a retry reuses the answer.
 */
export async function judgeDecision(db: Db, run: GatedRun, config: JudgeGateConfig): Promise<JudgeDecision> {
  const recorded = await db.selectFrom("evaluations").select("run_id").where("id", "=", run.key).executeTakeFirst();
  if (recorded) return { judge: false, reason: "recorded", runId: recorded.run_id };
  const rate = await sampleRateFor(db, run, config.sampleRate);
  if (!inSample(run.parentRunId, rate)) return { judge: false, reason: "not_sampled" };
  if (config.dailyBudgetMicros === null) return { judge: true };
  const today = localDayWindow(config.timeZone, run.now);
  const spent = await judgeSpendMicros(db, today.start, today.end);
  if (spent < config.dailyBudgetMicros) return { judge: true };
  logBudgetReachedOnce(db, today.day, spent, config);
  return { judge: false, reason: "judge_budget" };
}

/** The run's sample rate: its customer's row, else its model's row in `judge_sampling`, else the global rate. */
export async function sampleRateFor(db: Db, run: Pick<GatedRun, "model" | "customerId">, globalRate: number): Promise<number> {
  const rows = await db
    .selectFrom("judge_sampling")
    .select(["scope", "rate"])
    .where((eb) =>
      eb.or([
        eb.and([eb("scope", "=", "customer"), eb("key", "=", run.customerId ?? "")]),
        eb.and([eb("scope", "=", "model"), eb("key", "=", run.model)]),
      ]),
    )
    .execute();
  const customer = run.customerId ? rows.find((r) => r.scope === "customer") : undefined;
  return (customer ?? rows.find((r) => r.scope === "model"))?.rate ?? globalRate;
}

/**
 * Priced spend of the judge calls MADE in [start, end), whatever their runs' times (the judge's activity,
 * 0021; unpriced judge calls have no cost to count).
 */
export async function judgeSpendMicros(db: Db, start: number, end: number): Promise<number> {
  const row = await db
    .selectFrom("judge_activity_15m")
    .select((eb) => eb.fn.sum<number | string | null>("cost_micros").as("spent"))
    .where("bucket", ">=", start)
    .where("bucket", "<", end)
    .executeTakeFirst();
  return Number(row?.spent ?? 0);
}

/** The last day a "budget reached" line was written, per database: one line per day and process. */
const loggedDay = new WeakMap<object, string>();

function logBudgetReachedOnce(db: Db, day: string, spent: number, config: JudgeGateConfig): void {
  if (loggedDay.get(db) === day) return;
  loggedDay.set(db, day);
  const usd = (micros: number) => `$${(micros / 1e6).toFixed(6).replace(/0{1,4}$/, "")}`;
  console.warn(
    `Judge budget reached for ${day}: ${usd(spent)} of judge spend today (${config.timeZone}), budget ${usd(config.dailyBudgetMicros ?? 0)} ` +
      "(TALLY_JUDGE_DAILY_BUDGET_USD); runs are recorded as skipped, not judged, until the next local day",
  );
}

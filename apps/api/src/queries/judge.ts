import { sql } from "kysely";
import { DEFAULT_FLOW, DEFAULT_JUDGE_GATE, type FlowControl, type JudgeGateConfig } from "@tally/inngest-functions";
import type { JudgeSamplingRemoveInput, JudgeSamplingScope, JudgeSamplingSetInput } from "@tally/shared";
import { type Db, type JudgeSamplingTable, localDayWindow } from "@tally/shared/db";
import { writeAudit } from "../auth/audit.ts";
import type { Actor } from "../auth/principal.ts";
import { money, num } from "./common.ts";

/**
 * The judge's configuration as `judge.status` shows it: the gate's (TALLY_JUDGE_SAMPLE_RATE,
 * TALLY_JUDGE_DAILY_BUDGET_USD in micro-USD, the reporting zone) and the flow control of score-agent-output
 * (TALLY_JUDGE_CONCURRENCY, TALLY_JUDGE_THROTTLE: null when off).
 */
export interface JudgeSettings extends JudgeGateConfig {
  concurrency: number;
  throttle: FlowControl["judgeThrottle"];
}

export const DEFAULT_JUDGE_SETTINGS: JudgeSettings = {
  ...DEFAULT_JUDGE_GATE,
  concurrency: DEFAULT_FLOW.judgeConcurrency,
  throttle: DEFAULT_FLOW.judgeThrottle,
};

export interface JudgeStatus extends JudgeSettings {
  /** Today's priced judge spend; null when no judge call today is priced (unknown, never $0). */
  todayMicros: number | null;
  /** Judge usage lines recorded today, whatever their runs' times (one per evaluation that called the judge, repairs included in it). */
  todayJudgeCalls: number;
  /** Of those, the ones without a price: `todayMicros` leaves them out (shown beside it, never as $0). */
  todayUnpricedCalls: number;
  /** Runs skipped today (whatever their own times) because the day's judge budget was reached. */
  skippedToday: number;
  /** The reporting zone's local date of today, YYYY-MM-DD. */
  day: string;
}

/**
 * Today's judge spend and skips in the reporting zone, by when the judge was called or the run skipped (the
 * judge's activity, as the budget counts them), with the configuration beside them.
 */
export async function getJudgeStatus(db: Db, settings: JudgeSettings, now: number): Promise<JudgeStatus> {
  // The gate's own day (judge-gate.ts): whole 15-minute buckets from local midnight to the next.
  const { day, start, end } = localDayWindow(settings.timeZone, now);
  const today = await db
    .selectFrom("judge_activity_15m")
    .select([
      sql<number>`sum(cost_micros)`.as("spend"),
      sql<number>`sum(priced_calls)`.as("priced"),
      sql<number>`sum(calls)`.as("calls"),
      sql<number>`sum(unpriced_calls)`.as("unpriced"),
      sql<number>`sum(budget_skips)`.as("skipped"),
    ])
    .where("bucket", ">=", start)
    .where("bucket", "<", end)
    .executeTakeFirst();
  return {
    ...settings,
    todayMicros: money(today?.spend, today?.priced),
    todayJudgeCalls: num(today?.calls),
    todayUnpricedCalls: num(today?.unpriced),
    skippedToday: num(today?.skipped),
    day,
  };
}

export interface JudgeSamplingItem {
  scope: JudgeSamplingScope;
  key: string;
  rate: number;
  updatedAt: number;
  /** Who set it (the audit log's actor label). */
  updatedBy: string;
}

const toItem = (r: JudgeSamplingTable): JudgeSamplingItem => ({ scope: r.scope, key: r.key, rate: r.rate, updatedAt: r.updated_at, updatedBy: r.updated_by });
const columns = ["scope", "key", "rate", "updated_at", "updated_by"] as const;

/** Every override, customers first (a customer's rate wins over its runs' model's), then by key. */
export async function listJudgeSampling(db: Db): Promise<JudgeSamplingItem[]> {
  const rows = await db.selectFrom("judge_sampling").select(columns).orderBy(sql`scope = 'customer'`, "desc").orderBy("key").execute();
  return rows.map(toItem);
}

const target = (scope: string, key: string) => `judgeSampling:${scope}/${key}`;

/** Sets the rate of one model or customer, with its audit record, in one transaction. Applies to runs scored from now on. */
export async function setJudgeSampling(db: Db, actor: Actor, input: JudgeSamplingSetInput, now: number): Promise<JudgeSamplingItem> {
  return db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom("judge_sampling").select(columns).where("scope", "=", input.scope).where("key", "=", input.key).executeTakeFirst();
    const values = { rate: input.rate, updated_at: now, updated_by: actor.label };
    const r = await trx
      .insertInto("judge_sampling")
      .values({ scope: input.scope, key: input.key, ...values })
      .onConflict((oc) => oc.columns(["scope", "key"]).doUpdateSet(values))
      .returning(columns)
      .executeTakeFirstOrThrow();
    await writeAudit(trx, actor, { action: "judgeSampling.set", target: target(input.scope, input.key), before: before ? toItem(before) : null, after: toItem(r) }, now);
    return toItem(r);
  });
}

/** Removes an override (the run then follows the model's rate or TALLY_JUDGE_SAMPLE_RATE); audited when there was one. */
export async function removeJudgeSampling(db: Db, actor: Actor, input: JudgeSamplingRemoveInput, now: number): Promise<{ removed: boolean }> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .deleteFrom("judge_sampling")
      .where("scope", "=", input.scope)
      .where("key", "=", input.key)
      .returning(columns)
      .executeTakeFirst();
    if (!before) return { removed: false };
    await writeAudit(trx, actor, { action: "judgeSampling.remove", target: target(input.scope, input.key), before: toItem(before), after: null }, now);
    return { removed: true };
  });
}

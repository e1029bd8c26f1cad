import { sql } from "kysely";
import { type JudgeSamplingRemoveInput, type JudgeSamplingScope, type JudgeSamplingSetInput, localParts } from "@tally/shared";
import type { Db, JudgeSamplingTable } from "@tally/shared/db";
import { writeAudit } from "../auth/audit.ts";
import type { Actor } from "../auth/principal.ts";
import { money, num } from "./common.ts";
import { rollupSource } from "./source.ts";
import { DAY_MS, zoneBuckets } from "./zone.ts";

/** The judge's flow control as configured (TALLY_JUDGE_*), shown by `judge.status`. */
export interface JudgeSettings {
  /** TALLY_JUDGE_SAMPLE_RATE: the share of runs scored without an override. */
  sampleRate: number;
  /** TALLY_JUDGE_DAILY_BUDGET_USD in micro-USD; null: no budget. */
  dailyBudgetMicros: number | null;
  /** The reporting zone (first of TALLY_TIME_ZONES, else UTC): the budget's day is its local day. */
  timeZone: string;
  /** TALLY_JUDGE_CONCURRENCY: score-agent-output runs at once. */
  concurrency: number;
  /** TALLY_JUDGE_THROTTLE as configured (`<limit>/<period>`, `0` = off). */
  throttle: string;
}

export const DEFAULT_JUDGE_SETTINGS: JudgeSettings = { sampleRate: 1, dailyBudgetMicros: null, timeZone: "UTC", concurrency: 5, throttle: "60/1m" };

export interface JudgeStatus extends JudgeSettings {
  /** Today's priced judge spend; null when no judge call today is priced (unknown, never $0). */
  todayMicros: number | null;
  /** Judge usage lines recorded today (one per evaluation that called the judge, repairs included in it). */
  todayJudgeCalls: number;
  /** Runs of today not judged because the day's judge budget was reached. */
  skippedToday: number;
  /** The reporting zone's local date of today, YYYY-MM-DD. */
  day: string;
}

/**
 * The reporting zone's local day around `now`: [local midnight, next local midnight). Every IANA zone's
 * midnights fall on 15-minute boundaries, so the day is whole rollup buckets; a DST day is 23 or 25 hours.
 */
export function localDay(timeZone: string, now: number): { day: string; from: number; to: number } {
  const bucket = zoneBuckets(timeZone, now - 2 * DAY_MS, now + 2 * DAY_MS, "day").find((b) => b.start <= now && now < b.end)!;
  const p = localParts(now, timeZone);
  const day = `${String(p.y).padStart(4, "0")}-${String(p.mo).padStart(2, "0")}-${String(p.d).padStart(2, "0")}`;
  return { day, from: bucket.start, to: bucket.end };
}

/** Today's judge spend and skips in the reporting zone, from the rollups, with the configuration beside them. */
export async function getJudgeStatus(db: Db, settings: JudgeSettings, now: number): Promise<JudgeStatus> {
  const { day, from, to } = localDay(settings.timeZone, now);
  const f = { from, to, timeZone: settings.timeZone };
  const [usage, runs] = await Promise.all([
    db
      .selectFrom(rollupSource("usage", f, f, { extra: [sql`kind = 'judge'`] }))
      .select([sql<number>`sum(cost_micros)`.as("spend"), sql<number>`sum(priced_calls)`.as("priced"), sql<number>`sum(calls)`.as("calls")])
      .executeTakeFirst(),
    db.selectFrom(rollupSource("runs", f, f)).select(sql<number>`sum(judge_skipped_runs)`.as("skipped")).executeTakeFirst(),
  ]);
  return {
    ...settings,
    todayMicros: money(usage?.spend, usage?.priced),
    todayJudgeCalls: num(usage?.calls),
    skippedToday: num(runs?.skipped),
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

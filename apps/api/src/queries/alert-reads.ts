import { type AlertEvaluation, enabledRules, evaluateRules, monthSpend, parseRule } from "@tally/inngest-functions";
import { type AlertBudgetsInput, type AlertHistoryInput, type AlertRuleKindName, forecastForMonth } from "@tally/shared";
import type { AlertNotificationTable, Db } from "@tally/shared/db";
import { decodeCursor, encodeCursor } from "./common.ts";

/** What the alert reads need from configuration (createApp): the reporting zone and whether SLACK_WEBHOOK_URL is set. */
export interface AlertSettings {
  /** TALLY_TIME_ZONES[0] ?? "UTC": budget months. */
  timeZone: string;
  slackWebhookConfigured: boolean;
  /** Channels may name addresses off the public internet (dev mode, TALLY_ALERT_PRIVATE_DESTINATIONS=1). */
  allowPrivateDestinations: boolean;
}
export const DEFAULT_ALERT_SETTINGS: AlertSettings = { timeZone: "UTC", slackWebhookConfigured: false, allowPrivateDestinations: false };

export interface AlertState {
  evaluatedAt: number;
  timeZone: string;
  /** Every enabled rule's evaluations, computed now from the rollups (no Inngest engine needed). */
  evaluations: AlertEvaluation[];
  /** Where alerts go while no channel is configured: SLACK_WEBHOOK_URL ("slack-env"), or nowhere (null). */
  defaultChannel: "slack-env" | null;
}

export async function alertState(db: Db, s: AlertSettings, now: number): Promise<AlertState> {
  const [rules, channel] = await Promise.all([enabledRules(db), db.selectFrom("alert_channels").select("id").limit(1).executeTakeFirst()]);
  const evaluations = await evaluateRules(db, rules, { now, timeZone: s.timeZone });
  return { evaluatedAt: now, timeZone: s.timeZone, evaluations, defaultChannel: s.slackWebhookConfigured && !channel ? "slack-env" : null };
}

export interface AlertNotificationItem {
  id: string;
  ruleId: string;
  /** The rule's name now; null when the rule was removed. */
  ruleName: string | null;
  subject: string;
  period: string;
  event: AlertNotificationTable["event"];
  channelId: string;
  status: AlertNotificationTable["status"];
  attempts: number;
  lastError: string | null;
  message: string;
  link: string;
  createdAt: number;
  sentAt: number | null;
}

type HistoryCursor = [number, string];
const isCursor = (v: unknown): v is HistoryCursor => Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === "string";

/** Notifications newest first, paged by a keyset cursor on (created_at, id). */
export async function alertHistory(db: Db, f: AlertHistoryInput): Promise<{ items: AlertNotificationItem[]; nextCursor: string | null }> {
  const after = decodeCursor(f.cursor, isCursor);
  const rows = await db
    .selectFrom("alert_notifications as n")
    .leftJoin("alert_rules as r", "r.id", "n.rule_id")
    .selectAll("n")
    .select("r.name as rule_name")
    .$if(f.ruleId !== undefined, (q) => q.where("n.rule_id", "=", f.ruleId!))
    .$if(f.status !== undefined, (q) => q.where("n.status", "=", f.status!))
    .$if(after !== undefined, (q) =>
      q.where((eb) => eb.or([eb("n.created_at", "<", after![0]), eb.and([eb("n.created_at", "=", after![0]), eb("n.id", "<", after![1])])])),
    )
    .orderBy("n.created_at", "desc")
    .orderBy("n.id", "desc")
    .limit(f.limit + 1)
    .execute();
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((n) => ({
      id: n.id,
      ruleId: n.rule_id,
      ruleName: n.rule_name,
      subject: n.subject,
      period: n.period,
      event: n.event,
      channelId: n.channel_id,
      status: n.status,
      attempts: n.attempts,
      lastError: n.last_error,
      message: n.message,
      link: n.link,
      createdAt: n.created_at,
      sentAt: n.sent_at,
    })),
    nextCursor: rows.length > f.limit && last ? encodeCursor([last.created_at, last.id]) : null,
  };
}

export interface CustomerBudget {
  customerId: string;
  name: string;
  /** `YYYY-MM` in the asked zone. */
  month: string;
  /** Priced spend of the month so far; null when none of its calls is priced (unknown, never $0). */
  spentMicros: number | null;
  unpricedCalls: number;
  budgetMicros: number;
  /** spent / budget (1 = 100%); null when the spend is unknown. */
  use: number | null;
  /** The lowest threshold under 100% of the customer's own enabled budget rule, else of the rules for every customer; null: none warns. */
  warningAt: number | null;
  state: "ok" | "warning" | "over" | "unknown";
  /**
   * The month-end forecast (`forecastForMonth`); null when the spend is unknown, or before the month's first
   * full day in the zone: a few hours of one day are noise (the forecast alert rule waits for that day too).
   */
  forecast: { micros: number; lowMicros: number | null; highMicros: number | null } | null;
  forecastOver: boolean;
}

/**
 * Each customer with a monthly budget: the spend of the month containing the window's end (or now, if
 * earlier) in `timeZone`, its use and state, and the month-end forecast (`forecastForMonth`).
 */
export async function alertBudgets(db: Db, f: AlertBudgetsInput, now: number): Promise<{ month: string; timeZone: string; rows: CustomerBudget[] }> {
  const at = Math.max(f.from, Math.min(f.to - 1, now));
  const [m, rules] = await Promise.all([monthSpend(db, f.timeZone, at, new Map()), db.selectFrom("alert_rules").selectAll().where("kind", "=", "budget").where("enabled", "=", 1).execute()]);
  const budgetRules = rules.map((r) => parseRule(r)?.params as { thresholds: number[]; customerId?: string } | undefined).filter((p) => p !== undefined);
  const general = warnAt(budgetRules.filter((p) => p.customerId === undefined));
  const rows = m.customers.map((c): CustomerBudget => {
    const daily = m.daily.get(c.id) ?? [];
    const calls = m.calls.get(c.id) ?? { priced: 0, unpriced: 0 };
    const own = budgetRules.filter((p) => p.customerId === c.id);
    const warningAt = own.length ? warnAt(own) : general;
    const base = { customerId: c.id, name: c.name, month: m.cal.month, unpricedCalls: calls.unpriced, budgetMicros: c.budget, warningAt };
    if (calls.priced === 0 && calls.unpriced > 0) return { ...base, spentMicros: null, use: null, state: "unknown", forecast: null, forecastOver: false };
    const spent = daily.reduce((a, b) => a + b, 0);
    const use = spent / c.budget;
    const fc = forecastForMonth(m.cal, daily, at);
    const forecast = fc.fullDays >= 1 ? { micros: fc.micros, lowMicros: fc.lowMicros, highMicros: fc.highMicros } : null;
    return {
      ...base,
      spentMicros: spent,
      use,
      state: use >= 1 ? "over" : warningAt !== null && use >= warningAt ? "warning" : "ok",
      forecast,
      forecastOver: forecast !== null && forecast.micros > c.budget,
    };
  });
  return { month: m.cal.month, timeZone: f.timeZone, rows };
}

function warnAt(rules: { thresholds: number[] }[]): number | null {
  const below = rules.flatMap((p) => p.thresholds).filter((t) => t < 100);
  return below.length ? Math.min(...below) / 100 : null;
}

export type { AlertRuleKindName };

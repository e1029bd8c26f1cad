import { ALERT_PARAMS, type AlertParams, type AlertRuleKindName, monthCalendar } from "@tally/shared";
import { type AlertRuleKind, type AlertRuleTable, BUCKET_MS, type Db } from "@tally/shared/db";
import { judgeFailures, qualityDrop } from "./rules-quality.ts";
import { budget, forecast, spendOver, spendSpike, unpriced } from "./rules-spend.ts";

/**
 * Alert rules evaluated from the rollups (never the raw rows: the customer budgets table for budgets, the
 * evaluations' (created_at, status) index for judge failures). Pure reads: the caller (the cron function,
 * `alerts.state`) decides what to store and send.
 *
 * Each evaluation is one rule × subject × period. Periods:
 * - budget: `YYYY-MM@<threshold>` (one state per threshold of the reporting zone's month); forecast: `YYYY-MM`.
 * - rolling windows (spend_over, spend_spike, quality_drop, unpriced, judge_failures): an episode, named by
 *   the 15-minute bucket it began in (`2026-12-03T19:15Z`). A subject still firing keeps the period of its
 *   firing state in `alert_states`, so one episode is one firing and one resolved notification, and a later
 *   episode is a new period. A subject not firing carries its firing state's period (so that state
 *   resolves), else ''.
 * - Every firing state of an evaluated rule whose subject × period is not among the answers (a new month,
 *   a customer that lost its budget, a subject with no data in the window) comes back not firing, so the
 *   caller resolves it.
 * Transitions for the caller: no state or not firing → firing = "firing"; firing → not firing = "resolved".
 */
export interface AlertEvaluation {
  ruleId: string;
  kind: AlertRuleKind;
  /** A customer id, a model, `model|score name`, or '' for a rule about everything. */
  subject: string;
  /** What to call the subject in a message ("Globex", "gpt-4o · helpfulness"). */
  subjectLabel: string;
  period: string;
  firing: boolean;
  /** The measured figure (micro-USD for money, a mean or rate for quality and failures); null when nothing was measured. */
  value: number | null;
  /** What it was compared with, in the same unit. */
  threshold: number | null;
  message: string;
  /** Dashboard path with its filters (`/spend?range=this-month&tz=…&customer=…`) (made absolute when sent: deliver.ts `dashboardUrl`). */
  link: string;
}

export interface EvaluateOptions {
  now: number;
  /** The reporting zone (TALLY_TIME_ZONES[0] ?? "UTC"): budget months and links. */
  timeZone: string;
}

/** A rule as stored (params as JSON text) or already parsed. */
export type RuleInput = Pick<AlertRuleTable, "id" | "kind" | "name"> & { params: string | unknown };

/** What a rule kind's evaluation returns: period null = a rolling window's episode (settled here). */
export type Draft = Omit<AlertEvaluation, "ruleId" | "kind" | "period"> & { period: string | null };
export type KindEvaluator<K extends AlertRuleKindName> = (db: Db, rule: RuleInput, params: AlertParams<K>, o: EvaluateOptions, memo: Memo) => Promise<Draft[]>;
/** Reads shared by the rules of one call (the month's daily spend of every budgeted customer). */
export type Memo = Map<string, Promise<unknown>>;

const EVALUATORS: { [K in AlertRuleKindName]: KindEvaluator<K> } = {
  budget,
  forecast,
  spend_over: spendOver,
  spend_spike: spendSpike,
  quality_drop: qualityDrop,
  unpriced,
  judge_failures: judgeFailures,
};

/** The parsed parameters of a stored rule; null (and a warning) for a rule its kind's schema refuses. */
export function parseRule(rule: RuleInput): { kind: AlertRuleKindName; params: unknown } | null {
  const schema = ALERT_PARAMS[rule.kind as AlertRuleKindName];
  if (!schema) return null;
  let raw: unknown = rule.params;
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  const p = schema.safeParse(raw);
  return p.success ? { kind: rule.kind as AlertRuleKindName, params: p.data } : null;
}

/** Evaluates each rule (in order) from the rollups; a rule whose stored params no longer parse gives nothing. */
export async function evaluateRules(db: Db, rules: RuleInput[], o: EvaluateOptions): Promise<AlertEvaluation[]> {
  const memo: Memo = new Map();
  const out: AlertEvaluation[] = [];
  for (const rule of rules) {
    const parsed = parseRule(rule);
    if (!parsed) {
      console.warn(`[tally] alert rule ${rule.id}: stored params do not parse; skipped`);
      continue;
    }
    const evaluate = EVALUATORS[parsed.kind] as KindEvaluator<AlertRuleKindName>;
    const drafts = await evaluate(db, rule, parsed.params as never, o, memo);
    out.push(...(await settle(db, rule, drafts, o, memo)));
  }
  return out;
}

/** The enabled rules, oldest first (what the cron function evaluates). */
export async function enabledRules(db: Db) {
  return db.selectFrom("alert_rules").selectAll().where("enabled", "=", 1).orderBy("created_at").orderBy("id").execute();
}

type FiringState = { rule_id: string; subject: string; period: string; message: string; link: string; threshold: number | null };

/** Names the episode of each rolling-window draft and resolves the rule's firing states that went unanswered. */
async function settle(db: Db, rule: RuleInput, drafts: Draft[], o: EvaluateOptions, memo: Memo): Promise<AlertEvaluation[]> {
  // Every firing state, read once per call (a few rows: only what fires now).
  let states = memo.get("firing-states") as Promise<FiringState[]> | undefined;
  if (!states) {
    states = db.selectFrom("alert_states").select(["rule_id", "subject", "period", "message", "link", "threshold"]).where("firing", "=", 1).orderBy("rule_id").orderBy("subject").orderBy("period").execute();
    memo.set("firing-states", states);
  }
  const firing = (await states).filter((s) => s.rule_id === rule.id);
  const episodeOf = new Map(firing.map((s) => [s.subject, s.period]));
  const episode = episodeName(o.now);
  const kind = rule.kind;
  const out: AlertEvaluation[] = drafts.map((d) => ({
    ruleId: rule.id,
    kind,
    ...d,
    period: d.period ?? episodeOf.get(d.subject) ?? (d.firing ? episode : ""),
  }));
  const answered = new Set(out.map((e) => `${e.subject}\u0000${e.period}`));
  // A budget or forecast rule answers every customer it covers each tick: this month's state it left out is a
  // customer handed to its own rule (or whose budget was cleared), not a resolution: it is closed silently.
  const month = kind === "budget" || kind === "forecast" ? monthCalendar(o.now, o.timeZone).month : null;
  for (const s of firing) {
    if (answered.has(`${s.subject}\u0000${s.period}`)) continue;
    if (month !== null && s.period.split("@")[0] === month) continue;
    out.push({
      ruleId: rule.id,
      kind,
      subject: s.subject,
      subjectLabel: s.subject,
      period: s.period,
      firing: false,
      value: null,
      threshold: s.threshold,
      message: `No longer firing (was: ${s.message})`,
      link: s.link,
    });
  }
  return out;
}

/** The 15-minute bucket an episode began in, as `YYYY-MM-DDTHH:MMZ`. */
export function episodeName(now: number): string {
  return `${new Date(Math.floor(now / BUCKET_MS) * BUCKET_MS).toISOString().slice(0, 16)}Z`;
}

/** A dashboard path with its filters (empty values left out). */
export function dashboardLink(page: string, params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  return `${page}?${q.toString()}`;
}

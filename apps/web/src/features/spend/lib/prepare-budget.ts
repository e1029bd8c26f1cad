/**
 * Budget states on the Spend page: near (from the budget rule's warning threshold, `alerts.budgets`'
 * `warningAt`), over, and the month-end
 * forecast marker with its 95% interval. Pure; the colours are the theme's, contrast-tested in lib/colors.test.ts.
 */
import { money, num, percent } from "../../../lib/format.ts";

export type BudgetState = "none" | "ok" | "near" | "over";

/** The theme's budget colours (styles.css): text on the panel 4.5:1, bar fill on the track 3:1, light and dark (lib/colors.test.ts). */
export const BUDGET_COLORS = { ok: "var(--budget-ok)", near: "var(--budget-near)", over: "var(--budget-over)", track: "var(--neutral-bg)" } as const;

/** Words and icon beside every coloured state: never colour alone. */
export const BUDGET_WORDS: Record<Exclude<BudgetState, "none" | "ok">, { icon: string; text: string }> = {
  near: { icon: "▲", text: "near budget" },
  over: { icon: "■", text: "over budget" },
};

export function budgetState(use: number | null, warnAt: number | null): BudgetState {
  if (use === null) return "none";
  if (use >= 1) return "over";
  return warnAt !== null && use >= warnAt ? "near" : "ok";
}

export interface Forecast {
  micros: number;
  /** The 95% interval; null below two full days of the month (`forecastMonthEnd` in @tally/shared). */
  lowMicros: number | null;
  highMicros: number | null;
}

export interface BudgetBar {
  /** Widths and positions in % of the track, which spans 0 … max(100% of budget, use, forecast high), at most 200%. */
  fillPct: number;
  budgetPct: number;
  forecast: { pct: number; lowPct: number | null; highPct: number | null; over: boolean } | null;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The bar: the period's use, the budget line, and (this month only) the month-end forecast with its interval. */
export function budgetBar(use: number, budgetMicros: number, forecast: Forecast | null): BudgetBar {
  const ratio = (m: number | null) => (m === null ? null : m / budgetMicros);
  const f = forecast && budgetMicros > 0 ? { at: forecast.micros / budgetMicros, low: ratio(forecast.lowMicros), high: ratio(forecast.highMicros) } : null;
  const scale = clamp(Math.max(1, use, f?.high ?? f?.at ?? 0), 1, 2);
  const pct = (v: number) => Math.round(clamp(v / scale, 0, 1) * 10_000) / 100;
  return {
    fillPct: pct(use),
    budgetPct: pct(1),
    forecast: f ? { pct: pct(f.at), lowPct: f.low === null ? null : pct(f.low), highPct: f.high === null ? null : pct(f.high), over: f.at > 1 } : null,
  };
}

/** How the period's budget adds up: "$100 a month × 3", or month by month when the months' budgets differ. */
export function budgetSum(r: { budgetMicros: number | null; periodBudgetMicros: number | null }, months: number): string {
  const n = num(months, undefined, 3);
  if (r.budgetMicros !== null && Math.abs(r.budgetMicros * months - r.periodBudgetMicros!) <= 1) return `${money(r.budgetMicros)} a month × ${n}`;
  const end = r.budgetMicros === null ? "no budget" : `${money(r.budgetMicros)} a month`;
  return `each month's own budget over ${n} months (they differ); ${end} at the period's end`;
}

/** Budget use in whole percent, rounded down: the figure never reaches a threshold its state has not (79.95% reads 79%, not a plain "80%"). */
export function budgetPercent(use: number | null): string {
  if (use === null) return "—";
  // 0.29 × 100 is 28.999…: a nudge keeps it 29, and a whole percent above the figure steps back (0.79999999999 reads 79).
  let whole = Math.floor(use * 100 + 1e-9);
  if (whole / 100 > use) whole -= 1;
  return percent(whole / 100);
}

/** The "over or near budget" filter: near or over now, or forecast to end the month over budget. */
export function nearOrOver(state: BudgetState, forecastOver: boolean): boolean {
  return state === "near" || state === "over" || forecastOver;
}

/** Whether the table's period is the current calendar month, the only one a month-end forecast belongs to. */
export function isCurrentMonth(b: { prorated: boolean; months: number; period: { from: number; to: number } }, now: number): boolean {
  return !b.prorated && b.months === 1 && b.period.from <= now && now < b.period.to;
}

/**
 * Each customer's budget facts for the table, from `alerts.budgets` (one answer per customer with a budget):
 * the warning threshold of the budget rule that applies to it, and, when the table shows the current month,
 * the month-end forecast.
 */
export function budgetFacts(
  rows: readonly { customerId: string; warningAt: number | null; forecast: Forecast | null; spentMicros: number | null }[] | undefined,
  currentMonth: boolean,
): (customerId: string) => { warnAt: number | null; forecast: Forecast | null; forecastPending: boolean } {
  const byCustomer = new Map((rows ?? []).map((r) => [r.customerId, r]));
  return (customerId) => {
    const r = byCustomer.get(customerId);
    // A known spend without a forecast: the month's first full day has not ended yet (alerts.budgets).
    const forecastPending = currentMonth && r !== undefined && r.forecast === null && r.spentMicros !== null;
    return { warnAt: r?.warningAt ?? null, forecast: currentMonth ? (r?.forecast ?? null) : null, forecastPending };
  };
}

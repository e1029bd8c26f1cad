import type { BudgetBasis } from "../../lib/calendar.ts";
import { money, pricedMoney } from "../../lib/format.ts";
import type { CustomerView } from "./lib/prepare-customers.ts";
import { BUDGET_COLORS, BUDGET_WORDS, budgetBar, budgetPercent, budgetSum } from "./lib/prepare-budget.ts";
import "./budget.css";

/** "$1,230 (95%: $1,100–$1,400)": the month-end forecast in words, with its interval when there is one. */
export function forecastText(f: NonNullable<CustomerView["forecast"]>): string {
  const interval = f.lowMicros !== null && f.highMicros !== null ? ` (95%: ${money(f.lowMicros)}–${money(f.highMicros)})` : "";
  return `${money(f.micros)}${interval}`;
}

/**
 * Budget use for the period: the bar (blue, amber from the warning threshold, red over), the words beside it
 * ("near budget", "over budget"), the budget line, and this month's forecast marker with its 95% interval.
 */
export function BudgetCell({ row: r, basis }: { row: CustomerView; basis: BudgetBasis }) {
  if (r.periodBudgetMicros === null) {
    const why = r.budgetPartial ? "no budget for part of the period" : "no budget";
    return <span className="muted small" data-budget-partial={r.budgetPartial ? "1" : undefined} title={r.budgetPartial ? "Some months of the period have no budget: its spend cannot all be measured against one." : undefined}>{why}</span>;
  }
  const bar = budgetBar(r.budgetUse ?? 0, r.periodBudgetMicros, r.forecast);
  const color = r.budgetState === "near" ? BUDGET_COLORS.near : r.budgetState === "over" ? BUDGET_COLORS.over : BUDGET_COLORS.ok;
  const words = r.budgetState === "near" || r.budgetState === "over" ? BUDGET_WORDS[r.budgetState] : null;
  const spent = `${pricedMoney(r.spendMicros, r.unpricedCalls).text} of ${money(r.periodBudgetMicros)} (${budgetSum(r, basis.months)})`;
  const forecast = r.forecast ? `Month-end forecast ${forecastText(r.forecast)} against the ${money(r.budgetMicros)} budget${r.forecastOver ? ": over budget" : ""}` : null;
  return (
    <div className="budget-cell" title={forecast ? `${spent}. ${forecast}` : spent} data-budget-state={r.budgetState} data-forecast-over={r.forecastOver ? "1" : "0"}>
      <div className="row small budget-head">
        <span data-budget-use={r.budgetUse ?? ""}>{budgetPercent(r.budgetUse)}</span>
        {words ? (
          <span className="budget-words" style={{ color }} data-budget-words>
            <span aria-hidden="true">{words.icon}</span> {words.text}
          </span>
        ) : null}
        <span className="muted" data-budget={r.budgetMicros}>
          of {money(r.periodBudgetMicros)}
        </span>
      </div>
      <div className="budget-track" style={{ background: BUDGET_COLORS.track }} aria-hidden="true">
        <span className="budget-fill" style={{ width: `${bar.fillPct}%`, background: color }} />
        {bar.forecast && bar.forecast.lowPct !== null && bar.forecast.highPct !== null ? (
          <span className="forecast-interval" style={{ left: `${bar.forecast.lowPct}%`, width: `${Math.max(0.5, bar.forecast.highPct - bar.forecast.lowPct)}%` }} />
        ) : null}
        {bar.budgetPct < 100 ? <span className="budget-line" style={{ left: `${bar.budgetPct}%` }} /> : null}
        {bar.forecast ? <span className="forecast-marker" style={{ left: `${bar.forecast.pct}%` }} data-forecast-pct={bar.forecast.pct} /> : null}
      </div>
      {r.forecast ? (
        <div className="small muted budget-forecast" data-forecast={r.forecast.micros}>
          <span aria-hidden="true">◆</span> forecast {forecastText(r.forecast)}
          {r.forecastOver ? <strong className="budget-words" style={{ color: BUDGET_COLORS.over }}> · forecast over budget</strong> : null}
        </div>
      ) : r.forecastPending ? (
        <div className="small muted budget-forecast" data-forecast-pending>
          forecast from the end of the month's first day
        </div>
      ) : null}
    </div>
  );
}

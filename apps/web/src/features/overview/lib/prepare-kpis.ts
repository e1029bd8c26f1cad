/** Overview KPI cards from the summary of the window and of the previous period. Pure. */
import { delta, deltaLabel, num, pricedMoney, runsCallingModel, score } from "../../../lib/format.ts";
import type { RouterOutputs } from "../../../lib/trpc.ts";

/** One period of `overview.summary` (its window aside). */
export type PeriodInput = Omit<RouterOutputs["overview"]["summary"]["current"], "window">;

export type KpiFormat = "money" | "count" | "score";

export interface Kpi {
  id: string;
  label: string;
  format: KpiFormat;
  /** null = no data (shown as a dash, not a zero). */
  value: number | null;
  previous: number | null;
  /** Relative change for money and counts ("new" against an almost empty previous period, see `delta`); absolute points for scores. null without a baseline. */
  change: number | "new" | null;
  changeKind: "relative" | "absolute";
  /** Which direction is good, for colouring the change. */
  goodWhen: "up" | "down" | null;
  /** Money cards: the calls left out of the figure (a null figure with calls is "unpriced", not "—"). */
  unpricedCalls?: number;
  /** Beside a money figure: "+ 3 unpriced calls", or "3 unpriced calls" when nothing is priced. */
  note?: string;
  warning?: string;
  hint?: string;
}

/**
 * A card's value as shown: money that is null with unpriced calls (`unpricedCalls`, the card's own for its
 * value) reads "unpriced", a missing value "—", never $0.
 */
export function kpiText(k: Kpi, v: number | null, unpricedCalls = 0): string {
  if (k.format === "money") return pricedMoney(v, unpricedCalls).text;
  if (v === null) return "—";
  return k.format === "score" ? score(v) : num(v);
}

/** The change as shown: score points rounded before choosing a sign, so a change too small to show reads ±0.00, not −0.00. */
export function shownChange(k: Kpi): number | "new" | null {
  return k.change === null || k.change === "new" ? k.change : k.changeKind === "absolute" && k.format === "score" ? Math.round(k.change * 100) / 100 : k.change;
}

/**
 * The card's change line: "+12.0% vs previous" (points for scores), "new", "no previous data" without a
 * previous figure, and with one but no comparable figure now (all of it unpriced, say) the previous figure.
 */
export function kpiChangeText(k: Kpi): string {
  const c = shownChange(k);
  if (c === null && k.previous !== null) return `previous: ${kpiText(k, k.previous)}`;
  if (c === null || c === "new" || k.changeKind === "relative") return deltaLabel(c);
  return `${c > 0 ? "+" : c < 0 ? "−" : "±"}${k.format === "score" ? score(Math.abs(c)) : num(Math.abs(c))} vs previous`;
}

/**
 * `byModel`: the page is filtered to a model. A run counts under its own (judged) model, so a model that runs
 * of other models call (a triage model) has spend and priced runs but no runs of its own: the Runs card says
 * how many runs called it, the figure its cost per run divides by.
 */
export function prepareKpis(current: PeriodInput, previous: PeriodInput, byModel = false): Kpi[] {
  // A previous period with anything in it (runs, or a filtered model's calls from other models' runs) is a baseline.
  const hasPrevious = !nothingInWindow(previous);
  // Money is null from the API when none of its calls is priced; the unpriced calls go beside it.
  const moneyKpi = (id: string, label: string, value: number | null, prev: number | null, unpricedCalls: number, hint?: string): Kpi => {
    const note = pricedMoney(value, unpricedCalls).note;
    return {
      id, label, format: "money", value, previous: prev, change: null, changeKind: "relative", goodWhen: "down", unpricedCalls,
      ...(note ? { note } : {}), ...(hint ? { hint } : {}),
    };
  };
  const kpis: Kpi[] = [
    moneyKpi("spend", "Spend", current.spendMicros.total, previous.spendMicros.total, current.unpricedCalls, "agent + judge, priced usage"),
    {
      id: "runs", label: "Runs", format: "count", value: current.runs, previous: hasPrevious ? previous.runs : null, change: null, changeKind: "relative", goodWhen: null,
      ...(byModel ? { hint: `of this model; ${runsCallingModel(current.pricedRuns)}` } : {}),
    },
    moneyKpi(
      "cost-per-run",
      "Cost per run",
      current.costPerRunMicros,
      previous.costPerRunMicros,
      current.unpricedCalls,
      current.pricedRuns > 0 ? `priced spend / ${num(current.pricedRuns)} priced run${current.pricedRuns === 1 ? "" : "s"}` : undefined,
    ),
    moneyKpi("judge-spend", "Judge spend", current.spendMicros.judge, previous.spendMicros.judge, current.judgeUnpricedCalls),
  ];
  for (const k of kpis) k.change = delta(k.value, k.previous);

  const prevScores = new Map(previous.scores.map((s) => [s.name, s]));
  for (const s of [...current.scores].sort((a, b) => a.name.localeCompare(b.name))) {
    const p = prevScores.get(s.name);
    const value = s.n > 0 ? s.mean : null;
    const prev = p && p.n > 0 ? p.mean : null;
    kpis.push({
      id: `score:${s.name}`,
      label: `Mean ${s.name}`,
      format: "score",
      value,
      previous: prev,
      change: value !== null && prev !== null ? value - prev : null,
      changeKind: "absolute",
      goodWhen: "up",
      hint: `${num(s.n)} scores`,
    });
  }

  const unpriced = current.unpricedCalls;
  kpis.push({
    id: "unpriced",
    label: "Unpriced usage",
    format: "count",
    value: unpriced,
    // An empty previous period has nothing to compare with (as every other card says), not 0 unpriced calls.
    previous: hasPrevious ? previous.unpricedCalls : null,
    change: hasPrevious ? unpriced - previous.unpricedCalls : null,
    changeKind: "absolute",
    goodWhen: "down",
    hint: "calls without a price",
    ...(unpriced > 0
      ? { warning: `${num(unpriced)} calls (${num(current.unpricedTokens)} tokens) have no price and are not in Spend: the unpriced-usage warning below names their models (Price links open Settings with the model filled in).` }
      : {}),
  });
  return kpis;
}

/** Nothing at all in the window: no run, no spend, no unpriced call (a model called only by other models' runs has spend). */
export function nothingInWindow(p: PeriodInput): boolean {
  return p.runs === 0 && p.pricedRuns === 0 && p.unpricedCalls === 0 && p.spendMicros.total === null;
}

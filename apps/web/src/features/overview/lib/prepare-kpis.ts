/** Overview KPI cards from the summary of the window and of the previous period. Pure. */
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
  /** Relative change for money and counts; absolute points for scores. null without a baseline. */
  change: number | null;
  changeKind: "relative" | "absolute";
  /** Which direction is good, for colouring the change. */
  goodWhen: "up" | "down" | null;
  warning?: string;
  hint?: string;
}

function relative(cur: number | null, prev: number | null): number | null {
  if (cur === null || prev === null || prev === 0) return null;
  return (cur - prev) / Math.abs(prev);
}

export function prepareKpis(current: PeriodInput, previous: PeriodInput): Kpi[] {
  const hasRuns = current.runs > 0;
  const prevRuns = previous.runs > 0;
  const kpis: Kpi[] = [
    {
      id: "spend",
      label: "Spend",
      format: "money",
      value: hasRuns || current.spendMicros.total > 0 ? current.spendMicros.total : null,
      previous: prevRuns || previous.spendMicros.total > 0 ? previous.spendMicros.total : null,
      change: null,
      changeKind: "relative",
      goodWhen: "down",
      hint: "agent + judge, priced usage",
    },
    { id: "runs", label: "Runs", format: "count", value: current.runs, previous: prevRuns ? previous.runs : null, change: null, changeKind: "relative", goodWhen: null },
    {
      id: "cost-per-run",
      label: "Cost per run",
      format: "money",
      value: current.costPerRunMicros,
      previous: previous.costPerRunMicros,
      change: null,
      changeKind: "relative",
      goodWhen: "down",
    },
    {
      id: "judge-spend",
      label: "Judge spend",
      format: "money",
      value: hasRuns || current.spendMicros.judge > 0 ? current.spendMicros.judge : null,
      previous: prevRuns || previous.spendMicros.judge > 0 ? previous.spendMicros.judge : null,
      change: null,
      changeKind: "relative",
      goodWhen: "down",
    },
  ];
  for (const k of kpis) k.change = relative(k.value, k.previous);

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
      hint: `${s.n} scores`,
    });
  }

  const unpriced = current.unpricedCalls;
  kpis.push({
    id: "unpriced",
    label: "Unpriced usage",
    format: "count",
    value: unpriced,
    previous: previous.unpricedCalls,
    change: unpriced - previous.unpricedCalls,
    changeKind: "absolute",
    goodWhen: "down",
    hint: "calls without a price",
    ...(unpriced > 0
      ? { warning: `${unpriced} calls (${current.unpricedTokens} tokens) have no price and are not in Spend: add a custom model price in Settings.` }
      : {}),
  });
  return kpis;
}

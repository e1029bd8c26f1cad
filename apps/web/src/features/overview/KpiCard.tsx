import { deltaLabel, num, score } from "../../lib/format.ts";
import { type Kpi, kpiText as fmt } from "./lib/prepare-kpis.ts";

export function KpiCard({ kpi }: { kpi: Kpi }) {
  // Round before choosing a sign, so a change too small to show reads ±0.00, not −0.00.
  const c = kpi.change === null || kpi.change === "new" ? kpi.change : kpi.changeKind === "absolute" && kpi.format === "score" ? Math.round(kpi.change * 100) / 100 : kpi.change;
  const dir = c === null || c === 0 ? null : c === "new" || c > 0 ? "up" : "down";
  const tone = dir && kpi.goodWhen ? (dir === kpi.goodWhen ? "up" : "down") : "";
  const changeText =
    c === null || c === "new" || kpi.changeKind === "relative"
      ? deltaLabel(c)
      : `${c > 0 ? "+" : c < 0 ? "−" : "±"}${kpi.format === "score" ? score(Math.abs(c)) : num(Math.abs(c))} vs previous`;
  return (
    <div className={`card kpi ${kpi.warning ? "warning" : ""}`} data-kpi={kpi.id} data-value={kpi.value ?? ""}>
      <div className="kpi-label">{kpi.label}</div>
      <div className="kpi-value">{fmt(kpi, kpi.value, kpi.unpricedCalls)}</div>
      {kpi.note ? <div className="small muted" data-unpriced={kpi.unpricedCalls}>{kpi.note}</div> : null}
      <div className={`kpi-delta ${tone}`} title={kpi.previous !== null ? `previous: ${fmt(kpi, kpi.previous)}` : undefined}>
        {changeText}
      </div>
      {kpi.warning ? <div className="small" role="status">{kpi.warning}</div> : kpi.hint ? <div className="small muted">{kpi.hint}</div> : null}
    </div>
  );
}

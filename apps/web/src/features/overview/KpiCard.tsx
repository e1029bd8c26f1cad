import { type Kpi, kpiChangeText, kpiText as fmt, shownChange } from "./lib/prepare-kpis.ts";

export function KpiCard({ kpi }: { kpi: Kpi }) {
  const c = shownChange(kpi);
  const dir = c === null || c === 0 ? null : c === "new" || c > 0 ? "up" : "down";
  const tone = dir && kpi.goodWhen ? (dir === kpi.goodWhen ? "up" : "down") : "";
  // Better or worse in words too, not by colour alone (WCAG 1.4.1); "new" has nothing to compare with.
  const verdict = tone && typeof c === "number" ? (tone === "up" ? "better" : "worse") : null;
  return (
    <div className={`card kpi ${kpi.warning ? "warning" : ""}`} data-kpi={kpi.id} data-value={kpi.value ?? ""}>
      <div className="kpi-label">{kpi.label}</div>
      <div className="kpi-value">{fmt(kpi, kpi.value, kpi.unpricedCalls)}</div>
      {kpi.note ? <div className="small muted" data-unpriced={kpi.unpricedCalls}>{kpi.note}</div> : null}
      <div className={`kpi-delta ${tone}`} title={kpi.previous !== null ? `previous: ${fmt(kpi, kpi.previous)}` : undefined}>
        {kpiChangeText(kpi)}
        {verdict ? <span data-verdict={verdict}> · {verdict}</span> : null}
      </div>
      {kpi.warning ? <div className="small" role="status">{kpi.warning}</div> : kpi.hint ? <div className="small muted">{kpi.hint}</div> : null}
    </div>
  );
}

import type { PreparedTrend } from "../../features/quality/lib/prepare-quality.ts";
import "./trend-readout.css";

/**
 * The trend's tooltip, drawn under the plot so it never covers a line: each model's mean, 95% interval and
 * n at the hovered bucket, or at its own last scored bucket (the series' end) when nothing is hovered; and
 * the significant changes the markers show, in words. Text in the page's colours beside a colour swatch.
 */
export function TrendReadout({ data, index, xLabel, value, color }: {
  data: PreparedTrend;
  index: number | null;
  xLabel: (bucket: number) => string;
  value: (v: number) => string;
  color: (model: string) => string;
}) {
  const hovered = index !== null ? data.rows[index] : undefined;
  const changes = data.lines.flatMap((l) =>
    data.rows.flatMap((r) => (r[`${l.dataKey}_change`] ? [`${l.model} ${Number(r[`${l.dataKey}_change`]) > 0 ? "rose" : "fell"} ${xLabel(r.bucket)}`] : [])),
  );
  return (
    <div className="trend-readout" data-readout={hovered ? "hovered" : "latest"} aria-live="polite">
      <div className="small muted">{hovered ? xLabel(hovered.bucket) : "Latest scored bucket of each model (hover a point for another)"}</div>
      <ul>
        {data.lines.map((l) => {
          const row = hovered ?? [...data.rows].reverse().find((r) => r[l.dataKey] !== null);
          const mean = row?.[l.dataKey];
          const band = row?.[`${l.dataKey}_band`];
          return (
            <li key={l.dataKey} data-series={l.model}>
              <span className="swatch" style={{ background: color(l.model) }} aria-hidden="true" />
              <span>{l.model}</span>{" "}
              {typeof mean === "number" && row ? (
                <span className="num">
                  {value(mean)} {Array.isArray(band) ? `(95% CI ${value(band[0])}–${value(band[1])})` : "(no interval: n < 2)"} · n = {Number(row[`${l.dataKey}_n`] ?? 0).toLocaleString("en-US")}
                  {hovered ? null : ` · ${xLabel(row.bucket)}`}
                </span>
              ) : (
                <span className="muted">not scored</span>
              )}
            </li>
          );
        })}
      </ul>
      {changes.length ? <p className="small" data-changes>Significant changes (▲ rise, ▼ fall; Welch test against the previous bucket, Holm-corrected): {changes.join("; ")}.</p> : null}
    </div>
  );
}

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { PreparedSeries, SeriesRow } from "../../lib/prepare-timeseries.ts";
import { OTHER_COLOR } from "../../lib/colors.ts";
import { OTHER } from "../../lib/prepare-timeseries.ts";

export interface StackedBarsProps {
  data: PreparedSeries;
  /** Label of a series key (model id, customer id). */
  seriesLabel: (key: string) => string;
  color: (key: string) => string;
  xLabel: (bucket: number) => string;
  yTick: (v: number) => string;
  value: (v: number) => string;
  /** A click on a bar: the bucket row and the series key (null for "other"). */
  onSelect?: (row: SeriesRow, seriesKey: string) => void;
  height?: number;
  ariaLabel: string;
}

export function StackedBars({ data, seriesLabel, color, xLabel, yTick, value, onSelect, height = 280, ariaLabel }: StackedBarsProps) {
  const label = (k: string) => (k === OTHER ? "other" : seriesLabel(k));
  return (
    <div role="img" aria-label={ariaLabel} data-chart="stacked-bars">
      <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 560, height }}>
        <BarChart data={data.rows} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e3e6ea" />
          <XAxis dataKey="bucket" tickFormatter={xLabel} minTickGap={24} tick={{ fontSize: 12, fill: "#5b6470" }} />
          <YAxis tickFormatter={yTick} width={70} tick={{ fontSize: 12, fill: "#5b6470" }} />
          <Tooltip
            labelFormatter={(b) => xLabel(Number(b))}
            formatter={(v, _n, item) => [v === null || v === undefined ? "—" : value(Number(v)), label(data.series.find((s) => s.dataKey === item.dataKey)?.key ?? "")]}
            cursor={{ fill: "rgba(11,92,173,0.06)" }}
          />
          <Legend formatter={(_v, entry) => label(data.series.find((s) => s.dataKey === entry.dataKey)?.key ?? "")} />
          {data.series.map((s) => (
            <Bar
              key={s.dataKey}
              dataKey={s.dataKey}
              stackId="a"
              fill={s.key === OTHER ? OTHER_COLOR : color(s.key)}
              isAnimationActive={false}
              // The folded "other" segment is several series at once: no single filter narrows to it.
              cursor={onSelect && s.key !== OTHER ? "pointer" : undefined}
              onClick={s.key === OTHER ? undefined : (item) => onSelect?.(item.payload as SeriesRow, s.key)}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
      {onSelect ? <p className="chart-hint">Click a bar to see the runs in that bucket.</p> : null}
    </div>
  );
}

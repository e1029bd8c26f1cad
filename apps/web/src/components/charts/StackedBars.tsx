import { useState } from "react";
import { Bar, BarChart, type BarShapeProps, CartesianGrid, Legend, Rectangle, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { PreparedSeries, SeriesRow } from "../../lib/prepare-timeseries.ts";
import { OTHER_COLOR } from "../../lib/colors.ts";
import { OTHER } from "../../lib/prepare-timeseries.ts";
import { niceTicks } from "../../lib/format.ts";
import { firstPoint, movePointFocus, pointProps } from "./chart-keys.ts";

/** Why the folded "other" segment does not drill down: it is several series at once. */
export const OTHER_EXPLAINED = "\u201cother\u201d sums the smaller series together: no single filter narrows to it, so it does not open runs. Narrow with the filter bar instead.";

export interface StackedBarsProps {
  data: PreparedSeries;
  /** Label of a series key (model id, customer id). */
  seriesLabel: (key: string) => string;
  color: (key: string) => string;
  xLabel: (bucket: number) => string;
  /** A y tick label; `step` is the distance between the (round) ticks, for one precision on the axis. */
  yTick: (v: number, step: number) => string;
  value: (v: number) => string;
  /** A click on a bar: the bucket row and the series key (null for "other"). */
  onSelect?: (row: SeriesRow, seriesKey: string) => void;
  height?: number;
  ariaLabel: string;
}

export function StackedBars({ data, seriesLabel, color, xLabel, yTick, value, onSelect, height = 280, ariaLabel }: StackedBarsProps) {
  const label = (k: string) => (k === OTHER ? "other" : seriesLabel(k));
  // Round ticks up to the tallest stack (recharts' own steps can be 650 micro-USD apart).
  const stackMax = Math.max(0, ...data.rows.map((r) => data.series.reduce((sum, s) => sum + Math.max(0, r[s.dataKey] ?? 0), 0)));
  const y = niceTicks(0, stackMax);
  const [otherPicked, setOtherPicked] = useState(false);
  const first = firstPoint(data.rows, data.series.map((s) => s.dataKey));
  // Each bar segment is a keyboard point (chart-keys.ts); "other" answers with why it does not drill.
  // Recharts calls a function `shape` as a function (not as a component): a render function per series.
  const shape = (si: number, key: string) =>
    function renderKeyboardBar(p: BarShapeProps) {
      const row = p.payload as SeriesRow | undefined;
      const v = row?.[data.series[si]!.dataKey];
      if (!onSelect || !row || typeof v !== "number") return <Rectangle {...p} />;
      const activate = key === OTHER ? () => setOtherPicked(true) : () => onSelect(row, key);
      const name = `${label(key)}, ${xLabel(row.bucket)}: ${value(v)}${key === OTHER ? " (does not drill down)" : ""}`;
      return (
        <g {...pointProps({ series: si, row: p.index }, name, first?.series === si && first.row === p.index, activate)}>
          <Rectangle {...p} />
        </g>
      );
    };
  return (
    <div role="group" aria-label={ariaLabel} data-chart="stacked-bars" onKeyDown={movePointFocus}>
      <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 560, height }}>
        <BarChart data={data.rows} margin={{ top: 8, right: 8, bottom: 0, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e3e6ea" />
          <XAxis dataKey="bucket" tickFormatter={xLabel} minTickGap={8} interval="equidistantPreserveStart" tick={{ fontSize: 12, fill: "#5b6470" }} />
          <YAxis ticks={y.ticks} domain={[y.ticks[0] ?? 0, y.ticks.at(-1) ?? 1]} interval={0} tickFormatter={(v: number) => yTick(v, y.step)} width={70} tick={{ fontSize: 12, fill: "#5b6470" }} />
          <Tooltip
            labelFormatter={(b) => xLabel(Number(b))}
            formatter={(v, _n, item) => [v === null || v === undefined ? "—" : value(Number(v)), label(data.series.find((s) => s.dataKey === item.dataKey)?.key ?? "")]}
            cursor={{ fill: "rgba(11,92,173,0.06)" }}
          />
          {/* Each bar's name is its series' label: the legend shows it, and names its icon with it ("Acme Corp legend icon", not "s0"). */}
          <Legend />
          {data.series.map((s, si) => (
            <Bar
              key={s.dataKey}
              dataKey={s.dataKey}
              name={label(s.key)}
              stackId="a"
              fill={s.key === OTHER ? OTHER_COLOR : color(s.key)}
              isAnimationActive={false}
              // The folded "other" segment is several series at once: no single filter narrows to it.
              cursor={onSelect ? (s.key !== OTHER ? "pointer" : "help") : undefined}
              onClick={s.key === OTHER ? () => setOtherPicked(true) : (item) => onSelect?.(item.payload as SeriesRow, s.key)}
              shape={shape(si, s.key)}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
      {onSelect ? (
        <p className="chart-hint" role="status">
          {otherPicked ? OTHER_EXPLAINED : "Click a bar, or Tab to it and press Enter, to see the runs in that bucket."}
        </p>
      ) : null}
    </div>
  );
}

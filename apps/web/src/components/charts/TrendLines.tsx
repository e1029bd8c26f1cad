import { useState } from "react";
import { Area, CartesianGrid, ComposedChart, Line, ReferenceDot, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { PreparedTrend, TrendRow } from "../../features/quality/lib/prepare-quality.ts";
import { TrendReadout } from "./TrendReadout.tsx";
import { firstPoint, movePointFocus, pointProps } from "./chart-keys.ts";

export interface TrendLinesProps {
  data: PreparedTrend;
  xLabel: (bucket: number) => string;
  value: (v: number) => string;
  color: (model: string) => string;
  /** Draw the 95% confidence band of each line. */
  bands?: boolean;
  onSelect?: (row: TrendRow, model: string) => void;
  height?: number;
  ariaLabel: string;
}

interface DotProps {
  cx?: number;
  cy?: number;
  index?: number;
  payload?: TrendRow;
  value?: unknown;
}

export function TrendLines({ data, xLabel, value, color, bands = false, onSelect, height = 280, ariaLabel }: TrendLinesProps) {
  // The hovered bucket: its values show in the readout under the plot, never over the lines.
  const [active, setActive] = useState<number | null>(null);
  // The hover dot is drawn over the plain one after the mouse moves; it must not take the click, or a
  // quick click (down on the plain dot, up on the hover dot) is lost.
  const first = firstPoint(data.rows, data.lines.map((l) => l.dataKey));
  // Recharts calls a function `dot` as a function (not as a component): a render function per line.
  const dot = (model: string, color: string, r: number, active: boolean, li: number) =>
    function renderClickableDot(p: DotProps) {
      if (p.cx === undefined || p.cy === undefined || p.value === null || p.value === undefined || !p.payload) return <g />;
      const row = p.payload;
      const at = { series: li, row: p.index ?? 0 };
      // The plain dot is the keyboard point (chart-keys.ts): Enter or Space drills down like a click.
      const keys =
        onSelect && !active
          ? { onClick: () => onSelect(row, model), ...pointProps(at, `${model}, ${xLabel(row.bucket)}: ${value(Number(p.value))}`, first?.series === li && first.row === at.row, () => onSelect(row, model)) }
          : {};
      return (
        <circle
          cx={p.cx}
          cy={p.cy}
          r={r}
          fill={color}
          stroke="#fff"
          strokeWidth={1}
          style={active ? { pointerEvents: "none" } : { cursor: onSelect ? "pointer" : undefined }}
          data-bucket={active ? undefined : row.bucket}
          data-series={active ? undefined : model}
          className={active ? "trend-dot-active" : "trend-dot"}
          {...keys}
        />
      );
    };
  return (
    <div role="group" aria-label={ariaLabel} data-chart="trend-lines" onKeyDown={movePointFocus}>
      <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 560, height }}>
        <ComposedChart data={data.rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} onMouseMove={(s) => setActive(s.activeTooltipIndex == null ? null : Number(s.activeTooltipIndex))} onMouseLeave={() => setActive(null)} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e3e6ea" />
          <XAxis dataKey="bucket" tickFormatter={xLabel} minTickGap={24} tick={{ fontSize: 12, fill: "#5b6470" }} />
          <YAxis domain={[0, 1]} tickFormatter={(v: number) => value(v)} width={44} tick={{ fontSize: 12, fill: "#5b6470" }} />
          <Tooltip content={() => null} />
          {bands
            ? data.lines.map((l) => (
                <Area
                  key={`${l.dataKey}_band`}
                  dataKey={`${l.dataKey}_band`}
                  name={l.model}
                  stroke="none"
                  fill={color(l.model)}
                  fillOpacity={0.15}
                  legendType="none"
                  tooltipType="none"
                  connectNulls={false}
                  isAnimationActive={false}
                  activeDot={false}
                />
              ))
            : null}
          {data.lines.map((l, li) => {
            const stroke = color(l.model);
            return (
              <Line
                key={l.dataKey}
                dataKey={l.dataKey}
                name={l.model}
                stroke={stroke}
                strokeWidth={2}
                connectNulls={false}
                isAnimationActive={false}
                dot={dot(l.model, stroke, 3.5, false, li)}
                activeDot={dot(l.model, stroke, 6, true, li)}
              />
            );
          })}
          {data.lines.flatMap((l) =>
            data.rows.flatMap((row) => {
              const change = row[`${l.dataKey}_change`];
              const y = row[l.dataKey];
              if (!change || typeof y !== "number") return [];
              const up = Number(change) > 0;
              return [
                <ReferenceDot
                  key={`${l.dataKey}-${row.bucket}`}
                  x={row.bucket}
                  y={y}
                  ifOverflow="visible"
                  shape={(p: { cx?: number; cy?: number }) => (
                    <path
                      d={up ? `M${p.cx! - 6},${p.cy! - 9} l6,-9 l6,9 z` : `M${p.cx! - 6},${p.cy! + 9} l6,9 l6,-9 z`}
                      fill={color(l.model)}
                      stroke="#1b1f24"
                      strokeWidth={1}
                      data-change={up ? "rise" : "fall"}
                      data-series={l.model}
                      data-bucket={row.bucket}
                    >
                      <title>{`${l.model}: significant ${up ? "rise" : "fall"} at ${xLabel(row.bucket)}`}</title>
                    </path>
                  )}
                />,
              ];
            }),
          )}
        </ComposedChart>
      </ResponsiveContainer>
      <TrendReadout data={data} index={active} xLabel={xLabel} value={value} color={color} />
      {onSelect ? <p className="chart-hint">Click a point, or Tab to it and press Enter, to see the runs behind it.{bands ? " Shaded bands: 95% confidence interval." : ""}</p> : null}
    </div>
  );
}

import { Bar, BarChart, type BarShapeProps, CartesianGrid, Cell, ErrorBar, Rectangle, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { movePointFocus, pointProps } from "../../components/charts/chart-keys.ts";
import { score } from "../../lib/format.ts";
import type { CompareRow } from "./lib/prepare-quality.ts";

export function CompareChart({ rows, color, onSelect }: {
  rows: CompareRow[];
  color: (model: string) => string;
  onSelect: (model: string) => void;
}) {
  // Each bar is a keyboard point (chart-keys.ts), one per "series" so ↑/↓ move between the stacked models.
  const shape = (p: BarShapeProps) => {
    const row = p.payload as CompareRow | undefined;
    if (!row) return <Rectangle {...p} />;
    return (
      <g {...pointProps({ series: p.index, row: 0 }, `${row.model}: mean ${score(row.mean)}`, p.index === 0, () => onSelect(row.model))}>
        <Rectangle {...p} />
      </g>
    );
  };
  return (
    <div role="group" aria-label="Mean score per model with 95% confidence intervals" data-chart="compare" onKeyDown={movePointFocus}>
      <ResponsiveContainer width="100%" height={Math.max(140, rows.length * 44 + 40)}>
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 24, bottom: 4, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} stroke="#e3e6ea" />
          <XAxis type="number" domain={[0, 1]} tickFormatter={(v: number) => score(v)} tick={{ fontSize: 12, fill: "#5b6470" }} />
          <YAxis type="category" dataKey="model" width={170} tick={{ fontSize: 12, fill: "#1b1f24" }} />
          <Tooltip formatter={(v) => [score(Number(v)), "mean"]} cursor={{ fill: "rgba(11,92,173,0.06)" }} />
          <Bar dataKey="mean" isAnimationActive={false} cursor="pointer" shape={shape} onClick={(item) => onSelect((item.payload as CompareRow).model)}>
            {rows.map((r) => (
              <Cell key={r.model} fill={color(r.model)} fillOpacity={r.isBaseline ? 1 : 0.8} />
            ))}
            <ErrorBar dataKey="error" direction="x" width={6} stroke="#1b1f24" strokeWidth={1.5} isAnimationActive={false} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

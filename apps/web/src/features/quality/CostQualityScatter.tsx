import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, type ScatterShapeProps, Symbols, Tooltip, XAxis, YAxis, ZAxis } from "recharts";
import { movePointFocus, pointProps } from "../../components/charts/chart-keys.ts";
import { money, moneyTick, niceTicks, num, percent, score } from "../../lib/format.ts";
import type { ScatterPoint } from "./lib/prepare-quality.ts";

export function CostQualityScatter({ points, color, onSelect }: {
  points: ScatterPoint[];
  color: (model: string) => string;
  onSelect: (model: string) => void;
}) {
  const x = niceTicks(0, Math.max(0, ...points.map((p) => p.x)));
  // Each model's point is a keyboard point (chart-keys.ts) in one series: ←/→, Home and End move between models.
  const shape = (p: ScatterShapeProps) => {
    const point = p.payload as ScatterPoint;
    const name = `${point.model}: cost per run ${money(point.x)}, mean score ${score(point.y)}`;
    return (
      <g {...pointProps({ series: 0, row: p.index }, name, p.index === 0, () => onSelect(point.model))}>
        <Symbols type="circle" cx={p.cx} cy={p.cy} size={p.size} fill={color(point.model)} />
      </g>
    );
  };
  return (
    <div role="group" aria-label="Cost per run versus mean score, per model" data-chart="scatter" onKeyDown={movePointFocus}>
      <ResponsiveContainer width="100%" height={280}>
        <ScatterChart margin={{ top: 12, right: 24, bottom: 8, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e3e6ea" />
          <XAxis type="number" dataKey="x" name="Cost per run" domain={[x.ticks[0] ?? 0, x.ticks.at(-1) ?? 1]} ticks={x.ticks} interval={0} padding={{ left: 8, right: 24 }} tickFormatter={(v: number) => moneyTick(v, x.step)} tick={{ fontSize: 12, fill: "#5b6470" }} />
          <YAxis type="number" dataKey="y" name="Mean score" domain={[0, 1]} tickFormatter={(v: number) => score(v)} width={44} tick={{ fontSize: 12, fill: "#5b6470" }} />
          <ZAxis type="number" dataKey="runs" range={[80, 400]} name="Runs" />
          <Tooltip
            cursor={{ strokeDasharray: "3 3" }}
            content={({ payload }) => {
              const p = payload?.[0]?.payload as ScatterPoint | undefined;
              if (!p) return null;
              return (
                <div className="card small">
                  <strong>{p.model}</strong>
                  <div>cost per run {money(p.x)}</div>
                  <div>mean score {score(p.y)}</div>
                  <div>pass rate {percent(p.passRate)}</div>
                  <div>$ per passing run {money(p.costPerPassingRunMicros ?? undefined)}</div>
                  <div>{num(p.runs)} runs</div>
                </div>
              );
            }}
          />
          <Scatter data={points} isAnimationActive={false} cursor="pointer" shape={shape} onClick={(d) => onSelect((d.payload as ScatterPoint).model)} />
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}

import { memo, useEffect, useMemo, useState } from "react";
import { ChartSkeleton } from "../../components/States.tsx";
import { StackedBars as LazyStackedBars, TrendLines as LazyTrendLines } from "../../components/charts/lazy.tsx";
import { type BucketUnit, BUCKET_LENGTH, type Filters, hrefWith, narrowTo, spendRunsHref } from "../../lib/filters.ts";
import { bucketLabel, money, moneyTick, score } from "../../lib/format.ts";
import type { PreparedSeries } from "../../lib/prepare-timeseries.ts";
import { navigate } from "../../lib/router.ts";
import type { PreparedTrend } from "../quality/lib/prepare-quality.ts";

/**
 * The chart code (`preloadCharts` starts the download before React's first render, and it usually ends
 * before the data arrives). A chart whose code is here is drawn straight away, not through the lazy
 * wrapper, whose Suspense would show a skeleton and then hold the chart back (React reveals a boundary at
 * most every 300 ms after its fallback). Only if the download fails does the chart fall back to the
 * wrapper, whose retries and error boundary handle it.
 */
const charts = {
  bars: import("../../components/charts/StackedBars.tsx").then((m) => m.StackedBars, () => LazyStackedBars),
  lines: import("../../components/charts/TrendLines.tsx").then((m) => m.TrendLines, () => LazyTrendLines),
};
const loaded: { bars?: typeof LazyStackedBars; lines?: typeof LazyTrendLines } = {};
void charts.bars.then((c) => (loaded.bars = c));
void charts.lines.then((c) => (loaded.lines = c));

/** The chart component once its code is here (a skeleton until then); `onDrawn` after it is on the page. */
function useChart<K extends keyof typeof charts>(kind: K, onDrawn?: () => void): (typeof loaded)[K] {
  const [chart, setChart] = useState(() => loaded[kind]);
  useEffect(() => {
    if (!chart) void (charts[kind] as Promise<(typeof loaded)[K]>).then((c) => setChart(() => c));
  }, [chart, kind]);
  useEffect(() => {
    if (chart) onDrawn?.();
  }, [chart, onDrawn]);
  return chart;
}

/** `bucketLabel` once per bucket: a chart asks it for every bar's or point's name. */
function useBucketLabel(bucket: BucketUnit, tz: string): (b: number) => string {
  return useMemo(() => {
    const labels = new Map<number, string>();
    return (b: number) => {
      let l = labels.get(b);
      if (l === undefined) {
        l = bucketLabel(b, BUCKET_LENGTH[bucket], tz);
        labels.set(b, l);
      }
      return l;
    };
  }, [bucket, tz]);
}

interface ChartProps {
  color: (model: string) => string;
  bucket: BucketUnit;
  filters: Filters;
}

/**
 * Drawing a chart is the costliest thing the Overview does (hundreds of SVG shapes): each chart is memoised
 * and redrawn only when its data, colours, bucket or filters change — not when the KPIs, the other chart,
 * the filter bar's lists or the minute clock (which gives `filters` a new identity) update the page.
 */
type Compared = ChartProps & { data: unknown; chosen?: string; onDrawn?: () => void };
const same = (a: Compared, b: Compared) =>
  a.data === b.data && a.onDrawn === b.onDrawn && a.color === b.color && a.bucket === b.bucket && a.chosen === b.chosen && JSON.stringify(a.filters) === JSON.stringify(b.filters);

export const SpendChart = memo(function SpendChart({ data, color, bucket, filters, onDrawn }: ChartProps & { data: PreparedSeries; onDrawn: () => void }) {
  const xLabel = useBucketLabel(bucket, filters.tz);
  const StackedBars = useChart("bars", onDrawn);
  if (!StackedBars) return <ChartSkeleton />;
  return (
    <StackedBars
      ariaLabel="Spend over time by model"
      data={data}
      seriesLabel={(k) => k || "unknown model"}
      color={color}
      xLabel={xLabel}
      yTick={moneyTick}
      value={(v) => money(v)}
      onSelect={(row, model) => navigate(spendRunsHref(narrowTo({ ...filters, model }, row.bucket, row.end)))}
    />
  );
}, same);

export const QualityChart = memo(function QualityChart({ data, chosen, color, bucket, filters }: ChartProps & { data: PreparedTrend; chosen: string }) {
  const xLabel = useBucketLabel(bucket, filters.tz);
  const TrendLines = useChart("lines");
  if (!TrendLines) return <ChartSkeleton />;
  return (
    <TrendLines
      ariaLabel={`Mean ${chosen} per model`}
      data={data}
      xLabel={xLabel}
      value={(v) => score(v)}
      color={color}
      onSelect={(row, model) => navigate(hrefWith("/runs", narrowTo({ ...filters, model }, row.bucket, row.end), { score: chosen }))}
    />
  );
}, same);

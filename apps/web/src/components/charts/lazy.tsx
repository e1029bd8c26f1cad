import { type ComponentProps, Suspense } from "react";
import { retryableLazy } from "../../lib/lazy.ts";
import { ChartSkeleton } from "../States.tsx";

/**
 * recharts is most of the bundle: loading it in its own chunk lets the app shell render and the API
 * queries start while the chart code downloads and compiles in parallel.
 */
const StackedBarsImpl = retryableLazy(() => import("./StackedBars.tsx").then((m) => ({ default: m.StackedBars })));
const TrendLinesImpl = retryableLazy(() => import("./TrendLines.tsx").then((m) => ({ default: m.TrendLines })));

export function StackedBars(props: ComponentProps<typeof StackedBarsImpl>) {
  return (
    <Suspense fallback={<ChartSkeleton height={props.height ?? 280} />}>
      <StackedBarsImpl {...props} />
    </Suspense>
  );
}

export function TrendLines(props: ComponentProps<typeof TrendLinesImpl>) {
  return (
    <Suspense fallback={<ChartSkeleton height={props.height ?? 280} />}>
      <TrendLinesImpl {...props} />
    </Suspense>
  );
}

/** Starts loading the chart code without waiting for a chart to render. */
export function preloadCharts(): void {
  void import("./StackedBars.tsx");
  void import("./TrendLines.tsx");
}

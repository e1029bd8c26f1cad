import { useQuery } from "@tanstack/react-query";
import { useCallback, useDeferredValue, useEffect, useMemo, useState } from "react";
import { Card } from "../../components/Card.tsx";
import { Link } from "../../components/Link.tsx";
import { ChartSkeleton, EmptyState, NoScoresYet, QueryView, Skeleton } from "../../components/States.tsx";
import { modelListInput } from "../../app/use-filter-options.ts";
import { hrefWith, spendRunsHref } from "../../lib/filters.ts";
import { num } from "../../lib/format.ts";
import { prepareSeries, unpricedOnly } from "../../lib/prepare-timeseries.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { useColors } from "../../lib/use-colors.ts";
import { useFilters } from "../../lib/use-filters.ts";
import { prepareTrend, scoreNames } from "../quality/lib/prepare-quality.ts";
import { KpiCard } from "./KpiCard.tsx";
import { QualityChart, SpendChart } from "./OverviewCharts.tsx";
import { overviewInputs } from "./lib/overview-inputs.ts";
import { nothingInWindow, prepareKpis } from "./lib/prepare-kpis.ts";
import { UnpricedWarning } from "./UnpricedWarning.tsx";

export function OverviewPage() {
  const trpc = useTRPC();
  const { filters, window, bucket, params, setParams } = useFilters();
  const inputs = overviewInputs(filters, window, bucket);
  const colors = useColors();
  const summary = useQuery(trpc.overview.summary.queryOptions(inputs.summary));
  const spend = useQuery(trpc.spend.timeseries.queryOptions(inputs.spend));
  const trend = useQuery(trpc.quality.trend.queryOptions(inputs.trend));
  // The colour scale's models (asked with the page's first queries): a chart drawn before them would be
  // drawn again in other colours.
  const colorsReady = !useQuery(trpc.spend.byModel.queryOptions(modelListInput(window, filters.tz))).isPending;

  const kpis = useMemo(() => (summary.data ? prepareKpis(summary.data.current, summary.data.previous, filters.model !== null) : null), [summary.data, filters.model]);
  const spendSeries = useMemo(() => (spend.data ? prepareSeries(spend.data.buckets, spend.data.series.map((s) => ({ key: s.key, points: s.points }))) : null), [spend.data]);
  const names = useMemo(() => (trend.data ? scoreNames(trend.data) : []), [trend.data]);
  const [fallbackName] = names;
  const chosen = params.get("score") && names.includes(params.get("score") ?? "") ? (params.get("score") ?? "") : fallbackName;
  const trendData = useMemo(() => (trend.data && chosen ? { chosen, data: prepareTrend(trend.data, chosen) } : null), [trend.data, chosen]);

  // First chart first: the spend chart draws as soon as its data, colours and code are here; the quality
  // chart waits until the spend chart is on the page (or the spend card settled on an empty or error state)
  // and the browser has had a turn to paint, then draws in a deferred render. The KPIs wait for neither.
  const spendShown = colorsReady ? spendSeries : null;
  const [spendDone, setSpendDone] = useState(false);
  const spendDrawn = useCallback(() => void setTimeout(() => setSpendDone(true), 0), []);
  const noSpendChart = colorsReady && !spend.isPending && (spendSeries === null || spendSeries.empty);
  useEffect(() => {
    if (noSpendChart) setSpendDone(true);
  }, [noSpendChart]);
  const trendShown = useDeferredValue(spendDone ? trendData : null);

  return (
    <div className="stack">
      <h1>Overview</h1>
      <QueryView
        query={summary}
        loading={
          <div className="grid grid-kpi">
            {Array.from({ length: 6 }, (_, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: six identical placeholders, never reordered
              <Skeleton key={i} height={92} />
            ))}
          </div>
        }
      >
        {() => (
          <div className="grid grid-kpi" role="group" aria-label="Key figures">
            {kpis?.map((k) => <KpiCard key={k.id} kpi={k} />)}
          </div>
        )}
      </QueryView>
      {summary.data ? <UnpricedWarning input={inputs.summary} unpricedCalls={summary.data.current.unpricedCalls} /> : null}
      {summary.data && nothingInWindow(summary.data.current) ? (
        <EmptyState title="No runs in this range.">
          Widen the time range, or start sending data: call <code>defer("track-costs", …)</code> and <code>defer("score", …)</code> from your agent.
        </EmptyState>
      ) : summary.data && summary.data.current.runs === 0 && filters.model !== null ? (
        <p className="small muted" role="note" data-called-by-others>
          No run in this range is of this model: runs of other models call it (a triage or tool call, say). Its spend and cost per run
          count the runs that called it: <Link href={spendRunsHref(filters)}>list them</Link>.
        </p>
      ) : null}
      <div className="grid grid-2">
        <Card title="Spend over time" subtitle="Priced spend by model, stacked: a model's agent calls plus the judge's calls on its runs">
          <QueryView
            query={spend}
            loading={<ChartSkeleton />}
            isEmpty={() => spendSeries?.empty ?? true}
            empty={
              spend.data && unpricedOnly(spend.data) ? (
                <EmptyState title={`Only unpriced usage in this range (${num(unpricedOnly(spend.data))} calls).`}>
                  Add a custom model price in Settings to see its spend.
                </EmptyState>
              ) : (
                <EmptyState title="No spend yet.">Call defer("track-costs", {"{ model, customerId, promptTokens, completionTokens }"}) from your agent.</EmptyState>
              )
            }
          >
            {() => (spendShown ? <SpendChart data={spendShown} color={colors.model} bucket={bucket} filters={filters} onDrawn={spendDrawn} /> : <ChartSkeleton />)}
          </QueryView>
        </Card>
        <Card
          title="Quality trend"
          subtitle="Mean judge score per model (0–1)"
          actions={
            names.length > 1 ? (
              <select aria-label="Score name" value={chosen} onChange={(e) => setParams({ score: e.target.value }, { replace: true })}>
                {names.map((n) => (
                  <option key={n}>{n}</option>
                ))}
              </select>
            ) : null
          }
        >
          <QueryView
            query={trend}
            loading={<ChartSkeleton />}
            isEmpty={() => !trendData || trendData.data.empty}
            empty={<NoScoresYet />}
          >
            {() => (trendShown ? <QualityChart data={trendShown.data} chosen={trendShown.chosen} color={colors.model} bucket={bucket} filters={filters} /> : <ChartSkeleton />)}
          </QueryView>
          <p className="small muted">
            Compare models with confidence intervals on <Link href={hrefWith("/quality", filters)}>Quality</Link>.
          </p>
        </Card>
      </div>
    </div>
  );
}

import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Card } from "../../components/Card.tsx";
import { Link } from "../../components/Link.tsx";
import { StackedBars } from "../../components/charts/lazy.tsx";
import { TrendLines } from "../../components/charts/lazy.tsx";
import { ChartSkeleton, EmptyState, NoScoresYet, QueryView, Skeleton } from "../../components/States.tsx";
import { BUCKET_LENGTH, hrefWith, narrowTo } from "../../lib/filters.ts";
import { bucketLabel, money, moneyTick, num, score } from "../../lib/format.ts";
import { prepareSeries, unpricedOnly } from "../../lib/prepare-timeseries.ts";
import { navigate } from "../../lib/router.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { useColors } from "../../lib/use-colors.ts";
import { useFilters } from "../../lib/use-filters.ts";
import { prepareTrend, scoreNames } from "../quality/lib/prepare-quality.ts";
import { KpiCard } from "./KpiCard.tsx";
import { overviewInputs } from "./lib/overview-inputs.ts";
import { prepareKpis } from "./lib/prepare-kpis.ts";
import { UnpricedWarning } from "./UnpricedWarning.tsx";

export function OverviewPage() {
  const trpc = useTRPC();
  const { filters, window, bucket, params, setParams } = useFilters();
  const inputs = overviewInputs(filters, window, bucket);
  const colors = useColors();
  const summary = useQuery(trpc.overview.summary.queryOptions(inputs.summary));
  const spend = useQuery(trpc.spend.timeseries.queryOptions(inputs.spend));
  const trend = useQuery(trpc.quality.trend.queryOptions(inputs.trend));

  const kpis = useMemo(() => (summary.data ? prepareKpis(summary.data.current, summary.data.previous) : null), [summary.data]);
  const spendSeries = useMemo(() => (spend.data ? prepareSeries(spend.data.buckets, spend.data.series.map((s) => ({ key: s.key, points: s.points }))) : null), [spend.data]);
  const names = useMemo(() => (trend.data ? scoreNames(trend.data) : []), [trend.data]);
  const [fallbackName] = names;
  const chosen = params.get("score") && names.includes(params.get("score") ?? "") ? (params.get("score") ?? "") : fallbackName;
  const trendData = useMemo(() => (trend.data && chosen ? prepareTrend(trend.data, chosen) : null), [trend.data, chosen]);
  const label = (b: number) => bucketLabel(b, BUCKET_LENGTH[bucket], filters.tz);

  return (
    <div className="stack">
      <h1>Overview</h1>
      <QueryView
        query={summary}
        loading={
          <div className="grid grid-kpi">
            {Array.from({ length: 6 }, (_, i) => (
              <Skeleton key={i} height={92} />
            ))}
          </div>
        }
      >
        {() => (
          <div className="grid grid-kpi" aria-label="Key figures">
            {kpis?.map((k) => <KpiCard key={k.id} kpi={k} />)}
          </div>
        )}
      </QueryView>
      {summary.data ? <UnpricedWarning input={inputs.summary} unpricedCalls={summary.data.current.unpricedCalls} /> : null}
      {summary.data && summary.data.current.runs === 0 ? (
        <EmptyState title="No runs in this range.">
          Widen the time range, or start sending data: call <code>defer("track-costs", …)</code> and <code>defer("score", …)</code> from your agent.
        </EmptyState>
      ) : null}
      <div className="grid grid-2">
        <Card title="Spend over time" subtitle="Priced spend (agent + judge), stacked by model">
          <QueryView
            query={spend}
            loading={<ChartSkeleton />}
            isEmpty={() => spendSeries?.empty ?? true}
            empty={
              spend.data && unpricedOnly(spend.data) ? (
                <EmptyState title={`Only unpriced usage in this range (${num(unpricedOnly(spend.data))} calls).`}>Add a custom model price in Settings to see its spend.</EmptyState>
              ) : (
                <EmptyState title="No spend yet.">Call defer("track-costs", {"{ model, customerId, promptTokens, completionTokens }"}) from your agent.</EmptyState>
              )
            }
          >
            {() =>
              spendSeries ? (
                <StackedBars
                  ariaLabel="Spend over time by model"
                  data={spendSeries}
                  seriesLabel={(k) => k || "unknown model"}
                  color={colors.model}
                  xLabel={label}
                  yTick={moneyTick}
                  value={(v) => money(v)}
                  onSelect={(row, model) =>
                    navigate(hrefWith("/runs", narrowTo({ ...filters, model }, row.bucket, row.end)))
                  }
                />
              ) : null
            }
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
            isEmpty={() => !trendData || trendData.empty}
            empty={<NoScoresYet />}
          >
            {() =>
              trendData ? (
                <TrendLines
                  ariaLabel={`Mean ${chosen} per model`}
                  data={trendData}
                  xLabel={label}
                  value={(v) => score(v)}
                  color={colors.model}
                  onSelect={(row, model) =>
                    navigate(hrefWith("/runs", narrowTo({ ...filters, model }, row.bucket, row.end), { score: chosen ?? null }))
                  }
                />
              ) : null
            }
          </QueryView>
          <p className="small muted">
            Compare models with confidence intervals on <Link href={hrefWith("/quality", filters)}>Quality</Link>.
          </p>
        </Card>
      </div>
    </div>
  );
}

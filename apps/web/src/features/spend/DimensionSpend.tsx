import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Card } from "../../components/Card.tsx";
import { Money } from "../../components/Money.tsx";
import { openRowProps } from "../../components/row-keys.ts";
import { StackedBars } from "../../components/charts/lazy.tsx";
import { SplitSelect } from "../../components/SplitSelect.tsx";
import { ChartSkeleton, EmptyState, QueryView, Skeleton } from "../../components/States.tsx";
import type { AggregateInput } from "../../lib/api-input.ts";
import { PALETTE } from "../../lib/colors.ts";
import { BUCKET_LENGTH, narrowTo, spendRunsHref } from "../../lib/filters.ts";
import { bucketLabel, money, moneyColumn, moneyTick, num, percent, pricedMoney } from "../../lib/format.ts";
import { drillFilters, seriesSplit, type Split, splitInput, valueLabel } from "../../lib/prepare-dimensions.ts";
import { prepareSeries, unpricedOnly } from "../../lib/prepare-timeseries.ts";
import { navigate } from "../../lib/router.ts";
import { type RouterOutputs, useTRPC } from "../../lib/trpc.ts";
import { useFilters } from "../../lib/use-filters.ts";

/** Values stacked in the chart, "other" included. */
const CHART_SERIES = 8;

/** Spend by function slug or by a promoted tag's values: a table with its total row and a stacked chart. */
export function DimensionSpend({ input, split, available }: { input: AggregateInput; split: Split; available: Split[] }) {
  const trpc = useTRPC();
  const { filters, bucket } = useFilters();
  const byValue = useQuery(trpc.spend.byDimension.queryOptions({ ...input, ...splitInput(split) }));
  const series = useQuery(trpc.spend.timeseries.queryOptions({ ...input, bucket, ...seriesSplit(split) }));
  const chart = useMemo(() => (series.data ? prepareSeries(series.data.buckets, series.data.series, CHART_SERIES) : null), [series.data]);
  const label = (v: string) => valueLabel(split, v);
  const title = split.dimension === "function" ? "By function" : `By tag: ${split.tagKey}`;
  return (
    <div className="grid grid-2">
      <Card title={title} subtitle="Agent spend and the judge's spend on the runs" actions={<SplitSelect split={split} available={available} />}>
        <QueryView query={byValue} loading={<Skeleton height={200} />} isEmpty={(d) => d.rows.length === 0} empty={<EmptyState title="No usage in this range." />}>
          {(d) => <DimensionTable data={d} label={label} open={(v) => navigate(spendRunsHref(drillFilters(filters, split, v)))} />}
        </QueryView>
      </Card>
      <Card title={`Spend over time ${title.toLowerCase()}`} subtitle="The largest values; the rest are grouped as other">
        <QueryView
          query={series}
          loading={<ChartSkeleton />}
          isEmpty={() => chart?.empty ?? true}
          empty={<EmptyState title={series.data && unpricedOnly(series.data) ? `Only unpriced usage in this range (${num(unpricedOnly(series.data))} calls).` : "No spend in this range."} />}
        >
          {() =>
            chart ? (
              <StackedBars
                ariaLabel={`Spend over time ${title.toLowerCase()}`}
                data={chart}
                seriesLabel={label}
                color={(k) => PALETTE[Math.max(0, chart.series.findIndex((s) => s.key === k)) % PALETTE.length]!}
                xLabel={(b) => bucketLabel(b, BUCKET_LENGTH[bucket], filters.tz)}
                yTick={moneyTick}
                value={(v) => money(v)}
                onSelect={(row, value) => navigate(spendRunsHref(narrowTo(drillFilters(filters, split, value), row.bucket, row.end)))}
              />
            ) : null
          }
        </QueryView>
      </Card>
    </div>
  );
}

type ByDimension = RouterOutputs["spend"]["byDimension"];
type Figures = ByDimension["totals"];
type Columns = Record<"spend" | "agent" | "judge" | "perRun", ReturnType<typeof moneyColumn>>;

/** Spend, agent, judge, calls, runs and cost per run: the same cells for a value's row and the total row. */
function SpendCells({ figures: f, col }: { figures: Pick<Figures, "spendMicros" | "unpricedCalls" | "agentSpendMicros" | "agentUnpricedCalls" | "judgeSpendMicros" | "judgeUnpricedCalls" | "calls" | "runs" | "costPerRunMicros">; col: Columns }) {
  return (
    <>
      <td className="num" data-cell="spend">
        <Money micros={f.spendMicros} unpricedCalls={f.unpricedCalls} format={col.spend} />
      </td>
      <td className="num">
        <Money micros={f.agentSpendMicros} unpricedCalls={f.agentUnpricedCalls} format={col.agent} />
      </td>
      <td className="num">
        <Money micros={f.judgeSpendMicros} unpricedCalls={f.judgeUnpricedCalls} format={col.judge} />
      </td>
      <td className="num">{num(f.calls)}</td>
      <td className="num">{f.runs ? num(f.runs) : "—"}</td>
      <td className="num">{pricedMoney(f.costPerRunMicros, f.agentUnpricedCalls, undefined, col.perRun).text}</td>
    </>
  );
}

function DimensionTable({ data, label, open }: { data: ByDimension; label: (v: string) => string; open: (value: string) => void }) {
  const t = data.totals;
  const col: Columns = {
    spend: moneyColumn([...data.rows.map((r) => r.spendMicros), t.spendMicros]),
    agent: moneyColumn([...data.rows.map((r) => r.agentSpendMicros), t.agentSpendMicros]),
    judge: moneyColumn([...data.rows.map((r) => r.judgeSpendMicros), t.judgeSpendMicros]),
    perRun: moneyColumn([...data.rows.map((r) => r.costPerRunMicros), t.costPerRunMicros]),
  };
  const name = data.dimension === "function" ? "Function" : `Tag ${data.tagKey ?? ""}`;
  return (
    <table aria-label={`Spend ${name.toLowerCase()}`} data-table="spend-by-dimension">
      <thead>
        <tr>
          <th>{name}</th>
          <th className="num">Spend</th>
          <th className="num">Agent</th>
          <th className="num">Judge</th>
          <th className="num">Calls</th>
          <th className="num">Runs</th>
          <th className="num">Cost per run</th>
          <th className="num">Share</th>
        </tr>
      </thead>
      <tbody>
        {data.rows.map((r) => (
          <tr key={r.value} className="clickable" data-value={r.value} {...openRowProps(() => open(r.value))}>
            <td>{label(r.value)}</td>
            <SpendCells figures={r} col={col} />
            <td className="num">{percent(r.share)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr className="total" data-total-spend={t.spendMicros ?? ""}>
          <th scope="row">Total{t.rows > data.rows.length ? ` (all ${num(t.rows)})` : ""}</th>
          <SpendCells figures={t} col={col} />
          <td className="num">{t.spendMicros !== null && t.spendMicros > 0 ? percent(1) : "—"}</td>
        </tr>
      </tfoot>
    </table>
  );
}

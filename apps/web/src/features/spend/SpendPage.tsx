import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Card } from "../../components/Card.tsx";
import { Link } from "../../components/Link.tsx";
import { StackedBars } from "../../components/charts/lazy.tsx";
import { ChartSkeleton, EmptyState, QueryView, Skeleton } from "../../components/States.tsx";
import { aggregateInput } from "../../lib/api-input.ts";
import { BUCKET_LENGTH, hrefWith, narrowTo } from "../../lib/filters.ts";
import { Money } from "../../components/Money.tsx";
import { bucketLabel, money, moneyAxis, monthStart, num, percent, pricedMoney } from "../../lib/format.ts";
import { prepareSeries, unpricedOnly } from "../../lib/prepare-timeseries.ts";
import { navigate } from "../../lib/router.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { PALETTE } from "../../lib/colors.ts";
import { useColors } from "../../lib/use-colors.ts";
import { useFilters } from "../../lib/use-filters.ts";
import { CustomersTable } from "./CustomersTable.tsx";
import { customerName, parseTableState, prepareCustomers } from "./lib/prepare-customers.ts";

const MAX_CUSTOMERS = 500;
/** Customers stacked in the chart, "other" included. */
const CHART_SERIES = 8;

export default function SpendPage() {
  const trpc = useTRPC();
  const colors = useColors();
  const { filters, window, bucket, params, setParams, setFilters } = useFilters();
  const input = aggregateInput(filters, window);
  // Totals for every customer (the table searches, sorts and pages them here); sparklines only for the
  // page on screen, below.
  const byCustomer = useQuery(trpc.spend.byCustomer.queryOptions({ ...input, limit: MAX_CUSTOMERS, sparklines: false }));
  const month = { ...input, from: monthStart(window.to - 1, filters.tz), to: window.to };
  const byCustomerMonth = useQuery(trpc.spend.byCustomer.queryOptions({ ...month, limit: MAX_CUSTOMERS, sparklines: false }));
  const byModel = useQuery(trpc.spend.byModel.queryOptions({ ...input, limit: 200, sparklines: false }));
  // The chart stacks the top customers; the API sums the rest into `other` rather than send every series.
  const series = useQuery(trpc.spend.timeseries.queryOptions({ ...input, bucket, splitBy: "customer", top: CHART_SERIES - 1 }));
  const customers = useQuery(trpc.customers.list.queryOptions());

  const state = parseTableState(params);
  const monthSpend = useMemo(() => {
    const d = byCustomerMonth.data;
    return d ? { spend: new Map(d.rows.map((r) => [r.customerId, r.spendMicros])), complete: d.nextCursor === null } : null;
  }, [byCustomerMonth.data]);
  const table = useMemo(() => (byCustomer.data ? prepareCustomers(byCustomer.data.rows, monthSpend, state) : null), [byCustomer.data, monthSpend, state.q, state.sort, state.dir, state.page]);
  const shownIds = table?.rows.map((r) => r.customerId) ?? [];
  const pageSparklines = useQuery({
    ...trpc.spend.byCustomer.queryOptions({ ...input, customerIds: shownIds, limit: Math.max(1, shownIds.length) }),
    enabled: shownIds.length > 0,
  });
  const sparklines = useMemo(() => (pageSparklines.data ? new Map(pageSparklines.data.rows.map((r) => [r.customerId, r.sparkline])) : null), [pageSparklines.data]);
  const names = useMemo(() => new Map((customers.data ?? []).map((c) => [c.id, c.name])), [customers.data]);
  const chart = useMemo(
    () => (series.data ? prepareSeries(series.data.buckets, series.data.series, CHART_SERIES, series.data.other?.points ?? null) : null),
    [series.data],
  );
  const label = (b: number) => bucketLabel(b, BUCKET_LENGTH[bucket], filters.tz);
  const csvHref = `/api/export/spend-by-customer.csv?input=${encodeURIComponent(JSON.stringify({ ...input, sort: state.sort === "name" ? "customerId" : state.sort === "budgetUse" ? "spend" : state.sort, direction: state.dir }))}`;

  return (
    <div className="stack">
      <h1>Spend{filters.customer !== null ? `: ${customerName(filters.customer, names.get(filters.customer) ?? null)}` : ""}</h1>
      {filters.customer !== null ? (
        <p className="row small">
          <span className="chip">
            customer {filters.customer || "unattributed"}
            <button type="button" aria-label="Show all customers" onClick={() => setFilters({ customer: null })}>
              ×
            </button>
          </span>
          <Link href={hrefWith("/runs", filters)}>See this customer's runs</Link>
        </p>
      ) : null}
      <Card
        title="Customers"
        subtitle="Priced spend in the range; budget use is month-to-date spend against the monthly budget"
        actions={
          <>
            <input
              type="search"
              aria-label="Search customers"
              placeholder="Search customers"
              defaultValue={state.q}
              onChange={(e) => setParams({ q: e.target.value, page: null }, { replace: true })}
            />
            <a className="btn" href={csvHref} download="spend-by-customer.csv" data-testid="export-csv">
              Export CSV
            </a>
          </>
        }
      >
        <QueryView
          query={byCustomer}
          loading={<Skeleton height={240} label="loading customers" />}
          isEmpty={(d) => d.rows.length === 0}
          empty={<EmptyState title="No customer spend in this range.">Pass customerId in defer("track-costs", …) to attribute spend, and set budgets in Settings.</EmptyState>}
        >
          {(d) =>
            table ? (
              <>
                {table.matched === 0 ? (
                  <EmptyState title={`No customer matches "${state.q}".`} />
                ) : (
                  <CustomersTable
                    rows={table.rows}
                    bucket={d.bucket}
                    sparklines={sparklines}
                    state={state}
                    onSort={(key) => setParams({ sort: key, dir: key === state.sort ? (state.dir === "asc" ? "desc" : "asc") : key === "name" ? "asc" : "desc", page: null })}
                    onOpen={(id) => setFilters({ customer: id })}
                  />
                )}
                <div className="pager">
                  <span className="muted small">
                    {num(table.matched)} customer{table.matched === 1 ? "" : "s"}
                    {d.totals.rows > d.rows.length ? ` (top ${num(d.rows.length)} of ${num(d.totals.rows)} by spend)` : ""} · page {table.page} of {table.pages}
                  </span>
                  <button type="button" disabled={table.page <= 1} onClick={() => setParams({ page: table.page - 1 })}>
                    Previous
                  </button>
                  <button type="button" disabled={table.page >= table.pages} onClick={() => setParams({ page: table.page + 1 })}>
                    Next
                  </button>
                </div>
              </>
            ) : null
          }
        </QueryView>
      </Card>
      <div className="grid grid-2">
        <Card title="Spend over time by customer" subtitle="Top customers; the rest are grouped as other">
          <QueryView
            query={series}
            loading={<ChartSkeleton />}
            isEmpty={() => chart?.empty ?? true}
            empty={<EmptyState title={series.data && unpricedOnly(series.data) ? `Only unpriced usage in this range (${num(unpricedOnly(series.data))} calls).` : "No spend in this range."} />}
          >
            {() =>
              chart ? (
                <StackedBars
                  ariaLabel="Spend over time by customer"
                  data={chart}
                  seriesLabel={(k) => customerName(k, names.get(k) ?? null)}
                  color={(k) => PALETTE[Math.max(0, chart.series.findIndex((s) => s.key === k)) % PALETTE.length]!}
                  xLabel={label}
                  yTick={moneyAxis}
                  value={(v) => money(v)}
                  onSelect={(row, customer) => navigate(hrefWith("/runs", narrowTo({ ...filters, customer }, row.bucket, row.end)))}
                />
              ) : null
            }
          </QueryView>
        </Card>
        <Card title="By model" subtitle="Agent and judge spend per model">
          <QueryView query={byModel} loading={<Skeleton height={200} />} isEmpty={(d) => d.rows.length === 0} empty={<EmptyState title="No model usage in this range." />}>
            {(d) => (
              <table aria-label="Spend by model">
                <thead>
                  <tr>
                    <th>Model</th>
                    <th className="num">Spend</th>
                    <th className="num">Agent</th>
                    <th className="num">Judge</th>
                    <th className="num">Runs</th>
                    <th className="num">Cost per run</th>
                    <th className="num">Share</th>
                  </tr>
                </thead>
                <tbody>
                  {d.rows.map((r) => (
                    <tr key={r.model} className="clickable" data-model={r.model} onClick={() => navigate(hrefWith("/runs", { ...filters, model: r.model }))}>
                      <td>
                        <span style={{ display: "inline-block", width: 10, height: 10, borderRadius: 2, background: colors.model(r.model), marginRight: 6 }} />
                        {r.model || "unknown"}
                      </td>
                      <td className="num" data-cell="spend">
                        <Money micros={r.spendMicros} unpricedCalls={r.unpricedCalls} />
                      </td>
                      <td className="num" data-cell="agent">
                        <Money micros={r.agentSpendMicros} unpricedCalls={r.agentUnpricedCalls} />
                      </td>
                      <td className="num" data-cell="judge">
                        <Money micros={r.judgeSpendMicros} unpricedCalls={r.judgeUnpricedCalls} />
                      </td>
                      <td className="num">{r.runs ? num(r.runs) : "—"}</td>
                      <td className="num" data-cell="cost-per-run">{pricedMoney(r.costPerRunMicros, r.agentUnpricedCalls).text}</td>
                      <td className="num">{percent(r.share)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </QueryView>
        </Card>
      </div>
    </div>
  );
}

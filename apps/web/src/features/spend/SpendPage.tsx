import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Card } from "../../components/Card.tsx";
import { ExportLink } from "../../components/ExportLink.tsx";
import { Link } from "../../components/Link.tsx";
import { StackedBars } from "../../components/charts/lazy.tsx";
import { ChartSkeleton, EmptyState, QueryView, Skeleton } from "../../components/States.tsx";
import { aggregateInput, exportHref } from "../../lib/api-input.ts";
import { budgetBasis } from "../../lib/calendar.ts";
import { BUCKET_LENGTH, narrowTo, spendRunsHref } from "../../lib/filters.ts";
import { bucketLabel, money, moneyTick, num } from "../../lib/format.ts";
import { prepareSeries, unpricedOnly } from "../../lib/prepare-timeseries.ts";
import { navigate } from "../../lib/router.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { PALETTE } from "../../lib/colors.ts";
import { useColors } from "../../lib/use-colors.ts";
import { useFilters } from "../../lib/use-filters.ts";
import { useUrlText } from "../../lib/use-url-text.ts";
import { budgetTitle, CustomersTable } from "./CustomersTable.tsx";
import { ModelsTable } from "./ModelsTable.tsx";
import { DimensionSpend } from "./DimensionSpend.tsx";
import { useSplit } from "../../components/SplitSelect.tsx";
import { budgetFacts, isCurrentMonth } from "./lib/prepare-budget.ts";
import { CUSTOMER_PAGE_SIZES, customerName, parseTableState, prepareCustomers } from "./lib/prepare-customers.ts";

const MAX_CUSTOMERS = 500;
/** Customers stacked in the chart, "other" included. */
const CHART_SERIES = 8;

export default function SpendPage() {
  const trpc = useTRPC();
  const colors = useColors();
  const { filters, window, bucket, params, setParams, setFilters } = useFilters();
  const input = aggregateInput(filters, window);
  // The budget column follows the chosen period: a calendar preset's whole month, quarter or year, or the
  // window pro-rated (calendar.ts budgetBasis), over the window the figures cover (the API's: whole
  // 15-minute buckets), as the CSV export is. The API adds each month's own budget (`periodBudgetMicros`).
  const asked = budgetBasis(filters.range, window, filters.tz);
  // Totals for every customer (the table searches, sorts and pages them here); sparklines only for the
  // page on screen, below.
  const byCustomer = useQuery(
    trpc.spend.byCustomer.queryOptions({ ...input, limit: MAX_CUSTOMERS, sparklines: false, ...(asked.prorated ? {} : { budgetPeriod: asked.period }) }),
  );
  const byModel = useQuery(trpc.spend.byModel.queryOptions({ ...input, limit: 200, sparklines: false }));
  // The chart stacks the top customers; the API sums the rest into `other` rather than send every series.
  const series = useQuery(trpc.spend.timeseries.queryOptions({ ...input, bucket, splitBy: "customer", top: CHART_SERIES - 1 }));
  const customers = useQuery(trpc.customers.list.queryOptions());
  const { split, available } = useSplit(input);

  const state = parseTableState(params);
  const [search, setSearch] = useUrlText(state.q);
  const answered = byCustomer.data?.budgetPeriod;
  const basis = answered ? { ...asked, period: { from: answered.from, to: answered.to }, months: answered.months } : asked;
  // Each customer's warning threshold (its budget rule) and, for the current month, the month-end forecast.
  const budgets = useQuery(trpc.alerts.budgets.queryOptions({ from: window.from, to: window.to, timeZone: filters.tz }));
  // The clock, not the window: last month's window ends inside last month, but it is not the month in progress.
  const thisMonth = isCurrentMonth(basis, Date.now());
  const facts = useMemo(() => budgetFacts(budgets.data?.rows, thisMonth), [budgets.data, thisMonth]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: state is parsed anew each render; its fields are the stable inputs
  const table = useMemo(
    () => (byCustomer.data ? prepareCustomers(byCustomer.data.rows, state, facts) : null),
    [byCustomer.data, state.q, state.sort, state.dir, state.page, state.pageSize, state.near, facts],
  );
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
  const csvSort = { sort: state.sort === "name" ? "customerId" : state.sort === "budgetUse" ? "spend" : state.sort, direction: state.dir };
  // The export shows the table's rows in its order: the same search, the budget filter's customers (at most
  // 500: the input's limit), the budget period of the budget column, and the budget-use sort.
  const nearIds = state.near && table ? table.matchedIds.slice(0, 500) : undefined;
  const csvHref = exportHref(
    "spend-by-customer",
    { ...input, ...csvSort, ...(nearIds ? { customerIds: nearIds } : {}) },
    { search: state.q.trim(), budgetPeriod: basis.period, sortBy: state.sort === "budgetUse" ? "budgetUse" : undefined },
  );

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
          <Link href={spendRunsHref(filters)}>See the runs behind this spend</Link>
        </p>
      ) : null}
      <Card
        title="Customers"
        subtitle={`Priced spend in the range; budget use: ${budgetTitle(basis, filters.tz)}`}
        actions={
          <>
            <label className="small nowrap">
              <input type="checkbox" checked={state.near} onChange={(e) => setParams({ budget: e.target.checked ? "near" : null, page: null })} data-testid="near-budget" /> Over or near budget
            </label>
            <input
              type="search"
              aria-label="Search customers"
              placeholder="Search customers"
              value={search}
              onChange={(e) => {
                setSearch(e.target.value);
                setParams({ q: e.target.value, page: null }, { replace: true });
              }}
            />
            {nearIds?.length === 0 ? null : (
              <ExportLink className="btn" href={csvHref} data-testid="export-csv">
                Export CSV
              </ExportLink>
            )}
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
                  <EmptyState title={state.q.trim() ? `No customer matches "${state.q}"${state.near ? " and is over or near budget" : ""}.` : "No customer is over or near budget."} />
                ) : (
                  <CustomersTable
                    rows={table.rows}
                    total={
                      state.q.trim() || state.near
                        ? { label: `Total of ${num(table.matched)} matching`, ...table.matchedTotal }
                        : { label: d.totals.rows > d.rows.length ? `Total (all ${num(d.totals.rows)} customers)` : "Total", ...d.totals }
                    }
                    basis={basis}
                    tz={filters.tz}
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
                  <label className="small">
                    Show
                    <select value={state.pageSize} onChange={(e) => setParams({ size: e.target.value === String(CUSTOMER_PAGE_SIZES[0]) ? null : e.target.value, page: null })} data-testid="customers-page-size">
                      {CUSTOMER_PAGE_SIZES.map((n) => (
                        <option key={n} value={n}>{n} per page</option>
                      ))}
                    </select>
                  </label>
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
                  yTick={moneyTick}
                  value={(v) => money(v)}
                  onSelect={(row, customer) => navigate(spendRunsHref(narrowTo({ ...filters, customer }, row.bucket, row.end)))}
                />
              ) : null
            }
          </QueryView>
        </Card>
        <Card
          title="By model"
          subtitle="Per judged model: its agent spend and the judge's spend on its runs"
          actions={
            <ExportLink className="btn" href={exportHref("spend-by-model", input)} data-testid="export-models-csv">
              Export CSV
            </ExportLink>
          }
        >
          <QueryView query={byModel} loading={<Skeleton height={200} />} isEmpty={(d) => d.rows.length === 0} empty={<EmptyState title="No model usage in this range." />}>
            {(d) => (
              <ModelsTable data={d} filters={filters} color={colors.model} />
            )}
          </QueryView>
        </Card>
      </div>
      <DimensionSpend input={input} split={split} available={available} />
    </div>
  );
}

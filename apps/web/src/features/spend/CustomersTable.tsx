import { Money } from "../../components/Money.tsx";
import type { BudgetBasis } from "../../lib/calendar.ts";
import { moneyColumn, num, pricedMoney } from "../../lib/format.ts";
import { BudgetCell } from "./BudgetCell.tsx";
import { Link } from "../../components/Link.tsx";
import { monthOf, statementHref } from "../statement/statement-url.ts";
import { openRowProps } from "../../components/row-keys.ts";
import { useLocation } from "../../lib/router.ts";
import { type CustomerSort, type CustomerView, sparklinePath, type TableState } from "./lib/prepare-customers.ts";

const SPARK_LABEL = { hour: "Hourly spend", day: "Daily spend", week: "Weekly spend" } as const;

const COLUMNS: { key: CustomerSort | null; label: string; num?: boolean }[] = [
  { key: "name", label: "Customer" },
  { key: "spend", label: "Spend", num: true },
  { key: "runs", label: "Runs", num: true },
  { key: "costPerRun", label: "Cost per run", num: true },
  { key: "budgetUse", label: "Budget use" },
  { key: null, label: "sparkline" },
];

/** The total row: the API's exact totals (all customers), or with a search the exact sum of the matches. */
export interface CustomerTotal {
  label: string;
  spendMicros: number | null;
  runs: number;
  unpricedCalls: number;
}

/** What the budget column measures, for its header and tooltip. */
export function budgetTitle(b: BudgetBasis, tz: string): string {
  const months = b.prorated ? `${num(b.months, undefined, 3)} months` : `${b.months} month${b.months === 1 ? "" : "s"}`;
  return b.prorated
    ? `Spend in the ${b.label} against the budget pro-rated to the period (${months}): each calendar month in ${tz} with its own budget, counted by its share of time in the period`
    : `Spend in ${b.label} against the budget for ${b.label} (${months}): each month with its own budget`;
}

export function CustomersTable({ rows, total, basis, tz, bucket, sparklines, state, onSort, onOpen }: {
  rows: CustomerView[];
  total: CustomerTotal;
  basis: BudgetBasis;
  tz: string;
  /** The sparklines' bucket, as the API chose it for the window. */
  bucket: keyof typeof SPARK_LABEL;
  /** The shown rows' sparklines by customer id; null while they load. */
  sparklines: ReadonlyMap<string, readonly (number | null)[]> | null;
  state: TableState;
  onSort: (key: CustomerSort) => void;
  onOpen: (customerId: string) => void;
}) {
  const { search } = useLocation();
  // One precision per column, rows and total alike.
  const spendColumn = moneyColumn([...rows.map((r) => r.spendMicros), total.spendMicros]);
  const perRunColumn = moneyColumn(rows.map((r) => r.costPerRunMicros));
  return (
    <table aria-label="Customers">
      <thead>
        <tr>
          {COLUMNS.map((c) => (
            <th
              key={c.label}
              className={c.num ? "num" : undefined}
              aria-sort={c.key === state.sort ? (state.dir === "asc" ? "ascending" : "descending") : undefined}
              title={c.key === "budgetUse" ? budgetTitle(basis, tz) : undefined}
              data-budget-months={c.key === "budgetUse" ? basis.months : undefined}
            >
              {c.key ? (
                <button type="button" onClick={() => onSort(c.key as CustomerSort)}>
                  {c.key === "budgetUse" ? `Budget use (${basis.prorated ? `${basis.label}, pro-rated` : basis.label})` : c.label} {c.key === state.sort ? (state.dir === "asc" ? "▲" : "▼") : ""}
                </button>
              ) : (
                SPARK_LABEL[bucket]
              )}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.customerId} className="clickable" {...openRowProps(() => onOpen(r.customerId))} data-customer={r.customerId} data-spend={r.spendMicros ?? ""}>
            <td>
              <strong>{r.label}</strong>
              {r.name && r.name !== r.customerId ? <div className="small muted mono">{r.customerId}</div> : null}
              <Link className="small no-print" href={statementHref(r.customerId, monthOf(basis.period.from, tz), tz, search)} onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()} data-statement-link={r.customerId}>
                Statement
              </Link>
            </td>
            <td className="num">
              <Money micros={r.spendMicros} unpricedCalls={r.unpricedCalls} format={spendColumn} />
            </td>
            <td className="num">{num(r.runs)}</td>
            <td className="num">{pricedMoney(r.costPerRunMicros, r.unpricedCalls, undefined, perRunColumn).text}</td>
            <td>
              <BudgetCell row={r} basis={basis} />
            </td>
            <td>
              <Sparkline points={sparklines ? (sparklines.get(r.customerId) ?? []) : null} />
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr className="total" data-total-spend={total.spendMicros ?? ""}>
          <th scope="row">{total.label}</th>
          <td className="num">
            <Money micros={total.spendMicros} unpricedCalls={total.unpricedCalls} format={spendColumn} />
          </td>
          <td className="num">{num(total.runs)}</td>
          <td colSpan={3} />
        </tr>
      </tfoot>
    </table>
  );
}

/** null: still loading (a faint baseline, so the row does not jump when the line arrives). */
function Sparkline({ points }: { points: readonly (number | null)[] | null }) {
  return (
    <svg width={100} height={24} aria-hidden="true" data-sparkline={points === null ? "loading" : points.filter((p) => p !== null).length}>
      {points === null ? (
        <path d="M0,23L100,23" stroke="#d0d7de" strokeDasharray="3 3" />
      ) : (
        <path d={sparklinePath(points, 100, 24)} fill="none" stroke="#0b5cad" strokeWidth={1.5} />
      )}
    </svg>
  );
}

import { Money } from "../../components/Money.tsx";
import { money, num, percent, pricedMoney } from "../../lib/format.ts";
import { type CustomerSort, type CustomerView, sparklinePath, type TableState } from "./lib/prepare-customers.ts";

const SPARK_LABEL = { hour: "Hourly spend", day: "Daily spend", week: "Weekly spend" } as const;

const COLUMNS: { key: CustomerSort | null; label: string; num?: boolean }[] = [
  { key: "name", label: "Customer" },
  { key: "spend", label: "Spend", num: true },
  { key: "runs", label: "Runs", num: true },
  { key: "costPerRun", label: "Cost per run", num: true },
  { key: "budgetUse", label: "Budget use (month to date)" },
  { key: null, label: "sparkline" },
];

export function CustomersTable({ rows, bucket, sparklines, state, onSort, onOpen }: {
  rows: CustomerView[];
  /** The sparklines' bucket, as the API chose it for the window. */
  bucket: keyof typeof SPARK_LABEL;
  /** The shown rows' sparklines by customer id; null while they load. */
  sparklines: ReadonlyMap<string, readonly (number | null)[]> | null;
  state: TableState;
  onSort: (key: CustomerSort) => void;
  onOpen: (customerId: string) => void;
}) {
  return (
    <table aria-label="Customers">
      <thead>
        <tr>
          {COLUMNS.map((c) => (
            <th key={c.label} className={c.num ? "num" : undefined} aria-sort={c.key === state.sort ? (state.dir === "asc" ? "ascending" : "descending") : undefined}>
              {c.key ? (
                <button type="button" onClick={() => onSort(c.key as CustomerSort)}>
                  {c.label} {c.key === state.sort ? (state.dir === "asc" ? "▲" : "▼") : ""}
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
          <tr key={r.customerId} className="clickable" onClick={() => onOpen(r.customerId)} data-customer={r.customerId} data-spend={r.spendMicros ?? ""}>
            <td>
              <strong>{r.label}</strong>
              {r.name && r.name !== r.customerId ? <div className="small muted mono">{r.customerId}</div> : null}
            </td>
            <td className="num">
              <Money micros={r.spendMicros} unpricedCalls={r.unpricedCalls} />
            </td>
            <td className="num">{num(r.runs)}</td>
            <td className="num">{pricedMoney(r.costPerRunMicros, r.unpricedCalls).text}</td>
            <td>
              {r.budgetMicros === null ? (
                <span className="muted small">no budget</span>
              ) : (
                <div title={`${money(r.monthSpendMicros ?? undefined)} of ${money(r.budgetMicros)}`}>
                  <div className="row small" style={{ justifyContent: "space-between" }}>
                    <span>{r.budgetUse === null ? "—" : percent(r.budgetUse)}</span>
                    <span className="muted" data-budget={r.budgetMicros}>of {money(r.budgetMicros)}</span>
                  </div>
                  <div className={`bar ${r.budgetUse !== null && r.budgetUse > 1 ? "over" : ""}`}>
                    <span style={{ width: `${Math.min(100, (r.budgetUse ?? 0) * 100)}%` }} />
                  </div>
                </div>
              )}
            </td>
            <td>
              <Sparkline points={sparklines ? (sparklines.get(r.customerId) ?? []) : null} />
            </td>
          </tr>
        ))}
      </tbody>
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

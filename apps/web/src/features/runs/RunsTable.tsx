import type { MouseEvent } from "react";
import { Link } from "../../components/Link.tsx";
import type { Filters } from "../../lib/filters.ts";
import { customerLabel, dateTime, moneyColumn, num, score } from "../../lib/format.ts";
import { navigate } from "../../lib/router.ts";
import type { RouterOutputs } from "../../lib/trpc.ts";

export type RunRow = RouterOutputs["runs"]["list"]["items"][number];

/**
 * `listSearch`: the list's own query string (filters, score range, sort, page). A run's link carries it, so
 * the detail page's "← Runs" returns to this very list. `spentHere`: a column of each run's spend in the view
 * (runs.list basis "spend").
 */
export function RunsTable({ rows, filters, listSearch, spentHere = false }: { rows: RunRow[]; filters: Filters; listSearch: string; spentHere?: boolean }) {
  const detail = (id: string) => `/runs/${encodeURIComponent(id)}${listSearch}`;
  const open = (id: string) => (e: MouseEvent) => {
    if ((e.target as HTMLElement).closest("a")) return;
    navigate(detail(id));
  };
  // One precision per column on the page.
  const agentColumn = moneyColumn(rows.map((r) => r.agentCostMicros));
  const judgeColumn = moneyColumn(rows.map((r) => r.judgeCostMicros));
  const costColumn = moneyColumn(rows.map((r) => r.costMicros));
  const hereColumn = moneyColumn(rows.map((r) => r.inView?.costMicros));
  return (
    <table aria-label="Runs">
      <thead>
        <tr>
          <th>Time ({filters.tz})</th>
          <th>Run</th>
          <th>Function</th>
          <th>Model</th>
          <th>Customer</th>
          <th>Scores</th>
          <th className="num">Agent cost</th>
          <th className="num">Judge cost</th>
          <th className="num">Cost per run</th>
          {spentHere ? <th className="num">Spent here</th> : null}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.runId} className="clickable" onClick={open(r.runId)} data-run-id={r.runId} data-occurred-at={r.occurredAt}>
            <td className="num">{dateTime(r.occurredAt, filters.tz)}</td>
            <td className="mono">
              <Link href={detail(r.runId)}>{r.runId}</Link>
            </td>
            <td className="nowrap">{r.functionSlug}</td>
            <td className="nowrap">{r.model || <span className="muted">unknown</span>}</td>
            <td className="nowrap" title={r.customerId || undefined} data-customer-id={r.customerId}>
              {r.customerName ?? customerLabel(r.customerId)}
              {r.customerName && r.customerName !== r.customerId ? <div className="small muted mono">{r.customerId}</div> : null}
            </td>
            <td>
              {r.scores.length === 0 ? (
                <span className="muted">not scored</span>
              ) : (
                <span className="row">
                  {r.scores.map((s) => (
                    <span key={s.name} className={`badge ${s.value >= 0.7 ? "good" : s.value < 0.4 ? "bad" : ""}`} title={s.name}>
                      {s.name} {score(s.value)}
                    </span>
                  ))}
                </span>
              )}
            </td>
            {/* No usage line of that kind: "—"; lines none of which is priced: "unpriced" (never $0). */}
            <td className="num">{r.agentCalls === 0 ? "—" : agentColumn(r.agentCostMicros)}</td>
            <td className="num">{r.judgeCalls === 0 ? "—" : judgeColumn(r.judgeCostMicros)}</td>
            <td className="num">
              {costColumn(r.costMicros)}
              {r.unpricedCalls > 0 && r.costMicros !== null ? <div className="small muted">+ {num(r.unpricedCalls)} unpriced</div> : null}
            </td>
            {spentHere ? (
              <td className="num" data-spent-here={r.inView?.costMicros ?? ""}>
                {hereColumn(r.inView?.costMicros ?? null)}
                {r.inView && r.inView.unpricedCalls > 0 && r.inView.costMicros !== null ? <div className="small muted">+ {num(r.inView.unpricedCalls)} unpriced</div> : null}
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
